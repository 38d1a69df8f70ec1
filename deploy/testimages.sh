#!/usr/bin/env bash
# testimages.sh — CI-only stand-ins for the container images that the tests and
# deploy/compose.*.yml name, built on a machine that cannot pull from a public
# registry. Operators and developers with Docker use the official images; this
# is for CI (.ci/containers.sh) and for checking the container paths offline.
#
# Usage: deploy/testimages.sh [build|engine|stop]
#   build (default)  make sure a Docker engine answers (starting a private one when
#                    none does), build the images, and print on stdout the exports
#                    that select them:   eval "$(deploy/testimages.sh)"
#   engine           only the engine; prints export DOCKER_HOST=…
#   stop             stop the private engine this script started (its images stay
#                    in the cache for the next run)
#
# What is built, each from Debian 12's packages on a Debian base made without a
# registry (debootstrap --variant=minbase from the mirror this machine's apt uses,
# then docker import):
#   authd-testimages/debian:bookworm          the base
#   authd-testimages/postgres:15              for postgres:* (POSTGRES_* contract)
#   authd-testimages/mariadb:10.11            for mysql:* and mariadb:* (MYSQL_*/MARIADB_*)
#   authd-testimages/dynamodb-local:VERSION   for amazon/dynamodb-local (the npm jar)
#   authd-testimages/golang:VERSION           for golang:* (this machine's Go toolchain)
# deploy/testimages/*/ hold their Dockerfiles and entrypoints.
#
# Environment:
#   AUTHD_TESTIMAGES_CACHE  cache directory (default ~/.cache/authd-testimages): the
#                           base rootfs tarball, and the private engine's data root,
#                           so a second run reuses every image
#   AUTHD_TESTIMAGES_RUN    socket, pid file and log of the private engine
#                           (default /run/authd-testimages)
#   DEBIAN_MIRROR           Debian mirror for debootstrap (default: the one apt uses)
#   DOCKER                  docker client (default: docker)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here=$repo/deploy/testimages
cache=${AUTHD_TESTIMAGES_CACHE:-${HOME:-/root}/.cache/authd-testimages}
run=${AUTHD_TESTIMAGES_RUN:-/run/authd-testimages}
docker=${DOCKER:-docker}
suite=bookworm
base=authd-testimages/debian:$suite
private_host=unix://$run/docker.sock

log() { echo "testimages: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}
# timed NAME CMD…: runs CMD, then logs how long it took.
timed() {
	local what=$1 start=$SECONDS
	shift
	"$@"
	log "$what: $((SECONDS - start))s"
}

answers() { timeout 10 "$docker" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# engine makes DOCKER_HOST point at an engine that answers: the one configured or
# the default socket, else this script's private one, started when needed.
engine() {
	command -v "$docker" >/dev/null || die "no docker client ($docker): apt-get install docker.io"
	if answers; then
		export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
		return
	fi
	export DOCKER_HOST=$private_host
	answers && return
	[[ $(id -u) == 0 ]] || die "no Docker engine answers, and starting a private one needs root"
	command -v dockerd >/dev/null || die "no Docker engine answers and dockerd is missing: apt-get install docker.io"
	mkdir -p "$run" "$cache/docker"
	# A pid file left by an engine that was killed would stop dockerd from starting.
	if [[ -s $run/dockerd.pid ]] && ! grep -qs dockerd "/proc/$(<"$run/dockerd.pid")/cmdline"; then
		rm -f "$run/dockerd.pid"
	fi
	log "starting a private dockerd (vfs storage, data root $cache/docker, log $run/dockerd.log)"
	# setsid: the engine outlives this script; `testimages.sh stop` ends it.
	setsid dockerd --storage-driver vfs --data-root "$cache/docker" --exec-root "$run/exec" \
		--pidfile "$run/dockerd.pid" --host "$private_host" </dev/null >"$run/dockerd.log" 2>&1 &
	local deadline=$((SECONDS + 60))
	until answers; do
		((SECONDS < deadline)) || die "the private dockerd did not answer within 60s; last log lines:
$(tail -n 20 "$run/dockerd.log" 2>/dev/null)"
		sleep 0.5
	done
}

stop() {
	local pidfile=$run/dockerd.pid pid
	if [[ ! -s $pidfile ]]; then
		log "no private dockerd is running"
		return
	fi
	pid=$(<"$pidfile")
	if kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
		kill "$pid"
		for _ in $(seq 1 120); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		kill -0 "$pid" 2>/dev/null && die "the private dockerd (pid $pid) did not stop within 30s"
		log "stopped the private dockerd (pid $pid)"
	fi
	rm -f "$pidfile"
}

# mirror prints the Debian mirror this machine's apt uses (deb822 sources or a
# sources.list line for $suite), else Debian's redirector.
mirror() {
	if [[ -n ${DEBIAN_MIRROR:-} ]]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	local m=""
	if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
		m=$(awk -v s="$suite" '
			/^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
			/^$/ { if (ok && uri !~ /security/) { print uri; exit } ok = 0; uri = "" }
			END { if (ok && uri !~ /security/) print uri }' /etc/apt/sources.list.d/debian.sources | head -n 1)
	fi
	if [[ -z $m && -f /etc/apt/sources.list ]]; then
		m=$(awk -v s="$suite" '$1 == "deb" && $3 == s && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
	fi
	echo "${m:-http://deb.debian.org/debian}"
}

# rootfs makes the cached minbase tarball once.
rootfs() {
	local arch tarball dir
	arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
	tarball=$cache/debian-$suite-minbase-$arch.tar
	if [[ -s $tarball ]]; then
		echo "$tarball"
		return
	fi
	command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
	[[ $(id -u) == 0 ]] || die "debootstrap needs root"
	mkdir -p "$cache"
	dir=$(mktemp -d "$cache/rootfs.XXXXXX")
	chmod 755 "$dir" # it becomes /, which mktemp made for root alone
	log "debootstrap --variant=minbase $suite from $(mirror)"
	debootstrap --variant=minbase --arch="$arch" "$suite" "$dir" "$(mirror)" >"$cache/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $cache/debootstrap.log"
	# As Debian's own container images: no services start inside a build, no
	# recommends, no documentation, no package caches.
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod +x "$dir/usr/sbin/policy-rc.d"
	printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$dir/etc/apt/apt.conf.d/90authd"
	printf 'path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\npath-exclude=/usr/share/locale/*\npath-include=/usr/share/locale/locale.alias\n' \
		>"$dir/etc/dpkg/dpkg.cfg.d/90authd"
	printf 'deb %s %s main\ndeb %s %s-updates main\n' "$(mirror)" "$suite" "$(mirror)" "$suite" >"$dir/etc/apt/sources.list"
	if grep -qs 'debian-security' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; then
		echo "deb $(mirror | sed 's,/debian/*$,/debian-security,') $suite-security main" >>"$dir/etc/apt/sources.list"
	fi
	rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/usr/share/doc/* "$dir"/usr/share/man/* \
		"$dir"/usr/share/locale/* "$dir"/var/log/*.log
	find "$dir/var/lib/apt/lists" -type f -delete
	chroot "$dir" chown _apt:root /var/cache/apt/archives/partial /var/lib/apt/lists/partial
	tar -C "$dir" --numeric-owner -cf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	rm -rf "$dir"
	echo "$tarball"
}

# base imports the rootfs tarball unless the engine has that very one already.
base_image() {
	local tarball sum have
	tarball=$(rootfs)
	sum=$(sha256sum "$tarball" | cut -c1-16)
	have=$("$docker" image inspect --format '{{index .Config.Labels "org.authd.testimages.rootfs"}}' "$base" 2>/dev/null || true)
	if [[ $have != "$sum" ]]; then
		"$docker" import --change "LABEL org.authd.testimages.rootfs=$sum" --change 'CMD ["bash"]' \
			"$tarball" "$base" >/dev/null
	fi
}

# build NAME CONTEXT|-: docker build with the base as BASE; a context of - is a tar
# stream on stdin.
build() {
	local name=$1 ctx=$2 out
	out=$cache/build-${name//[\/:]/_}.log
	"$docker" build --build-arg "BASE=$base" -t "$name" "$ctx" >"$out" 2>&1 ||
		die "building $name failed; last lines of $out:
$(tail -n 30 "$out")"
}

build_all() {
	engine
	# The legacy builder needs nothing but the engine; BuildKit needs buildx
	# with a recent client.
	"$docker" buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0

	timed "base image $base" base_image
	timed "authd-testimages/postgres:15" build authd-testimages/postgres:15 "$here/postgres"
	timed "authd-testimages/mariadb:10.11" build authd-testimages/mariadb:10.11 "$here/mariadb"

	local jar emu dynamo_version go_root go_version
	jar=$(bash "$repo/deploy/dynamodb-local.sh" install)
	emu=$(dirname "$jar")
	dynamo_version=$(grep -m 1 -oE '^[0-9-]+ \([0-9.]+\)' "$emu/README.txt" 2>/dev/null | grep -oE '[0-9]+\.[0-9.]+' || echo local)
	tar -c -C "$here/dynamodb-local" Dockerfile -C "$emu" --transform 's,^DynamoDBLocal,home/dynamodblocal/DynamoDBLocal,' \
		DynamoDBLocal.jar DynamoDBLocal_lib |
		timed "authd-testimages/dynamodb-local:$dynamo_version" build "authd-testimages/dynamodb-local:$dynamo_version" -

	command -v go >/dev/null || die "no Go toolchain to put into authd-testimages/golang"
	go_root=$(go env GOROOT)
	go_version=$(go env GOVERSION)
	go_version=${go_version#go}
	# The toolchain without its own tests and test data: go build reads neither.
	tar -c -C "$here/golang" Dockerfile -C "$(dirname "$go_root")" \
		--exclude="$(basename "$go_root")/test" --exclude=testdata \
		--transform "s,^$(basename "$go_root"),go," "$(basename "$go_root")" |
		timed "authd-testimages/golang:$go_version" build "authd-testimages/golang:$go_version" -

	"$docker" image prune -f >/dev/null
	"$docker" images --filter 'reference=authd-testimages/*' --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sed 's/^/testimages: /' >&2

	echo "export DOCKER_HOST=$DOCKER_HOST"
	echo "export AUTH_TEST_POSTGRES_IMAGE=authd-testimages/postgres:15"
	echo "export AUTH_TEST_MYSQL_IMAGE=authd-testimages/mariadb:10.11"
	echo "export AUTH_TEST_DYNAMODB_IMAGE=authd-testimages/dynamodb-local:$dynamo_version"
	echo "export AUTHD_POSTGRES_IMAGE=authd-testimages/postgres:15"
	echo "export AUTHD_MARIADB_IMAGE=authd-testimages/mariadb:10.11"
	echo "export AUTHD_DYNAMODB_IMAGE=authd-testimages/dynamodb-local:$dynamo_version"
	echo "export AUTHD_GO_IMAGE=authd-testimages/golang:$go_version"
	# testcontainers' reaper (Ryuk) is an image of its own; without it, say so
	# to testcontainers, and whoever runs the tests removes the containers.
	if [[ -z $("$docker" images -q 'testcontainers/ryuk' 2>/dev/null) ]]; then
		echo "export TESTCONTAINERS_RYUK_DISABLED=true"
	fi
	host_override
}

# host_override tells testcontainers where the private engine publishes ports:
# on this machine. Left to itself, testcontainers takes a machine with a
# /.dockerenv for a container and looks for the ports at its default gateway,
# where nothing answers (seen: "dial tcp 192.0.2.1:32772: i/o timeout").
host_override() {
	if [[ $DOCKER_HOST == "$private_host" && -z ${TESTCONTAINERS_HOST_OVERRIDE:-} ]]; then
		echo "export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
	fi
}

case ${1:-build} in
build) build_all ;;
engine)
	engine
	echo "export DOCKER_HOST=$DOCKER_HOST"
	host_override
	;;
stop) stop ;;
*)
	echo "usage: $0 [build|engine|stop]" >&2
	exit 2
	;;
esac
