#!/usr/bin/env bash
# summary.sh DIR: after `go test`, print one line per backend from the records the
# test processes wrote under DIR (see report.go): which backends ran, and which were
# skipped or failed for want of a server, and why. `make test` runs it.
set -euo pipefail

dir=${1:?usage: summary.sh DIR}
shopt -s nullglob
files=("$dir"/*.tsv)
if ((${#files[@]} == 0)); then
	echo "backends: no test recorded a backend (results from the test cache? run with -count=1)"
	exit 0
fi

# Each record: backend TAB outcome TAB package TAB reason. Counted per backend and
# outcome (one record per test binary), keeping the first reason seen; for "ran",
# whose reason is how the server was reached ("url AUTH_TEST_POSTGRES_URL",
# "container postgres:15-alpine", "in-process"), every distinct one, in brackets.
LC_ALL=C sort "${files[@]}" | awk -F '\t' '
	{
		b = $1; o = $2
		if (!(b in seen)) { seen[b] = 1; order[++n] = b }
		count[b, o]++
		if (!((b, o) in reason) && $4 != "") reason[b, o] = $4
		if (o == "ran" && $4 != "" && !((b, $4) in via_seen)) {
			via_seen[b, $4] = 1
			via[b] = via[b] == "" ? $4 : via[b] ", " $4
		}
	}
	END {
		for (i = 1; i <= n; i++) {
			b = order[i]; line = ""
			if (count[b, "ran"]) line = "ran in " pkgs(count[b, "ran"]) (via[b] == "" ? "" : " (" via[b] ")")
			if (count[b, "failed"]) line = add(line, "FAILED (AUTH_TEST_REQUIRE_ALL=1) in " pkgs(count[b, "failed"]) ": " reason[b, "failed"])
			if (count[b, "skipped"]) line = add(line, "SKIPPED in " pkgs(count[b, "skipped"]) ": " reason[b, "skipped"])
			printf "backend %-9s %s\n", b ":", line
		}
	}
	function add(line, part) { return line == "" ? part : line "; " part }
	function pkgs(k) { return k (k == 1 ? " package" : " packages") }
'
