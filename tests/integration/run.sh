#!/bin/sh
# run.sh - runs every tests/integration/t*.sh against the built binary.
#
#   TEND_BIN=/path/to/tend sh tests/integration/run.sh [name-substring]
#
# Each test script runs in its own temp directory with an isolated HOME and
# a scrubbed environment (no tokens, no model keys, no CI variables; only
# the CA-certificate locations and TEND_TEST_CACHE pass through), sources
# lib.sh, and exits non-zero on failure. Closing line:
#   integration: N passed, N failed
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${TEND_BIN:?set TEND_BIN to the tend binary}"
only=${1:-}
# Downloads tests need (npm packages for schema validation) are kept here
# between runs; nothing secret is stored.
cache=${TEND_TEST_CACHE:-$here/../../build/test-cache}
mkdir -p "$cache" && cache=$(cd "$cache" && pwd)
# Where the machine keeps its CA certificates matters to npm and curl; it is
# not a secret, so it passes through the scrubbed environment.
passthrough=""
for v in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR; do
	eval "val=\${$v:-}"
	[ -n "$val" ] && passthrough="$passthrough $v=$val"
done
pass=0
fail=0
failed=""
for t in "$here"/t*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	case $name in *"$only"*) ;; *) continue ;; esac
	dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-it.XXXXXX")
	mkdir -p "$dir/home"
	log="$dir/log"
	if (cd "$dir" && env -i PATH="$PATH" HOME="$dir/home" TMPDIR="$dir" \
		LANG=C.UTF-8 TEND_BIN="$TEND_BIN" TEND_TESTS="$here/.." \
		TEND_TEST_CACHE="$cache" $passthrough \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		GIT_CONFIG_NOSYSTEM=1 \
		sh "$t") >"$log" 2>&1; then
		echo "ok $name"
		pass=$((pass + 1))
		rm -rf "$dir"
	else
		echo "not ok $name"
		sed 's/^/    /' "$log" | tail -40
		fail=$((fail + 1))
		failed="$failed $name"
		rm -rf "$dir"
	fi
done
echo "integration: $pass passed, $fail failed"
[ $fail -eq 0 ]
