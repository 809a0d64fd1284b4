#!/bin/sh
# The agents retrieve from the repository index: `tend ask` with a scripted
# model that calls search, find_symbol and related; the tool results the
# model received (the request log) come from the index:
#   - search with words: ranked results first (the defining function with
#     its best lines), then the regex matches; a regex pattern: regex only;
#   - find_symbol: the definition with its lines, then the references;
#   - related: the definitions a line uses and the callers of what it
#     defines;
#   - a secret in an indexed file reaches the model masked;
#   - the index is kept in the git directory, and a second run reuses it;
#   - with no place for the index, the tools scan the files and related
#     says there is no index.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
key=sk-indextestkey0123456789abcdefghijklm
tok=ghp_k9Qz2Lm4Xv7Bn1Rt8Wy3Hc6Jd5Fp0Ga2Se4U

git init -q r && cd r || fail "git init"
mkdir src
cat >src/parse.c <<'EOF'
#include "parse.h"

/* Read the header line of a request. */
int parse_header(const char *line, struct header *out)
{
	if (!line || !*line)
		return -1;
	out->len = measure_line(line);
	return 0;
}

int measure_line(const char *s)
{
	int n = 0;

	while (s[n] && s[n] != '\n')
		n++;
	return n;
}
EOF
cat >src/main.c <<'EOF'
#include "parse.h"

int serve(const char *req)
{
	struct header h;

	if (parse_header(req, &h) < 0)
		return 400;
	return 200;
}
EOF
printf 'API_TOKEN = "%s"\n\ndef token_header():\n    return API_TOKEN\n' \
	"$tok" >src/settings.py
git add -A && git commit -qm "parser"
cd ..

answer='{"name": "answer", "arguments": {"text": "parse_header reads the header line [1].", "citations": [{"path": "src/parse.c", "line": 4, "quote": "int parse_header(const char *line, struct header *out)"}]}}'
turns() {	# the scripted turns of one question
	cat <<EOF
 {"tool_calls": [{"name": "search", "arguments": {"pattern": "parse header"}}]},
 {"tool_calls": [{"name": "search", "arguments": {"pattern": "parse_header\\\\("}}]},
 {"tool_calls": [{"name": "find_symbol", "arguments": {"name": "parse_header"}}]},
 {"tool_calls": [{"name": "related", "arguments": {"path": "src/main.c", "line": 7}}]},
 {"tool_calls": [{"name": "search", "arguments": {"pattern": "token header"}}]},
 {"tool_calls": [$answer]}
EOF
}
{
	echo '{"turns": ['
	turns
	echo ','
	turns
	echo ','
	turns
	echo ']}'
} >script.json

ask() {	# ask WANT [args]
	want=$1
	shift
	expect_rc "$want" env OPENAI_API_KEY="$key" \
		OPENAI_BASE_URL="http://127.0.0.1:$model_port/v1" \
		TEND_MODEL=openai/gpt-4.1-mini "$TEND_BIN" ask -v -C r "$@"
}

# tool_results N: the tool results the model got, in order, in the last
# request of the Nth question (each question is six requests), one file
# each: result.1 ... result.5
tool_results() {
	python3 - "$1" <<'EOF' || fail "cannot read the model log"
import json, sys
log = json.load(open("model-log.json"))
reqs = [e for e in log if e.get("protocol") == "openai"]
last = json.loads(reqs[int(sys.argv[1]) * 6 - 1]["body"])
results = [m["content"] for m in last["messages"] if m["role"] == "tool"]
assert len(results) == 5, results
for i, r in enumerate(results):
    if isinstance(r, list):
        r = "".join(p.get("text", "") for p in r)
    open("result.%d" % (i + 1), "w").write(r)
EOF
}

start_bg model python3 "$lib/fakemodel.py" --script script.json \
	--log model-log.json --key "$key"
trap 'kill ${model_pid:-} 2>/dev/null' EXIT

# ---- first question: the index is built, the answers come from it ----
ask 0 "how are headers parsed?"
contains "$out" "parse_header reads the header line [1]."
contains "$err" "repository index at"
[ -f r/.git/tend/index.sqlite ] || fail "no index in the git directory"
tool_results 1

# search with words: ranked first, the definition and its best lines (the
# order of the ranking is the engine's, tested with it)
r1=$(cat result.1)
case $r1 in
"[ranked by the index: "*) ;;
*) fail "search did not start with the ranked results: $r1" ;;
esac
contains "$r1" "src/parse.c:3-10 function parse_header
   3| /* Read the header line of a request. */
   4| int parse_header(const char *line, struct header *out)"
contains "$r1" "[regex matches]
no matches"
# a regex: the files only
r2=$(cat result.2)
not_contains "$r2" "ranked"
contains "$r2" "src/main.c:7: 	if (parse_header(req, &h) < 0)"
contains "$r2" "src/parse.c:4: int parse_header("
# find_symbol: the definition's lines, then the references
r3=$(cat result.3)
contains "$r3" "definitions:
src/parse.c:4-10 function parse_header
   4| int parse_header(const char *line, struct header *out)
   5| {
   6| 	if (!line || !*line)"
contains "$r3" "references:
src/main.c:7: if (parse_header(req, &h) < 0)"
# related: what main.c:7 uses, defined elsewhere
r4=$(cat result.4)
contains "$r4" "uses (definitions elsewhere):"
contains "$r4" "src/parse.c:4-10 function parse_header: int parse_header("
# the secret in settings.py reaches the model masked
r5=$(cat result.5)
contains "$r5" "src/settings.py"
not_contains "$(cat model-log.json)" "$tok"

# ---- second question: the index is reused, nothing parsed ----
ask 0 "how are headers parsed?"
contains "$err" "0 parsed, 3 reused"
tool_results 2
[ "$(cat result.3)" = "$r3" ] || fail "find_symbol differs on the second run"

# ---- no place for the index: the tools scan the files ----
rm -rf r/.git/tend && echo x >r/.git/tend
ask 0 "how are headers parsed?"
contains "$err" "the repository index is not available"
tool_results 3
not_contains "$(cat result.1)" "ranked"
contains "$(cat result.3)" "src/parse.c:4
   4| int parse_header(const char *line, struct header *out)"
contains "$(cat result.4)" "no index here: use find_symbol and search instead"
not_contains "$(cat model-log.json)" "$tok"
