#!/bin/bash
# docker-entrypoint.sh of the CI-only PostgreSQL stand-in (deploy/testimages.sh).
# Like the official image's: on an empty PGDATA it runs initdb for POSTGRES_USER
# (default postgres) with POSTGRES_PASSWORD, starts a socket-only server, creates
# POSTGRES_DB (default: the user's name), runs /docker-entrypoint-initdb.d/*.sql
# and *.sh, stops that server and then execs the real one — so the log says
# "database system is ready to accept connections" twice on a first start, which
# testcontainers' postgres wait strategy counts.
set -euo pipefail

if [[ ${1:-} == -* ]]; then
	set -- postgres "$@"
fi
if [[ ${1:-} != postgres ]]; then
	exec "$@"
fi

if [[ $(id -u) == 0 ]]; then
	install -d -o postgres -g postgres -m 700 "$PGDATA"
	install -d -o postgres -g postgres -m 2775 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
	if [[ -z ${POSTGRES_PASSWORD:-} && ${POSTGRES_HOST_AUTH_METHOD:-} != trust ]]; then
		echo "error: database is uninitialized and POSTGRES_PASSWORD is not set" >&2
		echo "       (set it, or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without one)" >&2
		exit 1
	fi
	pwfile=$(mktemp)
	trap 'rm -f "$pwfile"' EXIT
	printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
	initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
		--auth-local=trust --auth-host=scram-sha-256 ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA" >/dev/null
	rm -f "$pwfile"
	echo "host all all all ${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"
	echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"

	postgres -c listen_addresses='' -c unix_socket_directories=/var/run/postgresql &
	pid=$!
	for _ in $(seq 1 60); do
		pg_isready -q -h /var/run/postgresql -U "$user" -d postgres && break
		kill -0 "$pid" 2>/dev/null || exit 1
		sleep 0.5
	done
	psql=(psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$user")
	if [[ $db != postgres ]]; then
		"${psql[@]}" -d postgres -v db="$db" <<<'CREATE DATABASE :"db";'
	fi
	shopt -s nullglob
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sql) echo "running $f" && "${psql[@]}" -d "$db" -f "$f" ;;
		*.sh) echo "running $f" && PGHOST=/var/run/postgresql PGUSER=$user PGDATABASE=$db bash "$f" ;;
		*) echo "ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
