#!/bin/sh
# fix.sh - what `tend fix` costs tend itself, with a model that answers at
# once (tests/lib/fakemodel.py, OpenAI protocol): a small C project whose
# one failing test the model fixes with one edit_file call.
#
# `tend fix --local --dry-run` runs everything a real fix run does (the
# tests before, the agent, the gate: protected paths, the commit object,
# the diff, the static checks on it, the tests again) and then puts the
# work tree back, so it can be repeated. The reference, in the same
# script, is the plain test command run twice (before and after) with no
# sandbox, no model and no git. The difference is tend's own cost:
# target under 200 ms and 50 MB. The split (tests, agent, git) is tend's
# own account from --format json.
#
#   TEND_BIN=build/release/tend sh tests/bench/fix.sh [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${TEND_BIN:-$top/build/release/tend}
runs=${1:-7}
key=sk-benchfix0123456789abcdefghijklmn
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
trap 'curl -s "http://127.0.0.1:$(cat "$tmp/port" 2>/dev/null)/__shutdown" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cd "$tmp"

git init -q repo
(
	cd repo
	git checkout -q -b main
	mkdir -p src tests
	i=1
	while [ "$i" -le 20 ]; do
		seq 1 50 | sed "s/.*/int f${i}_&(int x) { return x + &; }/" >src/f$i.c
		i=$((i + 1))
	done
	printf 'int add(int a, int b)\n{\n\treturn a - b;\n}\n' >src/add.c
	cat >tests/t.c <<'EOF'
#include <stdio.h>
int add(int, int);
int main(void)
{
	printf("1..1\n");
	if (add(2, 3) == 5) { printf("ok 1 - add\n"); return 0; }
	printf("not ok 1 - add\n");
	return 1;
}
EOF
	printf 'test:\n\tcc -O0 -o t src/*.c tests/t.c && ./t\n' >Makefile
	printf 't\n' >.gitignore
	git add -A && git commit -qm "add, broken"
)
cat >script.json <<'EOF2'
{"turns": [
 {"repeat": true, "tool_calls": [
  {"name": "edit_file", "arguments": {"path": "src/add.c", "old": "return a - b;", "new": "return a + b;"}},
  {"name": "finish", "arguments": {"status": "fixed", "summary": "add() subtracted. It adds now."}}]}
]}
EOF2
python3 "$top/tests/lib/fakemodel.py" --script script.json --log model.json \
	--key "$key" --port-file port --timeout 600 --watch-parent >/dev/null 2>&1 &
i=0
while [ ! -s port ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat port)

cd repo
env="OPENAI_API_KEY=$key OPENAI_BASE_URL=http://127.0.0.1:$port/v1 TEND_MODEL=openai/gpt-4.1-mini"
eval "$env \"$bin\" fix --local --dry-run --format json" >../split.json
python3 - <<'EOP'
import json
d = json.load(open("../split.json"))
assert d["status"].startswith("fixed"), d["status"]
ms = d["ms"]
print("one run, tend's own account: tests %d ms (two runs), agent %d ms, "
      "git and the rest %d ms, total %d ms"
      % (ms["tests"], ms["agent"], ms["total"] - ms["tests"] - ms["agent"],
         ms["total"]))
EOP
python3 "$here/measure.py" "$runs" \
	"tend-fix" "$env $bin fix --local --dry-run -q" \
	"tests-twice" "make -s test >/dev/null 2>&1; sed -i 's/a - b/a + b/' src/add.c; make -s test >/dev/null; git checkout -q src/add.c"
