#!/bin/bash
# healthcheck.sh of the CI-only MariaDB stand-in: the two checks of the official
# mariadb image's healthcheck.sh that deploy/compose.mysql.yml uses, with the
# healthcheck account the entrypoint made.
#   --connect             a TCP connection to the server succeeds
#   --innodb_initialized  InnoDB has finished starting
set -euo pipefail
client=(--defaults-extra-file=/var/lib/mysql/.my-healthcheck.cnf --protocol=tcp -h 127.0.0.1)
(($#)) || set -- --connect
for check; do
	case $check in
	--connect) mariadb "${client[@]}" -e 'SELECT 1' >/dev/null ;;
	--innodb_initialized)
		ok=$(mariadb "${client[@]}" -Nse "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'InnoDB' AND support IN ('YES', 'DEFAULT', 'ENABLED')")
		[[ $ok == 1 ]]
		;;
	*)
		echo "healthcheck.sh: $check is not supported by this stand-in" >&2
		exit 2
		;;
	esac
done
