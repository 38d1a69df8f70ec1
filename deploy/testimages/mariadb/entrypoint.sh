#!/bin/bash
# docker-entrypoint.sh of the CI-only MariaDB stand-in (deploy/testimages.sh).
# Like the official mysql/mariadb images': on an empty datadir it installs the
# system tables, starts a server without networking, sets the root password
# (MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD or MYSQL_RANDOM_ROOT_PASSWORD;
# each also as MARIADB_*), creates MYSQL_DATABASE and MYSQL_USER/MYSQL_PASSWORD
# with all rights on it, runs /docker-entrypoint-initdb.d/*.sql and *.sh, stops
# that server and execs the real one.
#
# testcontainers-go's mysql module waits for MySQL's log line "port: 3306  MySQL
# Community Server". MariaDB says "port: 3306  Debian 12" instead, so once the
# real server is ready for connections this entrypoint adds a line that names
# both: it is a stand-in and says so.
set -euo pipefail

if [[ ${1:-} == -* ]]; then
	set -- mariadbd "$@"
fi
case ${1:-} in
mariadbd | mysqld) shift && set -- /usr/sbin/mariadbd "$@" ;;
/usr/sbin/mariadbd) ;;
*) exec "$@" ;;
esac

if [[ $(id -u) == 0 ]]; then
	install -d -o mysql -g mysql /var/lib/mysql /run/mysqld
	exec setpriv --reuid=mysql --regid=mysql --init-groups "$BASH_SOURCE" "$@"
fi

env_var() { # env_var NAME: $MARIADB_NAME, else $MYSQL_NAME, else empty
	local m=MARIADB_$1 y=MYSQL_$1
	printf '%s' "${!m:-${!y:-}}"
}
sql_string() { # a quoted SQL string literal
	local s=${1//\\/\\\\}
	printf "'%s'" "${s//\'/\\\'}"
}
sql_name() { # a quoted SQL identifier
	printf '`%s`' "${1//\`/\`\`}"
}

socket=/run/mysqld/mysqld.sock
if [[ ! -d /var/lib/mysql/mysql ]]; then
	root_password=$(env_var ROOT_PASSWORD)
	if [[ -z $root_password ]]; then
		if [[ -n $(env_var RANDOM_ROOT_PASSWORD) ]]; then
			root_password=$(head -c 18 /dev/urandom | base64)
			echo "GENERATED ROOT PASSWORD: $root_password"
		elif [[ -z $(env_var ALLOW_EMPTY_PASSWORD) ]]; then
			echo "error: database is uninitialized and no root password option is set:" >&2
			echo "       set MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD or MYSQL_RANDOM_ROOT_PASSWORD" >&2
			exit 1
		fi
	fi
	mariadb-install-db --datadir=/var/lib/mysql --auth-root-authentication-method=normal \
		--skip-test-db --skip-name-resolve >/dev/null
	"$@" --skip-networking --socket="$socket" &
	pid=$!
	for _ in $(seq 1 60); do
		mariadb-admin --socket="$socket" -uroot --silent ping >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || exit 1
		sleep 0.5
	done

	database=$(env_var DATABASE) user=$(env_var USER) password=$(env_var PASSWORD)
	health_password=$(head -c 18 /dev/urandom | base64)
	(
		umask 077
		printf '[mariadb-client]\nport=3306\nuser=healthcheck\npassword=%s\n' "$health_password" >/var/lib/mysql/.my-healthcheck.cnf
	)
	{
		echo "SET @@SESSION.SQL_LOG_BIN=0;"
		echo "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');"
		echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$root_password");"
		echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_string "$root_password");"
		echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
		if [[ -n $database ]]; then
			echo "CREATE DATABASE IF NOT EXISTS $(sql_name "$database");"
		fi
		if [[ -n $user && $user != root ]]; then
			[[ -n $password ]] || {
				echo "error: MYSQL_USER is set but MYSQL_PASSWORD is empty" >&2
				exit 1
			}
			echo "CREATE USER $(sql_string "$user")@'%' IDENTIFIED BY $(sql_string "$password");"
			if [[ -n $database ]]; then
				echo "GRANT ALL ON $(sql_name "$database").* TO $(sql_string "$user")@'%';"
			fi
		fi
		# The account of healthcheck.sh, as the official mariadb image makes it.
		for host in localhost 127.0.0.1 ::1; do
			echo "CREATE USER 'healthcheck'@'$host' IDENTIFIED BY $(sql_string "$health_password");"
		done
		echo "FLUSH PRIVILEGES;"
	} | mariadb --socket="$socket" -uroot
	mysql=(mariadb --socket="$socket" -uroot ${root_password:+"-p$root_password"})
	shopt -s nullglob
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sql) echo "running $f" && "${mysql[@]}" ${database:+"$database"} <"$f" ;;
		*.sh) echo "running $f" && bash "$f" ;;
		*) echo "ignoring $f" ;;
		esac
	done
	kill "$pid"
	wait "$pid" || true
	echo "MariaDB init process done. Ready for start up."
fi

# The real server; its log goes through awk, which adds the line testcontainers'
# mysql module waits for once MariaDB reports it is ready on a TCP port.
exec "$@" 2> >(awk '{ print; fflush() }
	/ready for connections/ { ready = 1 }
	ready && match($0, /port: [1-9][0-9]*/) {
		printf "authd stand-in: %s  MySQL Community Server wait line; this is MariaDB, not MySQL\n", substr($0, RSTART, RLENGTH)
		fflush(); ready = 0
	}' >&2)
