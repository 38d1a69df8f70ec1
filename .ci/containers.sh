#!/usr/bin/env bash
# .ci/containers.sh — the container half of CI, called by .ci/run after `make test`:
#
#   1. test images   deploy/testimages.sh: a Docker engine (a private dockerd when
#                    none answers) and stand-ins for the official images, built
#                    from Debian's packages (this machine cannot pull)
#   2. testcontainers the store contract suite and the end-to-end tests again, with
#                    no AUTH_TEST_*_URL: every server backend through
#                    testcontainers-go, on the stand-ins
#   3. image build   deploy/Dockerfile on the local Go builder image and scratch,
#                    from a vendored build context (no network in the build)
#   4. image smoke   non-root, static, `authd version`, /healthz
#   5. compose       deploy/compose.*.yml validated by docker-compose 1.29, then
#                    compose.postgres.yml: migrate, serve, sign up, activate, log in,
#                    down
#
# Each step prints its time; any failure fails CI. Published ports are ephemeral
# and on 127.0.0.1 only. The private dockerd this script started is stopped at the
# end, its images kept in ~/.cache/authd-testimages for the next run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

log() { printf '\n==> %s\n' "$*" >&2; }
die() {
	printf 'ci containers: error: %s\n' "$*" >&2
	exit 1
}

# step NAME FUNCTION: runs FUNCTION, then prints and remembers its time.
times=()
step() {
	local name=$1 start=$SECONDS
	shift
	log "$name"
	"$@"
	times+=("$(printf '%-28s %4ds' "$name" $((SECONDS - start)))")
	log "$name: done in $((SECONDS - start))s"
}

# wait_for SECS WHAT CMD…: runs CMD until it succeeds, for at most SECS seconds.
wait_for() {
	local secs=$1 what=$2
	shift 2
	local deadline=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "$what within ${secs}s"
		sleep 1
	done
}

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v debootstrap >/dev/null || need+=(debootstrap)
if ((${#need[@]})); then
	log "installing ${need[*]}"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The Docker client that builds deploy/Dockerfile must speak BuildKit: a client with
# buildx, or Debian's docker.io client (20.10), whose BuildKit is built in.
buildkit_docker=docker
if ! docker buildx version >/dev/null 2>&1; then
	[[ -x /usr/bin/docker ]] || die "no BuildKit-capable docker client (no buildx, no /usr/bin/docker)"
	buildkit_docker=/usr/bin/docker
fi

started_engine=false
tmp=$(mktemp -d "${TMPDIR:-/tmp}/authd-ci-containers.XXXXXX")
compose_project=authd-ci-$$
compose_file=""
cleanup() {
	local status=$?
	set +e
	if [[ -n $compose_file ]]; then
		docker-compose -p "$compose_project" -f "$compose_file" down -v --remove-orphans >/dev/null 2>&1
	fi
	if [[ -n ${DOCKER_HOST:-} ]]; then
		remove_test_containers >/dev/null 2>&1
		docker rm -f authd-ci-smoke >/dev/null 2>&1
	fi
	rm -rf "$tmp"
	if $started_engine; then
		bash deploy/testimages.sh stop
	fi
	exit "$status"
}
trap cleanup EXIT

# remove_test_containers removes what testcontainers started: CI runs without its
# reaper (Ryuk's image cannot be pulled here), so nothing else would.
remove_test_containers() {
	local ids
	ids=$(docker ps -aq --filter label=org.testcontainers=true)
	if [[ -n $ids ]]; then
		echo "removing $(wc -w <<<"$ids") testcontainers container(s)"
		# shellcheck disable=SC2086
		docker rm -f -v $ids >/dev/null
	fi
}

images() {
	bash deploy/testimages.sh engine >"$tmp/engine.env" 2>"$tmp/engine.log" || {
		cat "$tmp/engine.log" >&2
		die "no Docker engine"
	}
	cat "$tmp/engine.log" >&2
	# The engine this run starts, it stops; one that answered already it leaves.
	if grep -q 'starting a private dockerd' "$tmp/engine.log"; then
		started_engine=true
	fi
	bash deploy/testimages.sh build >"$tmp/images.env"
	cat "$tmp/images.env"
	# shellcheck disable=SC1091
	source "$tmp/images.env"
	docker version --format 'engine: Docker {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}'
}

testcontainers() {
	local report=$tmp/report status=0
	mkdir -p "$report" .ci/out
	(
		unset AUTH_TEST_POSTGRES_URL AUTH_TEST_MYSQL_URL AUTH_TEST_DYNAMODB_URL AUTH_TEST_BACKENDS
		export AUTH_TEST_REQUIRE_ALL=1 AUTH_TEST_REPORT_DIR=$report
		env | grep -E '^(AUTH_TEST_|DOCKER_HOST|TESTCONTAINERS_)' | sort
		go test -count=1 -timeout 20m -v -run '^(TestContract|TestEndToEnd|TestConcurrentFirstStart)$' \
			./adapters/sqlstore/ ./adapters/dynamostore/ ./cmd/authd/
	) >.ci/out/testcontainers.log 2>&1 || status=$?
	grep -E '^(AUTH_TEST_|DOCKER_HOST|TESTCONTAINERS_|ok|FAIL|panic:|--- FAIL)|^ *--- (PASS|FAIL|SKIP): Test[A-Za-z]+/(sqlite|postgres|mysql|dynamodb) ' \
		.ci/out/testcontainers.log || true
	echo
	bash adapters/backendtest/summary.sh "$report" | tee "$tmp/summary.txt"
	if ((status != 0)); then
		grep -vE '^(=== (RUN|PAUSE|CONT)|\[mysql\])' .ci/out/testcontainers.log | tail -n 150
		die "the tests through testcontainers failed (exit $status)"
	fi
	local b
	for b in postgres mysql dynamodb; do
		grep -qE "^backend $b: +ran in [0-9]+ packages? \(container [^)]*\)$" "$tmp/summary.txt" ||
			die "backend $b did not run through a container, and only through one"
	done
	local passed skipped
	passed=$(grep -cE '^ *--- PASS' .ci/out/testcontainers.log || true)
	skipped=$(grep -cE '^ *--- SKIP' .ci/out/testcontainers.log || true)
	((skipped == 0)) || die "$skipped tests were skipped through testcontainers"
	echo "testcontainers: ${passed} passed, 0 failed"
	remove_test_containers
}

build_image() {
	local ctx=$tmp/context
	mkdir -p "$ctx"
	# The sources as checked out (tracked and new files, not ignored ones) and
	# their modules vendored from the local module cache: the build fetches nothing.
	git ls-files --cached --others --exclude-standard -z | tar --null -T - -c | tar -x -C "$ctx"
	# go mod vendor reads every module the build list names, other platforms'
	# included (go-winio, plan9stats, …), which no test or build here fetches: on
	# a fresh module cache it fails offline. Fetch them into the cache first (the
	# configured GOPROXY, versions pinned by go.sum), then vendor offline.
	go mod download
	GOFLAGS=-mod=mod GOPROXY=off go mod vendor -o "$ctx/vendor"
	version=$(git describe --always --dirty 2>/dev/null || echo dev)
	DOCKER_BUILDKIT=1 "$buildkit_docker" build --progress=plain -f "$ctx/deploy/Dockerfile" \
		--build-arg GO_IMAGE="$AUTHD_GO_IMAGE" --build-arg RUNTIME_IMAGE=scratch \
		--build-arg VERSION="$version" -t authd:ci "$ctx" >"$tmp/build.log" 2>&1 || {
		tail -n 40 "$tmp/build.log"
		die "docker build -f deploy/Dockerfile failed"
	}
	grep -E '^#[0-9]+ (\[|DONE|naming)' "$tmp/build.log" | grep -vE 'sha256|CACHED' | tail -n 12 || true
	docker image inspect authd:ci --format 'authd:ci: {{.Size}} bytes, user {{.Config.User}}, entrypoint {{json .Config.Entrypoint}}'
}

smoke() {
	local user got
	user=$(docker image inspect authd:ci --format '{{.Config.User}}')
	[[ -n $user && $user != root && $user != 0 && $user != 0:* ]] || die "the image runs as root (USER '$user')"
	got=$(docker run --rm authd:ci version)
	echo "authd version: $got"
	[[ $got == "authd $version" ]] || die "authd version printed '$got', want 'authd $version'"
	# Static: it runs on scratch, which has no libc, and Go says how it was built.
	docker create --name authd-ci-smoke authd:ci >/dev/null
	docker cp authd-ci-smoke:/usr/local/bin/authd "$tmp/authd"
	docker rm authd-ci-smoke >/dev/null
	go version -m "$tmp/authd" | grep -E '^\s+build\s+CGO_ENABLED=0$' || die "the binary was not built with CGO_ENABLED=0"

	docker run -d --name authd-ci-smoke -p 127.0.0.1::8080 authd:ci >/dev/null
	local addr uid body
	addr=$(docker port authd-ci-smoke 8080/tcp | grep -m 1 '^127\.0\.0\.1:')
	wait_for 30 "/healthz did not answer on $addr" curl -fsS "http://$addr/healthz"
	body=$(curl -fsS "http://$addr/healthz")
	echo "GET /healthz: $body"
	[[ $(jq -r .status <<<"$body") == ok ]] || die "/healthz answered $body"
	uid=$(docker top authd-ci-smoke -eo pid,uid,comm | awk '$3 == "authd" { print $2 }')
	echo "authd runs as uid $uid"
	[[ $uid == 65532 ]] || die "authd runs as uid '$uid', want 65532"
	docker rm -f authd-ci-smoke >/dev/null
}

compose() {
	local f
	for f in deploy/compose.*.yml; do
		docker-compose -p "$compose_project" -f "$f" config -q || die "docker-compose $(docker-compose version --short) rejects $f"
		echo "docker-compose $(docker-compose version --short) accepts $f"
	done
	export AUTHD_IMAGE=authd:ci AUTHD_PORT=127.0.0.1:
	compose_file=deploy/compose.postgres.yml
	local dc=(docker-compose -p "$compose_project" -f "$compose_file")

	"${dc[@]}" up -d --no-build postgres
	wait_for 120 "postgres did not become healthy" \
		bash -c '[[ $(docker inspect -f "{{.State.Health.Status}}" "$1") == healthy ]]' _ "$("${dc[@]}" ps -q postgres)"
	echo "postgres: healthy"
	"${dc[@]}" run --rm --no-deps authd migrate
	"${dc[@]}" up -d --no-build authd
	local addr api
	addr=$("${dc[@]}" port authd 8080)
	api=http://$addr
	wait_for 60 "authd did not become ready on $api" curl -fsS "$api/readyz"
	echo "GET /readyz: $(curl -fsS "$api/readyz")"

	local email=compose-$$@example.com password='correct horse battery' code token tokens me
	code=$(curl -s -o "$tmp/signup.json" -w '%{http_code}' "$api/v1/auth/signup" -H 'Content-Type: application/json' \
		-d "{\"email\":\"$email\",\"password\":\"$password\"}")
	[[ $code == 201 ]] || die "sign-up answered $code: $(cat "$tmp/signup.json")"
	echo "POST /v1/auth/signup: 201 $(jq -c '.user | {email, status}' "$tmp/signup.json")"
	wait_for 10 "no activation link in authd's log" bash -c '"$@" logs authd | grep -q "activate?token="' _ "${dc[@]}"
	token=$("${dc[@]}" logs authd | grep -o 'activate?token=[A-Za-z0-9_-]*' | tail -n 1 | cut -d= -f2)
	curl -fsS "$api/v1/auth/activate" -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" >/dev/null
	echo "POST /v1/auth/activate: ok"
	tokens=$(curl -fsS "$api/v1/auth/login" -H 'Content-Type: application/json' \
		-d "{\"email\":\"$email\",\"password\":\"$password\"}")
	echo "POST /v1/auth/login: $(jq -c '{token_type, expires_in, user: .user.email}' <<<"$tokens")"
	me=$(curl -fsS "$api/v1/auth/me" -H "Authorization: Bearer $(jq -r .access_token <<<"$tokens")")
	[[ $(jq -r .user.email <<<"$me") == "$email" ]] || die "/v1/auth/me answered $me"
	echo "GET /v1/auth/me: $(jq -c '.user | {email, status}' <<<"$me")"

	"${dc[@]}" down -v
	compose_file=""
	[[ -z $(docker ps -aq --filter "label=com.docker.compose.project=$compose_project") ]] ||
		die "containers of $compose_project remain after down"
}

step "test images" images
step "testcontainers suites" testcontainers
step "image build" build_image
step "image smoke test" smoke
step "compose walk-through" compose

log "container steps"
printf '%s\n' "${times[@]}"
