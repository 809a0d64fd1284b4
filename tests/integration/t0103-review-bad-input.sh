#!/bin/sh
# Bad input: a clear error that says what and where, exit 2, and no partial
# output file.
. "$TEND_TESTS/integration/lib.sh"

mkdir plain
expect_rc 2 "$TEND_BIN" review --local -C plain --output report.txt
contains "$err" "not a git repository"
# -C: the error names the directory, not '.'.
contains "$err" "'$(cd plain && pwd -P)'"
[ ! -e plain/report.txt ] || fail "partial output left behind"

new_repo r
cd r
expect_rc 2 "$TEND_BIN" review --local --base no-such-branch --output ../r1.json
contains "$err" "unknown revision 'no-such-branch'"
[ ! -e ../r1.json ] || fail "partial output left behind"

expect_rc 2 "$TEND_BIN" review --local --head 'nope~3'
contains "$err" "unknown revision 'nope~3'"

# A malformed config names file, line and column.
printf 'review:\n  filter: added\n  fliter: x\n' > .tend.yml
expect_rc 2 "$TEND_BIN" review --local
contains "$err" ".tend.yml:3:3:"
contains "$err" "fliter"

printf 'review: [unclosed\n' > .tend.yml
expect_rc 2 "$TEND_BIN" review --local
contains "$err" ".tend.yml:"

# An unreadable config: a directory where the file should be.
rm .tend.yml && mkdir .tend.yml
expect_rc 2 "$TEND_BIN" review --local
contains "$err" ".tend.yml"
rmdir .tend.yml

# An explicit --config that does not exist.
expect_rc 2 "$TEND_BIN" review --local --config missing.yml
contains "$err" "missing.yml"

# Bad option values.
expect_rc 2 "$TEND_BIN" review --local --format yaml
contains "$err" "unknown --format 'yaml'"
expect_rc 2 "$TEND_BIN" review --local --fail-level severe
expect_rc 2 "$TEND_BIN" review --local --filter lines
expect_rc 2 "$TEND_BIN" review --local --no-such-option
contains "$err" "unknown option '--no-such-option'"
expect_rc 2 "$TEND_BIN" review --local stray-arg

# Unrelated histories.
git checkout -q --orphan lonely && git rm -qrf . && echo x > x && git add x &&
	git commit -qm lonely
expect_rc 2 "$TEND_BIN" review --local --base main
contains "$err" "no common ancestor"

# Help for every command, with exit 0 for the built ones.
for cmd in review version; do
	expect_rc 0 "$TEND_BIN" $cmd --help
	contains "$out" "usage: tend $cmd"
done
