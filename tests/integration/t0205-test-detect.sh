#!/bin/sh
# The test command: sandbox.test, or detected from the project's files.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r

expect_rc 2 "$TEND_BIN" test
contains "$err" "no test command"
contains "$err" "sandbox.test"

printf '{"scripts": {"test": "echo \\"Error: no test specified\\" && exit 1"}}\n' >package.json
expect_rc 2 "$TEND_BIN" test
printf '{"scripts": {"test": "node -e \\"console.log(41+1)\\""}}\n' >package.json
expect_rc 0 "$TEND_BIN" test -v
contains "$out" "npm test (detected from package.json)"
contains "$out" "42"

printf 'all:\n\ttrue\ncheck:\n\t@echo checked\n' >Makefile
expect_rc 0 "$TEND_BIN" test -v
contains "$out" "make check (detected from Makefile)"
contains "$out" "checked"
printf 'test :\n\t@echo tested; exit 1\n' >Makefile
expect_rc 1 "$TEND_BIN" test
contains "$out" "make test (detected from Makefile)"
rm Makefile package.json

printf 'module x\n' >go.mod
expect_rc 0 "$TEND_BIN" test --help
TEND_BWRAP=/nonexistent expect_rc 4 "$TEND_BIN" test
rm go.mod
mkdir tests
printf 'def test_x():\n    pass\n' >tests/test_x.py
TEND_SANDBOX_TEST= TEND_BWRAP=/nonexistent expect_rc 4 "$TEND_BIN" test --format json
rm -r tests

# sandbox.test wins over detection; run from a subdirectory.
printf 'test:\n\tfalse\n' >Makefile
printf 'sandbox:\n  test: "echo from-config"\n' >.tend.yml
mkdir -p sub/dir
(cd sub/dir && expect_rc 0 "$TEND_BIN" test -v && contains "$out" "from-config")
expect_rc 0 "$TEND_BIN" test -v sub
contains "$out" "(from sandbox.test)"

# A bad config is a usage error.
printf 'sandbox:\n  bogus: 1\n' >.tend.yml
expect_rc 2 "$TEND_BIN" test
contains "$err" "bogus"
expect_rc 2 "$TEND_BIN" test a b
