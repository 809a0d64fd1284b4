#!/bin/sh
# With bubblewrap unavailable a job that needs the sandbox stops with exit 4
# and says what to do; it never runs the tests unsandboxed by itself. Only
# sandbox.mode none does that, with a warning on every run.
. "$TEND_TESTS/integration/lib.sh"

export GITHUB_TOKEN=canary-gh-unavail-9f8e7d6c
new_repo r
cd r
printf 'test:\n\techo ran >ran.txt\n' >Makefile

TEND_BWRAP=/nonexistent/bwrap expect_rc 4 "$TEND_BIN" test
contains "$err" "the sandbox is unavailable"
contains "$err" "apt-get install bubblewrap"
contains "$err" "TEND_SANDBOX_MODE=none"
[ -e ran.txt ] && fail "ran without the sandbox"
TEND_BWRAP=/nonexistent/bwrap expect_rc 4 "$TEND_BIN" test --format json
[ -e ran.txt ] && fail "ran without the sandbox"

# No bwrap in PATH at all.
PATH=/nonexistent "$TEND_BIN" test >stdout.txt 2>stderr.txt
[ $? -eq 4 ] || fail "no bwrap in PATH: want exit 4"
contains "$(cat stderr.txt)" "not found in PATH"
[ -e ran.txt ] && fail "ran without the sandbox"

# A bwrap that cannot set up namespaces (as on a locked-down host).
cat >../fake-bwrap <<'EOF'
#!/bin/sh
echo "bwrap: setting up uid map: Permission denied" >&2
exit 1
EOF
chmod +x ../fake-bwrap
TEND_BWRAP=$PWD/../fake-bwrap expect_rc 4 "$TEND_BIN" test
contains "$err" "cannot create user namespaces"
contains "$err" "sysctl"
[ -e ran.txt ] && fail "ran without the sandbox"

# Finding 3 of the security review: the repository's own config cannot
# turn the sandbox off (a pull request would run its tests next to the
# token). The run stops before anything runs.
cat >.tend.yml <<'EOF'
sandbox:
  mode: none
  test: "env > env.txt; echo ran > ran.txt"
EOF
expect_rc 2 "$TEND_BIN" test
contains "$err" "'sandbox.mode: none' is not accepted from a file"
contains "$err" "TEND_SANDBOX_MODE=none"
[ -e ran.txt ] && fail "a file turned the sandbox off"
TEND_BWRAP=/nonexistent/bwrap expect_rc 2 "$TEND_BIN" test
[ -e ran.txt ] && fail "a file turned the sandbox off"

# TEND_SANDBOX_MODE=none, the job's own choice: runs, warns, and still
# passes no secrets.
cat >.tend.yml <<'EOF'
sandbox:
  test: "env > env.txt; echo ran > ran.txt"
EOF
export TEND_SANDBOX_MODE=none
TEND_BWRAP=/nonexistent/bwrap expect_rc 0 "$TEND_BIN" test
contains "$err" "warning"
contains "$err" "UNSANDBOXED"
contains "$out" "UNSANDBOXED"
[ -e ran.txt ] || fail "mode none did not run the tests"
grep -q canary env.txt && fail "mode none passed the environment"
grep -q '^HOME=/home/sandbox' env.txt && fail "HOME should be a temp dir"
TEND_BWRAP=/nonexistent/bwrap expect_rc 0 "$TEND_BIN" test --format json -q
contains "$err" "UNSANDBOXED"
contains "$out" '"sandbox": "none"'
