#!/bin/sh
# tasks.sh - what `tend tasks` costs tend itself, and how many forge
# requests a scheduled run makes, with a model that answers at once
# (tests/lib/fakemodel.py), the strict fake GitHub (tests/lib/fakegithub.py)
# and a real git remote (tests/lib/fakegitremote.py, git http-backend).
#
# 1. One task, end to end: a labelled issue on a small C project; the
#    architect plans with one finish, the code agent makes one edit_file
#    and finishes. `tend tasks --issue N` claims it, plans, makes the work
#    tree, runs the tests before, runs the agent, gates the change (the
#    tests again), commits, pushes tend/issue-N to the git remote, opens
#    the draft PR and writes the tracking comment. Every run takes a fresh
#    issue (RUNS + 2 identical ones: one for the forge counts, one to warm
#    the cache, RUNS measured), so each one sees what the first sees: no
#    branch, no PR, no claim. The reference, in the same script, is the
#    project's test command run twice (before and after) and a plain
#    `git push` of one commit to the same remote: the difference is
#    tend's own cost. Target: under 500 ms more than the reference, peak
#    under 60 MB (the peak is that of the whole process tree, the compiler
#    included, as measure.py counts it). The fakes run with Nagle's
#    algorithm off and keep their request log in memory (/__log), so that
#    their own delays are not counted as tend's.
# 2. Forge requests of a scheduled run with 50 open issues labelled tend
#    (all by a writer), of which tasks.max_per_run (3) are taken: counted
#    from the fake's request log (GET = read, anything else = write,
#    /__ paths left out) against the budget stated below; a second run on
#    the same state takes the next three (max_per_run is per run) and is
#    held to the same budget; a third run, once every issue carries
#    tend:done, must write nothing. The script exits non-zero when a
#    budget is exceeded.
#
#   TEND_BIN=build/release/tend sh tests/bench/tasks.sh [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${TEND_BIN:-$top/build/release/tend}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
runs=${1:-5}
tok=ghs_benchtasks0123456789abcdefABCDEF0123
key=sk-benchtasks0123456789abcdefghijklmn
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null || :; done; rm -rf "$tmp"' EXIT
cd "$tmp"

# ---- the project: a small C project with tests (as in t0720) ----
git init -q src
(
	cd src
	git checkout -q -b main
	cat >calc.c <<'EOF'
int add(int a, int b)
{
	return a + b;
}

int mul(int a, int b)
{
	return a * b;
}
EOF
	mkdir -p tests
	cat >tests/test_calc.c <<'EOF'
#include <stdio.h>
int add(int, int);
int mul(int, int);
int main(void)
{
	int bad = 0;
	if (add(2, 3) == 5) printf("ok 1 - add\n");
	else { printf("not ok 1 - add\n"); bad = 1; }
	if (mul(2, 3) == 6) printf("ok 2 - mul\n");
	else { printf("not ok 2 - mul\n"); bad = 1; }
	return bad;
}
EOF
	printf 'test:\n\tcc -o t calc.c tests/test_calc.c && ./t\n' >Makefile
	printf 't\n' >.gitignore
	cat >.tend.yml <<'EOF'
models:
  prices:
    openai/gpt-4.1-mini: { input: 0.4, output: 1.6 }
EOF
	git add -A && git commit -qm base
)
git clone -q --bare src one.git
git clone -q --bare src big.git

issues() {	# issues N: N open issues labelled tend by alice
	python3 - "$1" <<'EOF'
import json, sys
print(json.dumps([{
    "number": n, "title": "Add sub() (%d)" % n,
    "body": "We need sub(a, b) returning a - b.", "user": "alice",
    "labels": ["tend"], "state": "open",
    "created_at": "2026-01-01T%02d:%02d:00Z" % (n // 60, n % 60),
    "events": [{"event": "labeled", "label": "tend", "actor": "alice"}],
    "comments": []} for n in range(1, int(sys.argv[1]) + 1)], indent=1))
EOF
}
script() {	# script TASKS: the model's turns for TASKS tasks
	python3 - "$1" <<'EOF'
import json, sys
plan = {"name": "finish", "arguments": {"status": "done", "summary":
        "Add sub().\n1. Add int sub(int a, int b) returning a - b to calc.c."}}
edit = {"name": "edit_file", "arguments": {"path": "calc.c",
        "old": "int mul(int a, int b)",
        "new": "int sub(int a, int b)\n{\n\treturn a - b;\n}\n\n"
               "int mul(int a, int b)"}}
done = {"name": "finish", "arguments": {"status": "done",
        "summary": "Added sub(a, b) to calc.c."}}
print(json.dumps({"turns": [{"tool_calls": c}
                            for _ in range(int(sys.argv[1]))
                            for c in ([plan], [edit, done])]}))
EOF
}
# The fakes answer a request in two writes (headers, body); with Nagle's
# algorithm on, a kept-alive connection then waits for the client's
# delayed ACK, about 40 ms per GET, which neither tend nor GitHub costs.
# Turn it off (as fakemodel.py does) without touching the fakes.
nodelay='import runpy, socketserver, sys
socketserver.StreamRequestHandler.disable_nagle_algorithm = True
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")'
start_bg() {	# start_bg NAME CMD...: a loopback server writing its port
	name=$1
	shift
	"$@" --port-file "$name.port" --timeout 600 --watch-parent \
		>/dev/null 2>"$name.err" &
	pids="$pids $!"
	i=0
	while [ ! -s "$name.port" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$name.port" ] || { cat "$name.err" >&2; exit 1; }
}
issues $((runs + 2)) >one.json
issues 50 >big.json
script $((runs + 2)) >model1.json
script 6 >model2.json
lib=$top/tests/lib
start_bg git python3 -c "$nodelay" "$lib/fakegitremote.py" \
	--repo "/o/one.git=$tmp/one.git" \
	--repo "/o/big.git=$tmp/big.git" --token "$tok"
start_bg gh1 python3 -c "$nodelay" "$lib/fakegithub.py" --repo one.git \
	--owner o --name one --issues one.json --permission alice=admin \
	--token "$tok"
start_bg gh2 python3 -c "$nodelay" "$lib/fakegithub.py" --repo big.git \
	--owner o --name big --issues big.json --permission alice=admin \
	--token "$tok"
start_bg model1 python3 "$lib/fakemodel.py" --script model1.json --key "$key"
start_bg model2 python3 "$lib/fakemodel.py" --script model2.json --key "$key"
git_port=$(cat git.port)
git clone -q one.git work
git clone -q big.git work2

tasks_sh() {	# tasks_sh NAME GH MODEL REPO DIR ISSUE-ARGS: a run script
	cat >"$1" <<EOF
cd "$tmp/$5" && env GITHUB_ACTIONS=true \\
	GITHUB_API_URL=http://127.0.0.1:$(cat "$2.port") \\
	GITHUB_SERVER_URL=http://127.0.0.1:$git_port \\
	GITHUB_REPOSITORY=o/$4 GITHUB_EVENT_NAME=schedule \\
	GITHUB_REF=refs/heads/main GITHUB_TOKEN=$tok \\
	GITHUB_RUN_ID=\${RUN:-700} OPENAI_API_KEY=$key \\
	OPENAI_BASE_URL=http://127.0.0.1:$(cat "$3.port")/v1 \\
	TEND_MODEL=openai/gpt-4.1-mini "$bin" tasks $6
EOF
}
# Each run of one.sh takes the next fresh issue.
echo 1 >next
tasks_sh one-issue.sh gh1 model1 one work '--issue "$n" "$@"'
cat >one.sh <<EOF
n=\$(cat "$tmp/next"); echo \$((n + 1)) >"$tmp/next"
. "$tmp/one-issue.sh"
EOF
# The reference: the tests twice (before and after the change), one commit
# and a plain push of it to the same remote, with the same token.
git clone -q one.git ref
git -C ref config user.name bench
git -C ref config user.email bench@tend.invalid
auth=$(printf 'x-access-token:%s' "$tok" | base64 | tr -d '\n')
cat >ref.sh <<EOF
cd "$tmp/ref" && make -s test >/dev/null 2>&1 &&
	printf '/* one more */\n' >>calc.c && make -s test >/dev/null 2>&1 &&
	git commit -qam change &&
	git -c http.extraHeader="Authorization: Basic $auth" push -q \\
		http://127.0.0.1:$git_port/o/one.git HEAD:refs/heads/bench-ref
EOF

counts() {	# counts LOG SINCE: reads writes last-seq
	curl -s "http://127.0.0.1:$(cat "$1.port")/__log" | python3 -c '
import json, sys
since = int(sys.argv[1])
log = [r for r in json.load(sys.stdin)
       if r["seq"] > since and not r["path"].startswith("/__")]
reads = len([r for r in log if r["method"] == "GET"])
print(reads, len(log) - reads, max([r["seq"] for r in log] or [since]))' "$2"
}
kinds() {	# kinds LOG SINCE UNTIL: method and path pattern counts
	curl -s "http://127.0.0.1:$(cat "$1.port")/__log" | python3 -c '
import collections, json, re, sys
since, until = int(sys.argv[1]), int(sys.argv[2])
num = re.compile(r"(?<=[/=-])[0-9]+(?=[/&]|$)")
c = collections.Counter(
    "%-6s %s" % (r["method"], num.sub("N", r["path"]))
    for r in json.load(sys.stdin)
    if since < r["seq"] <= until and not r["path"].startswith("/__"))
for k, v in sorted(c.items(), key=lambda kv: (kv[0][:6] == "GET   ",
                                              -kv[1], kv[0])):
    print("  %3d  %s" % (v, k))' "$2" "$3"
}

# ---- 1. one task, end to end ----
echo "1. one task (tend tasks --issue N), a model that answers at once"
sh one.sh --format json >split.json 2>split.err ||
	{ cat split.json split.err; exit 1; }
python3 - <<'EOP'
import json
d = json.load(open("split.json"))
t = d["tasks"][0]
assert t["status"] == "done", (t["status"], t.get("why"))
print("first run (issue #%d): %s; forge %d reads, %d writes; tend's "
      "account %d ms" % (t["issue"], t["why"], d["forge"]["reads"],
                         d["forge"]["writes"], d["ms"]))
EOP
set -- $(counts gh1 0)
echo "  the fake's log: $1 reads, $2 writes (budget, as in 2. below:" \
	"<= 3 + 6, <= 9)"
[ "$1" -le 9 ] && [ "$2" -le 9 ] || { echo "over budget" >&2; exit 1; }
python3 "$here/measure.py" "$runs" "tend-tasks" "sh $tmp/one.sh -q" \
	"tests-twice+push" "sh $tmp/ref.sh" >bench.txt ||
	{ cat bench.txt; exit 1; }
cat bench.txt
python3 - <<'EOP'
import re
m = [re.search(r"median +([0-9.]+) ms +peak +([0-9.]+) MB", l)
     for l in open("bench.txt")][:2]
(t, p), (rt, rp) = [(float(x.group(1)), float(x.group(2))) for x in m]
print("tend's own cost: %+.0f ms over the reference (target < 500 ms: %s), "
      "peak %.1f MB (target < 60 MB: %s)"
      % (t - rt, "met" if t - rt < 500 else "NOT met", p,
         "met" if p < 60 else "NOT met"))
EOP
# Every measured run must have done its task: a branch and a PR each.
last=$(($(cat next) - 1))
i=1
while [ $i -le "$last" ]; do
	git -C one.git rev-parse -q --verify "refs/heads/tend/issue-$i" \
		>/dev/null || { echo "issue $i: no branch" >&2; exit 1; }
	i=$((i + 1))
done
curl -s "http://127.0.0.1:$(cat gh1.port)/__state" | python3 -c '
import json, sys
s = json.load(sys.stdin)
n = int(sys.argv[1])
done = [i["number"] for i in s["issues"] if "tend:done" in i["labels"]]
assert len(done) == n and len(s["pulls"]) == n, (done, len(s["pulls"]))' \
	"$last" || { echo "not every run opened its PR" >&2; exit 1; }

# ---- 2. forge requests of a scheduled run: 50 labelled issues ----
# The budget of a run that takes T issues: reads <= 3 + 6 T, writes <= 9 T
# (measured: 3 + 5 T and 8 T).
# Reads, once a run: the list of labelled issues (one page of 100; the
# issues not taken cost nothing), GET /user (who tend posts as; an Actions
# token is answered 403), 1 spare. Per taken issue: its label events (who
# applied the label); that user's permission (asked once a run per user,
# so at most one an issue); the PR of branch tend/issue-N (one PR an issue,
# ever); its comments twice (the brief, which also shows the live claims
# before claiming; the claims after, to settle a race); the issue again
# before the push (closed or relabelled meanwhile?); 1 spare.
# Writes per taken issue: the claim comment; the label tend:working; the
# claim edited into the tracking comment with the plan, then the final
# one; the PR; the review request of the labeller; the label tend:done;
# the removal of tend:working; 1 spare (one more tracking edit).
echo "2. forge requests of one scheduled run: 50 labelled issues, 3 taken"
tasks_sh big.sh gh2 model2 big work2 '"$@"'
RUN=801 sh big.sh >big1.out 2>big1.err || { cat big1.out big1.err; exit 1; }
set -- $(counts gh2 0)
r1=$1 w1=$2 s1=$3
kinds gh2 0 "$s1" >kinds1.txt
RUN=802 sh big.sh >big2.out 2>big2.err || { cat big2.out big2.err; exit 1; }
set -- $(counts gh2 "$s1")
r2=$1 w2=$2 s2=$3
# Every issue done now (#7 to #50 marked as earlier runs would have).
python3 - "$(cat gh2.port)" <<'EOP'
import json, sys, urllib.request
for n in range(7, 51):
    urllib.request.urlopen(urllib.request.Request(
        "http://127.0.0.1:%s/__control/label" % sys.argv[1], method="POST",
        data=json.dumps({"issue": n, "label": "tend:done",
                         "user": "alice"}).encode())).read()
EOP
RUN=803 sh big.sh >big3.out 2>big3.err || { cat big3.out big3.err; exit 1; }
set -- $(counts gh2 "$s2")
r3=$1 w3=$2
curl -s "http://127.0.0.1:$(cat gh2.port)/__state" | python3 -c '
import json, sys
s = json.load(sys.stdin)
ours = sorted(i["number"] for i in s["issues"]
              if any("tend:task -->" in c["body"] for c in i["comments"]))
assert ours == list(range(1, 7)), ours
assert all("tend:done" in i["labels"] for i in s["issues"]), "not done"
heads = sorted(p["head"] for p in s["pulls"] if p["draft"])
assert len(heads) == 6 == len(s["pulls"]), heads' ||
	{ echo "the runs did not take issues 1 to 6, one PR each" >&2; exit 1; }
grep -q "50 labelled issues, 3 taken" big1.out ||
	{ cat big1.out; echo "run 1 did not take 3 of 50" >&2; exit 1; }
grep -q "50 labelled issues, 0 taken" big3.out ||
	{ cat big3.out; echo "run 3 took something" >&2; exit 1; }
budget_r=$((3 + 6 * 3)) budget_w=$((9 * 3))
echo "run 1 (takes #1-#3): $r1 reads (budget <= $budget_r), $w1 writes" \
	"(budget <= $budget_w); per taken issue $(((r1 - 3) / 3)) reads" \
	"(+ 3 a run), $((w1 / 3)) writes"
cat kinds1.txt
echo "run 2, same state (takes the next three, #4-#6): $r2 reads," \
	"$w2 writes (same budget)"
echo "run 3, every issue tend:done: $r3 reads (budget <= 1), $w3 writes" \
	"(budget 0)"
[ "$r1" -le $budget_r ] && [ "$w1" -le $budget_w ] &&
	[ "$r2" -le $budget_r ] && [ "$w2" -le $budget_w ] &&
	[ "$r3" -le 1 ] && [ "$w3" -eq 0 ] ||
	{ echo "over budget" >&2; exit 1; }
