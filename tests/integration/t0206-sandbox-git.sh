#!/bin/sh
# The sandbox and the repository's .git: a CI checkout's token in
# .git/config is not readable, a .git the command plants does not survive
# it, and a .git that is a symbolic link is refused.
. "$TEND_TESTS/integration/lib.sh"
top=$PWD
CANARY=Y2FuYXJ5LWNoZWNrb3V0LXRva2VuLTQyNDI=

new_repo r
cd r
# What actions/checkout leaves behind with persist-credentials (the default).
git config http.https://github.com/.extraheader "AUTHORIZATION: basic $CANARY"
TEND_SANDBOX_TEST='cat .git/config; git config --list; git log --oneline >/dev/null && git status --short >/dev/null && echo GIT-WORKS' \
	"$TEND_BIN" test --format json > ../cfg.json 2>../cfg.err
rc=$?
[ $rc -eq 0 ] || { cat ../cfg.err; fail "git in the sandbox failed: $rc"; }
grep -q "$CANARY" ../cfg.json ../cfg.err && fail "the checkout token was readable"
# git works on the blanked config (a device node there would not be readable).
grep -q GIT-WORKS ../cfg.json || { cat ../cfg.json; fail "git does not work in the sandbox"; }
# The host's config is untouched.
git config --get http.https://github.com/.extraheader | grep -q "$CANARY" ||
	fail "the host config changed"
cd "$top"

# A directory that is not a repository: the setup phase plants a .git link
# to a host directory; the test phase must not see through it, and it must
# not be left behind.
mkdir -p plain "$top/hostdir" && echo host-secret-7f3a > "$top/hostdir/secret.txt"
cd plain
TEND_SANDBOX_SETUP="ln -s $top/hostdir .git" \
TEND_SANDBOX_TEST='cat .git/secret.txt 2>&1; ls -la . ; true' \
	"$TEND_BIN" test --format json > ../plant.json 2>../plant.err
grep -q host-secret-7f3a ../plant.json && fail "the planted link exposed a host directory"
[ ! -e .git ] && [ ! -L .git ] || fail "the planted .git was left behind"
grep -q "created" ../plant.err || fail "no warning about the removed .git"

# A .git that already is a symbolic link: refused, nothing runs.
ln -s "$top/hostdir" .git
TEND_SANDBOX_TEST="printf 'R%sN' A" "$TEND_BIN" test > ../ref.out 2>&1
rc=$?
[ $rc -ne 0 ] || fail "a symlinked .git was accepted"
grep -q RAN ../ref.out && fail "the command ran"
grep -q "symbolic link" ../ref.out || { cat ../ref.out; fail "no reason given"; }
rm .git
