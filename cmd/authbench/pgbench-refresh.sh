#!/usr/bin/env bash
# The PostgreSQL ceiling of the refresh path: pgbench runs the refresh's own three
# statements (pgbench-refresh.sql: read the session, read its user, rotate the
# counter) at the same concurrency as authbench, so that authd's refresh rate can be
# read as a fraction of what the database itself does with them.
#
# Migrates BENCH_DATABASE_URL (it must be a postgres:// URL of an existing database;
# bin/authd migrate), seeds one user and one session per pgbench client
# (pgbench-<n>, left in the database, reset on each run) plus BENCH_PGBENCH_ROWS
# other sessions, and runs pgbench with prepared statements. It always ends by
# itself (pgbench -T, the whole run under a timeout). After pgbench's own report it
# prints the latency percentiles of its transactions (from pgbench -l), so the
# database's own p50/p99 at this concurrency sits beside authd's refresh p99.
#
# Settings (environment):
#   BENCH_DATABASE_URL   postgres://user@host:port/db?sslmode=disable (required)
#   BENCH_CONCURRENCY    pgbench clients (default 64)
#   BENCH_PGBENCH_JOBS   pgbench threads (default 2)
#   BENCH_PGBENCH_TIME   seconds (default 10)
#   BENCH_PGBENCH_ROWS   extra sessions in the table (default 10000)
#   BENCH_PGBENCH_MODE   pgbench -M: prepared (default), extended or simple
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

url=${BENCH_DATABASE_URL:-}
clients=${BENCH_CONCURRENCY:-64}
jobs=${BENCH_PGBENCH_JOBS:-2}
seconds=${BENCH_PGBENCH_TIME:-10}
rows=${BENCH_PGBENCH_ROWS:-10000}
mode=${BENCH_PGBENCH_MODE:-prepared}

die() { echo "pgbench-refresh.sh: $*" >&2; exit 2; }
[[ $url == postgres://* || $url == postgresql://* ]] || die "BENCH_DATABASE_URL must be a postgres:// URL (got '${url}')"
for v in clients jobs seconds rows; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v=${!v}: want a non-negative integer"
done
((clients > 0 && jobs > 0 && seconds > 0)) || die "want at least one client, one job and one second"

pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -n 1 || true)
psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -n 1 || true)
[[ -x $pgbench && -x $psql ]] || die "pgbench and psql are needed (Debian: apt-get install postgresql-client)"

echo "pgbench-refresh.sh: migrating and seeding $clients sessions (+$rows)" >&2
mkdir -p bin
go build -o bin/authd ./cmd/authd
AUTH_DATABASE_URL=$url bin/authd migrate >/dev/null
"$psql" -X -q -v ON_ERROR_STOP=1 -v clients="$clients" -v rows="$rows" "$url" <<'SQL'
INSERT INTO users (id, email, role, status, password_hash, created_at, updated_at, activated_at)
SELECT 'pgbench-u' || n, 'pgbench-' || n || '@bench.invalid', 'user', 'active', 'x', now(), now(), now()
FROM generate_series(0, :clients - 1) AS n
ON CONFLICT (id) DO NOTHING;
INSERT INTO sessions (id, user_id, counter, rotated_at, created_at, expires_at, user_agent, ip)
SELECT 'pgbench-' || n, 'pgbench-u' || n, 0, now(), now(), now() + interval '30 days', 'pgbench', '127.0.0.1'
FROM generate_series(0, :clients - 1) AS n
ON CONFLICT (id) DO UPDATE SET counter = 0, revoked_at = NULL, expires_at = EXCLUDED.expires_at;
INSERT INTO sessions (id, user_id, counter, rotated_at, created_at, expires_at, user_agent, ip)
SELECT 'pgbench-x' || n, 'pgbench-u0', 0, now(), now(), now() + interval '30 days', 'pgbench', '127.0.0.1'
FROM generate_series(1, :rows) AS n
ON CONFLICT (id) DO NOTHING;
ANALYZE users;
ANALYZE sessions;
SQL

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

echo "pgbench-refresh.sh: pgbench -M $mode -c $clients -j $jobs -T $seconds -f cmd/authbench/pgbench-refresh.sql" >&2
timeout --signal=TERM --kill-after=10s "$((seconds + 60))s" \
	"$pgbench" -n -M "$mode" -c "$clients" -j "$jobs" -T "$seconds" -r \
	-l --log-prefix="$logs/tx" -f cmd/authbench/pgbench-refresh.sql "$url"

# Each log line is one transaction; its third field is the latency in µs.
cat "$logs"/tx* | awk '{print $3}' | sort -n | awk '
	{ v[NR] = $1 }
	function q(p,  i) { i = int(NR * p + 0.5); if (i < 1) i = 1; return v[i] / 1000 }
	END {
		if (NR == 0) { print "pgbench-refresh.sh: pgbench logged no transaction" > "/dev/stderr"; exit 1 }
		printf "transaction latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d transactions)\n", q(0.5), q(0.99), v[NR] / 1000, NR
	}'
