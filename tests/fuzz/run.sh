#!/bin/sh
# run.sh - run every fuzz target for a while; called by `make fuzz`.
#
#   sh tests/fuzz/run.sh BUILD_DIR SECONDS
#
# For each executable BUILD_DIR/fuzz_<name>, copies the seeds in
# tests/fuzz/corpus/fuzz_<name>/ into a temporary corpus (libFuzzer writes new
# inputs there, so the checked-in seeds stay as they are) and runs the target
# for SECONDS with leak detection on. Prints "fuzz: <name> ok (N runs)" per
# target, or the end of the log and the crashing input, which is kept under
# BUILD_DIR/fuzz-artifacts/<name>/. Closes with "fuzz: N passed, N failed";
# the exit status is non-zero when anything failed.
set -u

usage() {
	echo "usage: sh tests/fuzz/run.sh BUILD_DIR SECONDS" >&2
	exit 2
}

[ $# -eq 2 ] || usage
build=$1
secs=$2
case $secs in
''|*[!0-9]*) usage ;;
esac
[ -d "$build" ] || { echo "fuzz: no such directory: $build" >&2; exit 2; }

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tend-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# Undefined behaviour must stop the run, not scroll by.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS
# Leaks that are not tend's (tests/fuzz/lsan.supp says which and why).
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/fuzz/lsan.supp}
export LSAN_OPTIONS

# How a failure report starts: sanitizers, libFuzzer, signals.
report='==ERROR|runtime error|ERROR: libFuzzer|deadly signal'

passed=0
failed=0
found=0
for bin in "$build"/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	found=$((found + 1))
	name=$(basename "$bin")
	corpus=$tmp/$name/corpus
	artifacts=$tmp/$name/artifacts
	log=$tmp/$name/log
	mkdir -p "$corpus" "$artifacts"
	if [ -d "$top/tests/fuzz/corpus/$name" ]; then
		cp -R "$top/tests/fuzz/corpus/$name/." "$corpus/"
	fi
	"$bin" -max_total_time="$secs" -detect_leaks=1 -rss_limit_mb=2048 \
		-artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log" | tail -n 1)
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		echo "fuzz: $name ok ($runs runs)"
		passed=$((passed + 1))
		continue
	fi
	failed=$((failed + 1))
	echo "fuzz: $name FAILED (exit status $rc)"
	# The report from its first line (the stack, not the shadow map).
	echo "----"
	if grep -q -E "$report" "$log"; then
		sed -n -E "/$report/,\$p" "$log" |
			grep -v -E '^  0x|^Shadow|^  [A-Z][a-z].*: ' |
			head -n 60
	else
		tail -n 40 "$log"
	fi
	echo "----"
	keep=$build/fuzz-artifacts/$name
	mkdir -p "$keep"
	crashes=0
	for a in "$artifacts"/*; do
		[ -f "$a" ] || continue
		cp "$a" "$keep/"
		crashes=$((crashes + 1))
		echo "fuzz: $name crashing input: $keep/$(basename "$a")"
		echo "fuzz: reproduce with: $bin $keep/$(basename "$a")"
	done
	[ $crashes -gt 0 ] || echo "fuzz: $name left no crashing input"
done

if [ $found -eq 0 ]; then
	echo "fuzz: no fuzz_* targets in $build"
	failed=1
fi
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
