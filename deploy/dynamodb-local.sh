#!/usr/bin/env bash
# dynamodb-local.sh — run Amazon DynamoDB Local without Docker.
#
# Usage: deploy/dynamodb-local.sh start|stop|status [PORT]
#        deploy/dynamodb-local.sh install   (prints the path of DynamoDBLocal.jar)
#
# DynamoDB Local ships inside the npm package amplify-dynamodb-simulator as
# emulator/DynamoDBLocal.jar; this script installs that package once into a cache
# directory and runs the jar on the machine's Java (17 or newer), in memory, in the
# background. It never prompts, so CI can call it.
#
# Environment:
#   DYNAMODB_LOCAL_DIR   cache directory (default: <repo>/.dynamodb-local)
#   DYNAMODB_LOCAL_WAIT  seconds to wait for the server to answer (default: 60)
#   JAVA                 java binary (default: java on PATH)
#
# start prints the endpoint URL (http://127.0.0.1:PORT) on stdout, e.g.
#   export AUTH_TEST_DYNAMODB_URL=$(deploy/dynamodb-local.sh start)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${DYNAMODB_LOCAL_DIR:-$repo/.dynamodb-local}
wait_secs=${DYNAMODB_LOCAL_WAIT:-60}
java=${JAVA:-java}
cmd=${1:-}
port=${2:-8000}

usage() {
	echo "usage: $0 start|stop|status [PORT] | install" >&2
	exit 2
}

log() { echo "dynamodb-local: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
pidfile=$dir/dynamodb-local-$port.pid
logfile=$dir/dynamodb-local-$port.log
endpoint=http://127.0.0.1:$port

# running reports whether the pid file names a live DynamoDB Local process.
running() {
	[[ -f $pidfile ]] || return 1
	local pid
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	grep -q DynamoDBLocal "/proc/$pid/cmdline" 2>/dev/null || ! [[ -d /proc ]]
}

# answers reports whether something speaks HTTP on the port. DynamoDB Local answers
# any request, even an unsigned GET (with a 400), so an HTTP status means it is up.
answers() {
	local code
	code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$endpoint/" 2>/dev/null || true)
	[[ -n $code && $code != 000 ]]
}

install() {
	local jar
	jar=$(find_jar)
	if [[ -n $jar ]]; then
		echo "$jar"
		return
	fi
	command -v npm >/dev/null || die "npm is required to install amplify-dynamodb-simulator"
	mkdir -p "$dir"
	log "installing amplify-dynamodb-simulator into $dir"
	npm install --prefix "$dir" --no-audit --no-fund --loglevel=error amplify-dynamodb-simulator >&2 ||
		die "npm install amplify-dynamodb-simulator failed"
	jar=$(find_jar)
	[[ -n $jar ]] || die "emulator/DynamoDBLocal.jar not found under $dir/node_modules"
	echo "$jar"
}

find_jar() {
	[[ -d $dir/node_modules ]] || return 0
	find "$dir/node_modules" -path '*/emulator/DynamoDBLocal.jar' -print -quit 2>/dev/null
}

start() {
	if running; then
		log "already running (pid $(<"$pidfile"))"
		echo "$endpoint"
		return
	fi
	if answers; then
		die "port $port is already in use by another process"
	fi
	command -v "$java" >/dev/null || die "java not found (set JAVA or install Java 17)"
	local jar emu
	jar=$(install)
	emu=$(dirname "$jar")
	mkdir -p "$dir"
	# cd into the emulator so DynamoDB Local finds its native libraries either way.
	(
		cd "$emu"
		exec nohup "$java" -Djava.library.path="$emu/DynamoDBLocal_lib" -jar "$jar" \
			-inMemory -port "$port" </dev/null >"$logfile" 2>&1
	) &
	echo $! >"$pidfile"
	local deadline=$((SECONDS + wait_secs))
	until answers; do
		if ! running; then
			rm -f "$pidfile"
			die "DynamoDB Local exited during start; last log lines:
$(tail -n 20 "$logfile" 2>/dev/null)"
		fi
		if ((SECONDS >= deadline)); then
			stop >/dev/null 2>&1 || true
			die "DynamoDB Local did not answer on $endpoint within ${wait_secs}s (log: $logfile)"
		fi
		sleep 0.5
	done
	log "started (pid $(<"$pidfile"), log $logfile)"
	echo "$endpoint"
}

stop() {
	if ! running; then
		rm -f "$pidfile"
		log "not running"
		return
	fi
	local pid
	pid=$(<"$pidfile")
	kill "$pid"
	for _ in $(seq 1 40); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.25
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
	log "stopped (pid $pid)"
}

status() {
	if running && answers; then
		echo "running $endpoint (pid $(<"$pidfile"))"
	elif running; then
		echo "starting or unresponsive (pid $(<"$pidfile"))"
		return 1
	else
		echo "stopped"
		return 3
	fi
}

case $cmd in
start) start ;;
stop) stop ;;
status) status ;;
install) install ;;
*) usage ;;
esac
