#!/bin/sh
# stats.sh - `tend stats` over PRS pull requests (default 200) with
# COMMENTS review comments of tend's each (default 20) on the fake GitHub
# (tests/lib/fakegithub.py): forge requests, wall time and peak memory,
# read all from the forge (--no-store) and with the trust store.
#
#   TEND_BIN=build/release/tend sh tests/bench/stats.sh [PRS] [COMMENTS]
#
# History: every PR has tend's summary (state marker with cost) and
# COMMENTS inline comments; every 5th comment has a 👎, every 7th a
# reply from alice (write access) saying "false positive", every 3rd PR
# is merged. The reference, measured in the same script, replays the
# GET requests tend made (same paths, same server) from one Python
# loop: the ratio is tend's own cost over the bare HTTP round trips.
# Budget (README): reads <= 2 + ceil(PRS/100) + 4 * PRS (each PR's review
# comments, conversation comments, commits and review threads at <= 100
# a page) + one per person asked about write access; wall time <= 3x the
# replay; peak memory <= 64 MB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${TEND_BIN:-$top/build/release/tend}
prs=${1:-200}
comments=${2:-20}
tok=ghs_benchtoken0123456789abcdefABCDEF0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
trap 'curl -s "http://127.0.0.1:$(cat "$tmp/port" 2>/dev/null)/__shutdown" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cd "$tmp"

git init -q repo
(
	cd repo
	git checkout -q -b main
	printf 'a\n' >README
	git add -A && git commit -qm base
	i=1
	while [ "$i" -le "$prs" ]; do
		git checkout -q -b b$i main
		seq 1 "$comments" | sed "s/.*/line & of change $i/" >f$i.txt
		git add -A && git commit -qm "change $i"
		i=$((i + 1))
	done
	git checkout -q main
)
args=""
i=1
while [ "$i" -le "$prs" ]; do
	args="$args --pr $i:main:b$i"
	i=$((i + 1))
done
# shellcheck disable=SC2086
python3 "$top/tests/lib/fakegithub.py" --repo repo --owner o --name r \
	$args --token "$tok" --permission alice=write --port-file port \
	--rate-limit 1000000 \
	--timeout 1800 --watch-parent >/dev/null 2>server.err &
i=0
while [ ! -s port ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat port)
api="http://127.0.0.1:$port"

echo "populating $prs PRs x $comments comments ..."
python3 - "$api" "$tok" "$prs" "$comments" <<'EOP'
import json, sys, subprocess, urllib.error, urllib.request
api, tok, prs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def call(method, path, data):
    req = urllib.request.Request(api + path, method=method,
                                 data=json.dumps(data).encode(),
                                 headers={"Authorization": "Bearer " + tok, "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "bench"})
    try:
        with urllib.request.urlopen(req) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit("%s %s: %s" % (method, path, e.read().decode()))
for p in range(1, prs + 1):
    head = subprocess.run(["git", "-C", "repo", "rev-parse", "b%d" % p],
                          capture_output=True, text=True).stdout.strip()
    cs = [{"path": "f%d.txt" % p, "line": k, "side": "RIGHT",
           "body": "**Warning** `hygiene/x%d`: something\n\n<!-- tend:fp=%08x%08x rule=hygiene/x%d -->" % (k % 4, p, k, k % 4)}
          for k in range(1, n + 1)]
    call("POST", "/repos/o/r/pulls/%d/reviews" % p,
         {"commit_id": head, "event": "COMMENT", "body": "tend", "comments": cs})
    call("POST", "/repos/o/r/issues/%d/comments" % p,
         {"body": "<!-- tend:summary -->\n### tend review\n<!-- tend:state digest=0123456789abcdef run=r start=1 first=1796119200 cost=0.010000 total=0.010000 -->\n"})
state = json.load(urllib.request.urlopen(api + "/__state"))
ids = [c["id"] for c in state["review_comments"]]
for k, cid in enumerate(ids):
    if k % 5 == 0:
        call("POST", "/__control/reaction", {"comment": cid, "user": "bob", "content": "-1", "review": True})
    if k % 7 == 0:
        call("POST", "/__control/reply", {"in_reply_to": cid, "user": "alice", "body": "false positive here"})
for p in range(3, prs + 1, 3):
    call("POST", "/__control/pull", {"pr": p, "state": "closed", "merged": True})
EOP

export GITHUB_ACTIONS=true GITHUB_EVENT_NAME=schedule GITHUB_API_URL="$api" \
	GITHUB_REPOSITORY=o/r GITHUB_TOKEN="$tok"
cd repo
"$bin" stats --no-store --since 2020-01-01 --format json --max-prs "$prs" >../one.json
python3 - "$prs" <<'EOP'
import json, math, sys
r = json.load(open("../one.json"))
prs = int(sys.argv[1])
budget = 2 + math.ceil(prs / 100) + 4 * prs + 1
print("tend stats: %d PRs, %d comments: %s; forge %d reads (budget %d), %d writes"
      % (r["prs"], sum(r["totals"]["comment"].values()), r["totals"]["comment"],
         r["forge"]["reads"], budget, r["forge"]["writes"]))
if r["forge"]["reads"] > budget or r["forge"]["writes"]:
    sys.exit("over the request budget")
EOP
# The requests tend makes (GETs and the GraphQL query), for the reference.
python3 - "$prs" >../gets.txt <<'EOP'
import sys
prs = int(sys.argv[1])
base = "/repos/o/r/pulls?state=all&sort=updated&direction=desc&per_page=100"
print(base)
for page in range(2, (prs + 99) // 100 + 1):
    print(base + "&page=%d" % page)
print("/user")
print("/repos/o/r/collaborators/alice/permission")
for n in range(prs, 0, -1):
    print("/repos/o/r/pulls/%d/comments?per_page=100" % n)
    print("/repos/o/r/issues/%d/comments?per_page=100" % n)
    print("/repos/o/r/pulls/%d/commits?per_page=100" % n)
    print("graphql:%d" % n)
EOP
cat >../replay.py <<EOP
import json, urllib.request
for path in open("../gets.txt").read().split():
    data = None
    if path.startswith("graphql:"):
        data = json.dumps({"query": "query { reviewThreads }", "variables": {
            "owner": "o", "name": "r", "number": int(path[8:])}}).encode()
        path = "/graphql"
    req = urllib.request.Request("$api" + path, data=data, headers={"Authorization": "Bearer $tok", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "bench"})
    try:
        urllib.request.urlopen(req).read()
    except Exception:
        pass
EOP
"$bin" stats --since 2020-01-01 --format json --max-prs "$prs" >/dev/null
uptime
python3 "$top/tests/bench/measure.py" 3 \
	"stats-no-store" "$bin stats --no-store --since 2020-01-01 --max-prs $prs" \
	"replay-gets" "python3 ../replay.py" \
	"stats-store" "$bin stats --since 2020-01-01 --max-prs $prs"
