#!/bin/sh
# The fake git remote (tests/lib/fakegitremote.py) is itself right, driven
# with the git client and curl (no tend here): the push tests of tend fix
# and tend tasks rely on it being as strict as a forge.
#   - no or bad credentials: 401 with a Basic challenge, before any git;
#     a --user-token only for its user; a read-only token fetches but gets
#     403 on receive-pack;
#   - real pushes move real refs, in a bare repository and in a work
#     tree's .git (its checked-out branch refused, as git refuses it);
#   - non-fast-forward pushes are accepted unless --deny-non-ff, so a
#     client that forces is seen forcing;
#   - --move-after-ls moves the ref after the advertisement: the client's
#     push is refused by the server's compare-and-swap, the other commit
#     stays;
#   - only the smart routes of known repositories exist; the log records
#     every request with its status and user.
. "$TEND_TESTS/integration/lib.sh"
lib=$TEND_TESTS/lib
command -v curl >/dev/null 2>&1 || fail "curl is needed"
pyexe=$(python3 -c 'import sys; print(sys.executable)') ||
	fail "python3 is needed"
export GIT_TERMINAL_PROMPT=0

# root/o/r.git (bare): main and feature at "one", other at "other" (a
# sibling). w: a work tree with main checked out and a branch feat.
new_repo src
(
	cd src && git checkout -q -b other && echo o >o && git add o &&
	git commit -qm other && git checkout -q main &&
	git init -q --bare ../root/o/r.git &&
	git push -q ../root/o/r.git main:main main:feature other:other &&
	git clone -q . ../w && git -C ../w branch -q feat
) || fail "cannot build the repositories"
one=$(git -C src rev-parse main)
other=$(git -C src rev-parse other)

pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done' EXIT

# start NAME ARGS...: a fake remote; base URL in $base.
start() {
	name=$1
	shift
	rm -f "$name.port"
	"$pyexe" "$lib/fakegitremote.py" --root root --repo /o/w.git=w \
		--token T --user-token alice:AT --readonly-token RO \
		--log "$name.log" --port-file "$name.port" --timeout 120 \
		--watch-parent "$@" >/dev/null 2>"$name.err" &
	pids="$pids $!"
	n=0
	while [ ! -s "$name.port" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || { cat "$name.err" >&2; fail "$name did not start"; }
		sleep 0.1
	done
	port=$(cat "$name.port")
	base="http://127.0.0.1:$port"
}

# log_has NAME PYTHON-EXPR: some log entry e satisfies the expression.
log_has() {
	"$pyexe" -c 'import json, sys
log = json.load(open(sys.argv[1]))
sys.exit(0 if any(eval(sys.argv[2], {"e": e}) for e in log) else 1)' \
		"$1.log" "$2"
}

start a

# No credentials: 401 with a Basic challenge; the git client gives up.
curl -s -i "$base/o/r.git/info/refs?service=git-upload-pack" >h.txt
contains "$(cat h.txt)" "HTTP/1.1 401"
contains "$(cat h.txt)" 'WWW-Authenticate: Basic realm="git"'
expect_rc 128 git ls-remote "$base/o/r.git"
expect_rc 128 git ls-remote "http://x:wrong@127.0.0.1:$port/o/r.git"
expect_rc 128 git ls-remote "http://bob:AT@127.0.0.1:$port/o/r.git"
expect_rc 0 git ls-remote "http://alice:AT@127.0.0.1:$port/o/r.git"
contains "$out" "$one	refs/heads/feature"
expect_rc 0 git ls-remote "http://any:T@127.0.0.1:$port/o/r.git"
log_has a 'e["status"] == 200 and e["user"] == "alice"' ||
	fail "the log does not name the user"

# Only the smart routes of known repositories.
for p in /o/r.git/HEAD /o/r.git/objects/info/packs /o/nope.git/info/refs \
	/o/../o/r.git/info/refs /r.git/info/refs; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is -u x:T \
		"$base$p?service=git-upload-pack")
	[ "$code" = 404 ] || fail "$p answered $code, want 404"
done

# A read-only token fetches, and may not push.
expect_rc 0 git clone -q "http://x:RO@127.0.0.1:$port/o/r.git" ro
(cd ro && echo more >>README && git commit -qam more) || fail "commit"
expect_rc 128 git -C ro push -q origin HEAD:feature
contains "$err" "403"
log_has a 'e["path"].endswith("/info/refs") and "receive-pack" in e["query"] and e["status"] == 403' ||
	fail "no 403 on receive-pack"
[ "$(git -C root/o/r.git rev-parse feature)" = "$one" ] ||
	fail "the read-only push moved feature"

# A real push moves the real ref.
expect_rc 0 git -C ro push -q "http://x:T@127.0.0.1:$port/o/r.git" \
	HEAD:feature
[ "$(git -C root/o/r.git rev-parse feature)" = "$(git -C ro rev-parse HEAD)" ] ||
	fail "the push did not move feature"

# A work tree's .git: another branch takes a push, the checked-out one not.
expect_rc 0 git -C ro push -q "http://x:T@127.0.0.1:$port/o/w.git" HEAD:feat
[ "$(git -C w rev-parse feat)" = "$(git -C ro rev-parse HEAD)" ] ||
	fail "the push did not move the work tree's feat"
expect_rc 1 git -C ro push -q "http://x:T@127.0.0.1:$port/o/w.git" HEAD:main
[ "$(git -C w rev-parse main)" = "$one" ] || fail "main moved"

# A forced push is accepted (as on an unprotected branch), so a client
# that forces is seen doing it ...
expect_rc 0 git -C ro push -q -f "http://x:T@127.0.0.1:$port/o/r.git" \
	"$other:refs/heads/feature"
[ "$(git -C root/o/r.git rev-parse feature)" = "$other" ] ||
	fail "the forced push did not land"
# ... unless --deny-non-ff.
start b --deny-non-ff
expect_rc 1 git -C ro push -q -f "http://x:T@127.0.0.1:$port/o/r.git" \
	HEAD:feature
[ "$(git -C root/o/r.git rev-parse feature)" = "$other" ] ||
	fail "--deny-non-ff let a forced push through"

# The race: the ref moves after the advertisement; the push that follows
# carries the old value and the server refuses it; the other commit stays.
git --git-dir=root/o/r.git update-ref refs/heads/feature "$one" ||
	fail "cannot reset feature"
start c --move-after-ls "refs/heads/feature=$other"
(cd ro && git reset -q --hard "$one" && echo fix >>README &&
	git commit -qam fix) || fail "commit"
expect_rc 1 git -C ro push "http://x:T@127.0.0.1:$port/o/r.git" HEAD:feature
[ "$(git --git-dir=root/o/r.git rev-parse feature)" = "$other" ] ||
	fail "the push after the move landed"
log_has c '"fault" in e and e["status"] == 200' || fail "no fault logged"
log_has c 'e["path"].endswith("/git-receive-pack") and e["method"] == "POST"' ||
	fail "the push was not sent"

# The log over HTTP, no token in any path; /__shutdown stops the server.
curl -s "$base/__log" >log.json
"$pyexe" -c 'import json, sys; log = json.load(open("log.json"))
assert log and all("T" not in e["path"] and "AT" not in e["query"] for e in log)' ||
	fail "the log over HTTP is wrong"
expect_rc 0 curl -s "$base/__shutdown"
n=0
while curl -s -o /dev/null "$base/__log"; do
	n=$((n + 1))
	[ $n -lt 50 ] || fail "/__shutdown did not stop the server"
	sleep 0.1
done
exit 0
