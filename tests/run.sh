#!/bin/sh
# run.sh - the whole suite: unit tests, then integration tests, then one
# closing line that adds both up. Called by `make test` and `make asan`.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TEND_BUILD:-build/release}
cd "$top" || exit 2

out=$(mktemp)
trap 'rm -f "$out"' EXIT
TEND_SRCDIR=$top "$build/unit" | tee "$out"
unit_rc=$?
up=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out" | tail -1)
uf=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out" | tail -1)

TEND_BIN=$top/$build/tend sh tests/integration/run.sh | tee "$out"
int_rc=$?
ip=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out" | tail -1)
if_=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out" | tail -1)

p=$(( ${up:-0} + ${ip:-0} ))
f=$(( ${uf:-0} + ${if_:-0} ))
[ -n "$up" ] || f=$((f + 1))
[ -n "$ip" ] || f=$((f + 1))
[ $unit_rc -eq 0 ] && [ $int_rc -eq 0 ] || [ $f -gt 0 ] || f=1
echo "$p passed, $f failed"
[ $f -eq 0 ]
