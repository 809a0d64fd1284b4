#!/bin/sh
# The checkout lacks the pull request's commits (a single-branch clone):
# tend fetches refs/pull/N/head and the base branch from origin, then
# reviews and publishes as usual. Without an origin that has them, it says
# what to do instead of failing obscurely.
. "$TEND_TESTS/integration/lib.sh"

# Under `make asan`: libgit2 1.5.1's own leak in fetch (libgit2 #6382) is
# suppressed; full stacks so the suppression matches only libgit2's.
LSAN_OPTIONS="suppressions=$TEND_TESTS/lsan-libgit2.supp:fast_unwind_on_malloc=0:print_suppressions=0"
export LSAN_OPTIONS

lib=$TEND_TESTS/lib
tok=ghs_testtoken0123456789abcdefABCDEF0123

git init -q upstream && cd upstream || fail "git init"
git checkout -q -b main
printf 'a\n' >README && git add -A && git commit -qm base
git checkout -q -b feature
printf 'ok\n<<<<<<< HEAD\n' >f.txt && git add -A && git commit -qm feature
git update-ref refs/pull/1/head feature
head=$(git rev-parse HEAD)
base=$(git rev-parse main)
git checkout -q main
cd ..
git clone -q --single-branch --branch main "file://$PWD/upstream" checkout ||
	fail "clone"
git -C checkout cat-file -e "$head" 2>/dev/null && fail "the clone has the head"

rm -f port
python3 "$lib/fakegithub.py" --repo upstream --owner o --name r \
	--pr 1:main:feature --token "$tok" --port-file port --log log.json \
	--timeout 300 --watch-parent >/dev/null 2>server.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat port)

run() {
	want=$1
	(cd checkout && expect_rc "$want" env GITHUB_API_URL="http://127.0.0.1:$port" \
		GITHUB_TOKEN="$tok" "$TEND_BIN" review --no-llm --pr 1 --repo o/r
	cp stdout.txt stderr.txt ..) || exit 1
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
}
run 1
contains "$err" "fetching the pull request's commits from origin"
git -C checkout cat-file -e "$head" || fail "the head was not fetched"
[ "$(curl -s "http://127.0.0.1:$port/__state" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["review_comments"]))')" = 1 ] ||
	fail "the review was not published"
not_contains "$err" "$tok"
# The fetch leaves no origin URL in .git (a CI origin URL may carry the
# job's token): not in FETCH_HEAD, not in a reflog message.
grep -q "upstream" checkout/.git/FETCH_HEAD 2>/dev/null &&
	fail "FETCH_HEAD names the origin URL"
grep -rq "upstream" checkout/.git/logs/refs/tend &&
	fail "the reflog names the origin URL"

# An origin without the pull request's ref: a clear error, exit 2.
git -C upstream update-ref -d refs/pull/1/head
git clone -q --single-branch --branch main "file://$PWD/upstream" checkout2 ||
	fail "clone 2"
(cd checkout2 && expect_rc 2 env GITHUB_API_URL="http://127.0.0.1:$port" \
	GITHUB_TOKEN="$tok" "$TEND_BIN" review --no-llm --pr 1 --repo o/r
	cp stderr.txt ..) || exit 1
contains "$(cat stderr.txt)" "fetch-depth: 0"
