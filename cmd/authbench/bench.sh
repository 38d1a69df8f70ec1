#!/usr/bin/env bash
# Benchmarks authd over HTTP on this machine (ARCHITECTURE.md §7).
#
# Builds bin/authd and bin/authbench, starts authd on a free 127.0.0.1 port against
# a fresh SQLite file in a temporary directory (or BENCH_DATABASE_URL), with
# activation off and the per-IP rate limits off so that the benchmark measures the
# service rather than its throttle, waits for /readyz, runs the scenarios, writes
# the results as JSON, prints the table, and stops the server. It always ends by
# itself: authbench is bounded per scenario and the whole run by a timeout.
#
# Settings (environment):
#   BENCH_CONCURRENCY   workers (default 16)
#   BENCH_DURATION      time per scenario, integer Go-style units: 500ms, 10s, 1m30s (default 10s)
#   BENCH_REQUESTS      also stop a scenario after this many requests (default: no count bound)
#   BENCH_SCENARIO      signup, login, refresh, me, a comma-separated list, or all (default all)
#   BENCH_USERS         accounts pre-created for login/refresh/me (default: one per worker)
#   BENCH_OUT           JSON results file (default bench-results/authbench.json)
#   BENCH_HEALTH_INTERVAL  also ask /healthz this often during each scenario (default 0: not)
#   BENCH_HONOR_RETRY_AFTER  true: a worker told to come back later waits Retry-After (default false)
#   BENCH_DATABASE_URL  another backend, e.g. postgres://postgres@127.0.0.1:5432/authd_bench
#                       (the database must exist; accounts are left in it, named per run)
# Any other AUTH_* variable in the environment reaches the server too, e.g.
# AUTH_ARGON2 to measure other hashing costs.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

concurrency=${BENCH_CONCURRENCY:-16}
duration=${BENCH_DURATION:-10s}
requests=${BENCH_REQUESTS:-0}
scenario=${BENCH_SCENARIO:-all}
users=${BENCH_USERS:-0}
out=${BENCH_OUT:-bench-results/authbench.json}
health_interval=${BENCH_HEALTH_INTERVAL:-0}
honor_retry_after=${BENCH_HONOR_RETRY_AFTER:-false}

die() { echo "bench.sh: $*" >&2; exit 2; }

[[ $concurrency =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONCURRENCY=$concurrency: want a positive integer"
[[ $requests =~ ^[0-9]+$ ]] || die "BENCH_REQUESTS=$requests: want a non-negative integer"
[[ $users =~ ^[0-9]+$ ]] || die "BENCH_USERS=$users: want a non-negative integer"

# duration_ms converts an integer Go duration (1h2m3s400ms) to milliseconds, so the
# script can bound the whole run; authbench itself parses the same string.
duration_ms() {
	local rest=$1 total=0 n unit
	[[ -n $rest ]] || return 1
	while [[ -n $rest ]]; do
		[[ $rest =~ ^([0-9]+)(ms|h|m|s)(.*)$ ]] || return 1
		n=$((10#${BASH_REMATCH[1]})) unit=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
		case $unit in
		ms) total=$((total + n)) ;;
		s) total=$((total + n * 1000)) ;;
		m) total=$((total + n * 60000)) ;;
		h) total=$((total + n * 3600000)) ;;
		esac
	done
	echo "$total"
}
per_scenario_ms=$(duration_ms "$duration") || die "BENCH_DURATION=$duration: want e.g. 10s, 500ms or 1m30s"
((per_scenario_ms > 0)) || die "BENCH_DURATION=$duration: want more than zero"

if [[ $scenario == all ]]; then
	scenarios=4
else
	scenarios=$(($(tr -cd , <<<"$scenario" | wc -c) + 1))
fi
# Each scenario's own bound, plus set-up (sign-ups hash passwords), readiness and
# the request timeout of the last requests in flight.
limit_s=$(((scenarios * per_scenario_ms + 999) / 1000 + 30 + 60 + 15))

tmp=$(mktemp -d "${TMPDIR:-/tmp}/authbench.XXXXXX")
server_pid=""
bench_pid=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# authbench first (it prints what it measured so far on SIGTERM), then the server.
	if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then
		kill -TERM "$bench_pid" 2>/dev/null || true
		wait "$bench_pid" 2>/dev/null || true
	fi
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ -s $tmp/authd.log ]]; then
		mkdir -p "$(dirname "$out")"
		cp "$tmp/authd.log" "$(dirname "$out")/authd.log"
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench.sh: building bin/authd and bin/authbench" >&2
mkdir -p bin "$(dirname "$out")"
go build -o bin/authd ./cmd/authd
go build -o bin/authbench ./cmd/authbench

port=$(bin/authbench -free-port)
url="http://127.0.0.1:$port"
database_url=${BENCH_DATABASE_URL:-sqlite://$tmp/authd.db}

# The server runs in the temporary directory so that no .env of the working tree
# reaches it; the subshell execs, so $! is authd's own PID (for its RSS).
(
	cd "$tmp"
	export AUTH_DATABASE_URL="$database_url" \
		AUTH_LISTEN="127.0.0.1:$port" \
		AUTH_PUBLIC_URL="$url" \
		AUTH_REQUIRE_ACTIVATION=false \
		AUTH_LOG_LEVEL=warn \
		AUTH_RATE_LIMIT_LOGIN=0 \
		AUTH_RATE_LIMIT_SIGNUP=0 \
		AUTH_RATE_LIMIT_REFRESH=0 \
		AUTH_RATE_LIMIT_FORGOT=0 \
		AUTH_RATE_LIMIT_RESEND=0
	exec "$root/bin/authd" serve
) >"$tmp/authd.log" 2>&1 &
server_pid=$!

echo "bench.sh: authd pid $server_pid on $url (${BENCH_DATABASE_URL:+BENCH_DATABASE_URL, }$concurrency workers, $duration per scenario, run bounded at ${limit_s}s)" >&2
# authbench runs in the background and the script waits for it, so that an
# interrupt or TERM reaches the traps at once instead of after the run.
timeout --signal=TERM --kill-after=10s "${limit_s}s" \
	bin/authbench -url "$url" -c "$concurrency" -d "$duration" -n "$requests" \
	-scenario "$scenario" -users "$users" -pid "$server_pid" \
	-health-interval "$health_interval" -honor-retry-after="$honor_retry_after" -ready-timeout 30s -json "$out" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=""

if ((status != 0)); then
	echo "bench.sh: authbench failed (exit $status); last lines of the server log:" >&2
	tail -n 20 "$tmp/authd.log" >&2 || true
	exit "$status"
fi
echo "bench.sh: results in $out" >&2
