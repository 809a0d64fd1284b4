#!/bin/sh
# agent_review.sh - what the reviewer agent costs tend itself, with a model
# that answers at once (tests/lib/fakemodel.py, OpenAI protocol):
#   (a) the fixed part of every reviewer request (system text + tool
#       schemas), in tokens (bytes / 4), from the request the server got;
#   (b) wall time and peak memory of `tend review --local` of a 20-file
#       change with the reviewer, against the same review with --no-llm
#       in the same script: the difference is the agent's own cost.
#
#   TEND_BIN=build/release/tend sh tests/bench/agent_review.sh [FILES]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${TEND_BIN:-$top/build/release/tend}
files=${1:-20}
key=sk-bench0123456789abcdefghijklmnopqrst
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
trap 'curl -s "http://127.0.0.1:$(cat "$tmp/port" 2>/dev/null)/__shutdown" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cd "$tmp"

git init -q repo
(
	cd repo
	git checkout -q -b main
	mkdir -p src
	i=1
	while [ "$i" -le "$files" ]; do
		seq 1 200 | sed "s/.*/int f${i}_&(int x) { return x + &; }/" >src/f$i.c
		i=$((i + 1))
	done
	git add -A && git commit -qm base
	git checkout -q -b feature
	i=1
	while [ "$i" -le "$files" ]; do
		sed -i "s/return x + 100;/return x * 100;/; s/return x + 150;/return x - 150;/" src/f$i.c
		i=$((i + 1))
	done
	git commit -qam feature
)
cat >script.json <<'EOF2'
{"turns": [{"repeat": true, "tool_calls": [{"name": "submit_review",
  "arguments": {"summary": "fine", "comments": []}}]}]}
EOF2
python3 "$top/tests/lib/fakemodel.py" --script script.json --log model.json \
	--key "$key" --port-file port --timeout 600 --watch-parent >/dev/null 2>&1 &
i=0
while [ ! -s port ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat port)

cd repo
OPENAI_API_KEY=$key OPENAI_BASE_URL=http://127.0.0.1:$port/v1 \
	"$bin" review --local --base main -q >/dev/null || [ $? -eq 1 ]
python3 - <<'EOP'
import json
req = json.loads(json.load(open("../model.json"))[0]["body"])
system = "".join(m["content"] for m in req["messages"] if m["role"] == "system")
tools = json.dumps(req.get("tools", []), separators=(",", ":"))
fixed = len(system.encode()) + len(tools.encode())
print("(a) fixed part of each reviewer request: %d bytes = %d tokens "
      "(bytes/4; target <= 2000)" % (fixed, (fixed + 3) // 4))
EOP
echo "(b) $files-file review with an instant model vs the same review with --no-llm:"
python3 "$here/measure.py" 7 "with-reviewer" \
	"OPENAI_API_KEY=$key OPENAI_BASE_URL=http://127.0.0.1:$port/v1 $bin review --local --base main -q" \
	"no-llm" "$bin review --local --base main --no-llm -q"
