#!/usr/bin/env bash
# spectral.sh — lint adapters/http/openapi.json with Spectral, the OpenAPI ruleset
# (spectral:oas) and OWASP's API security ruleset, as configured in
# adapters/http/spectral.yaml.
#
# Usage: deploy/spectral.sh [spectral lint options...]
#
# The pinned npm packages are installed once into a cache directory; the script
# never prompts, so CI can call it. It exits non-zero when a finding of error
# severity remains (Spectral's --fail-severity=error).
#
# Environment:
#   SPECTRAL_DIR   cache directory (default: <repo>/.spectral)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${SPECTRAL_DIR:-$repo/.spectral}

# Pinned versions: a new ruleset release can add findings, so it is taken on purpose.
cli_version=6.16.3
owasp_version=2.0.1

log() { echo "spectral: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

bin=$dir/node_modules/.bin/spectral
want="@stoplight/spectral-cli@$cli_version @stoplight/spectral-owasp-ruleset@$owasp_version"
if [[ ! -x $bin || $(cat "$dir/.installed" 2>/dev/null) != "$want" ]]; then
	command -v npm >/dev/null || die "npm is required to install Spectral"
	mkdir -p "$dir"
	log "installing $want into $dir"
	# shellcheck disable=SC2086 # $want is two package specs
	npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --no-save $want >&2 ||
		die "npm install failed"
	echo "$want" >"$dir/.installed"
fi

cd "$repo"
# The ruleset extends @stoplight/spectral-owasp-ruleset, which Spectral resolves
# from node_modules next to the working directory or on NODE_PATH.
NODE_PATH=$dir/node_modules exec "$bin" lint --ruleset adapters/http/spectral.yaml \
	--fail-severity=error "$@" adapters/http/openapi.json
