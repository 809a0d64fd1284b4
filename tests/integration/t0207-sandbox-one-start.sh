#!/bin/sh
# tend test pays for one sandbox start, not a probe and then the tests: the
# first start is its own probe. A bwrap on TEND_BWRAP that counts its starts
# and runs the real one shows it. A test that fails is still one start; a
# sandbox that cannot start still stops the job with exit 4 and the remedy,
# before anything ran (fail closed).
. "$TEND_TESTS/integration/lib.sh"

real=$(command -v bwrap) || fail "bwrap is needed for this test"
new_repo r
cd r
starts=$PWD/../starts
printf '#!/bin/sh\necho start >>"%s"\nexec "%s" "$@"\n' "$starts" "$real" \
	>../count-bwrap
chmod +x ../count-bwrap
export TEND_BWRAP="$PWD/../count-bwrap"

# count N WHAT: bwrap was started N times since the last count.
count() {
	n=$(cat "$starts" 2>/dev/null | wc -l)
	rm -f "$starts"
	[ "$n" -eq "$1" ] || fail "bwrap started $n times for $2, want $1"
}

printf 'test:\n\t@echo "1..1"; echo "ok 1 - works"\n' >Makefile
expect_rc 0 "$TEND_BIN" test
count 1 "passing tests"

printf 'test:\n\t@echo "1..1"; echo "not ok 1 - broken"; exit 1\n' >Makefile
expect_rc 1 "$TEND_BIN" test
count 1 "failing tests"

# A setup phase is a second sandbox, not a third start.
printf 'sandbox:\n  setup: "true"\n' >.tend.yml
expect_rc 1 "$TEND_BIN" test
count 2 "a setup phase and the tests"
rm .tend.yml

# Output that reads like bwrap's own complaint puts the start in doubt: the
# probe settles it, and the failure stays the tests' (exit 1, not 4).
printf 'test:\n\t@echo "bwrap: not really"; exit 1\n' >Makefile
expect_rc 1 "$TEND_BIN" test
count 2 "a doubtful failure and its probe"

# A sandbox that cannot start: exit 4, the remedy, and the tests never ran.
printf '#!/bin/sh\necho start >>"%s"\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n' \
	"$starts" >../broken-bwrap
chmod +x ../broken-bwrap
printf 'test:\n\techo ran >ran.txt\n' >Makefile
TEND_BWRAP="$PWD/../broken-bwrap" expect_rc 4 "$TEND_BIN" test
contains "$err" "the sandbox is unavailable"
contains "$err" "cannot create user namespaces"
not_contains "$err" "cannot run the test command"
[ -e ran.txt ] && fail "ran without the sandbox"
count 2 "a failed start and its probe"
exit 0
