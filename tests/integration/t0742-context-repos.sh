#!/bin/sh
# Other repositories as context (context.repos) and embeddings
# (models.embeddings), through `tend index --repo-name NAME`:
#   - data-model lives on the forge's own host (fake remote A, which wants
#     the job's token): fetched with the token, only its `paths` indexed;
#   - shared lives elsewhere (fake remote B, public): fetched with no
#     token at all;
#   - both are mirrored under $XDG_CACHE_HOME/tend/repos/<sha256 of the
#     URL>.git, indexed beside it; a new upstream commit is fetched and
#     only its new blob parsed;
#   - the index embeds its chunks and the query through the fake model's
#     /v1/embeddings (the provider's key, the configured dimensions);
#   - a repository that cannot be fetched: its earlier copy serves, with a
#     warning; one never fetched is an error for --repo-name; an unknown
#     name is a usage error naming the known ones;
#   - `tend ask`: the scripted model's search and find_symbol with
#     `repo:` get their answers from those repositories' indexes;
#   - the token is nowhere in the output or the cache.
. "$TEND_TESTS/integration/lib.sh"
lib=$TEND_TESTS/lib
pyexe=$(python3 -c 'import sys; print(sys.executable)') ||
	fail "python3 is needed"
export GIT_TERMINAL_PROMPT=0
TOKEN=ghs_T0k3nForTheForgeOnly0123456789
KEY=sk-fake-embeddings-key-0123456789

# The upstreams: data-model (Go, docs) and shared (C).
mkdir -p up/data-model up/shared
(
	cd up/data-model && git init -q && mkdir -p src docs &&
	cat >src/model.go <<'EOF' &&
package model

// ParseWidget reads a widget record.
func ParseWidget(line string) (Widget, error) {
	return Widget{Name: line}, nil
}
EOF
	printf 'Zebra crossings are documented here.\n' >docs/notes.md &&
	git add . && git commit -qm one &&
	git init -q --bare ../../a/o/data-model.git &&
	git push -q ../../a/o/data-model.git main:main
) || fail "cannot build data-model"
(
	cd up/shared && git init -q && mkdir lib &&
	cat >lib/frobnicate.c <<'EOF' &&
int frobnicate_gadget(int level)
{
	return level * 2;
}
EOF
	git add . && git commit -qm one &&
	git init -q --bare ../../b/o/shared.git &&
	git push -q ../../b/o/shared.git main:main
) || fail "cannot build shared"

cat >script.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "search", "arguments":
   {"pattern": "ParseWidget widget", "repo": "data-model"}}]},
 {"tool_calls": [{"name": "find_symbol", "arguments":
   {"name": "frobnicate_gadget", "repo": "shared"}}]},
 {"tool_calls": [{"name": "answer", "arguments": {"text": "See [1].",
   "citations": [{"path": "README", "line": 1, "quote": "hello"}]}}]}
]}
EOF
start_bg ga "$pyexe" "$lib/fakegitremote.py" --root a --token "$TOKEN" \
	--log a.log
start_bg gb "$pyexe" "$lib/fakegitremote.py" --root b --token other-T \
	--public --log b.log
start_bg fm "$pyexe" "$lib/fakemodel.py" --script script.json \
	--log model.log --key "$KEY"
trap 'kill $ga_pid $gb_pid $fm_pid 2>/dev/null' EXIT
A=http://127.0.0.1:$ga_port
B=http://127.0.0.1:$gb_port

# log_has NAME PYTHON-EXPR: some entry e of NAME.log satisfies it.
log_has() {
	"$pyexe" -c 'import json, sys
log = json.load(open(sys.argv[1]))
sys.exit(0 if any(eval(sys.argv[2], {"e": e}) for e in log) else 1)' \
		"$1.log" "$2"
}

new_repo main
git -C main remote add origin "$A/o/main.git"
cat >main/.tend.yml <<EOF
context:
  repos:
    - name: data-model
      url: $A/o/data-model.git
      paths: ["src/**"]
    - url: $B/o/shared.git
    - name: gone
      url: http://127.0.0.1:9/o/gone.git
models:
  providers:
    fake: { kind: openai, base_url: "http://127.0.0.1:$fm_port/v1",
            api_key_env: FAKE_KEY }
  embeddings: { provider: fake, model: emb-small, dimensions: 32 }
EOF
export XDG_CACHE_HOME="$PWD/cache"
export GITHUB_ACTIONS=true GITHUB_SERVER_URL="$A" GITHUB_REPOSITORY=o/main
export GITHUB_TOKEN="$TOKEN" FAKE_KEY="$KEY"

# data-model: fetched from the forge's host with the token, src/ only.
expect_rc 0 "$TEND_BIN" index -C main --repo-name data-model \
	--query "ParseWidget widget record"
contains "$out" "src/model.go:"
contains "$out" "ParseWidget"
expect_rc 0 "$TEND_BIN" index -C main --repo-name data-model \
	--query "zebra crossings documented"
not_contains "$out" "docs/notes.md"
log_has a 'e["path"].endswith("/git-upload-pack") and e["status"] == 200 \
and e["user"] == "x-access-token"' || fail "A: no authenticated fetch"
log_has a '"authorization" not in e["headers"]' &&
	fail "A: a request without the token"

# shared: another host, fetched anonymously; symbols from its index.
expect_rc 0 "$TEND_BIN" index -C main --repo-name shared \
	--symbol frobnicate_gadget --format json
contains "$out" '"path": "lib/frobnicate.c"'
contains "$out" '"definition": true'
log_has b 'e["path"].endswith("/git-upload-pack") and e["status"] == 200' ||
	fail "B: no fetch"
log_has b '"authorization" in e["headers"]' &&
	fail "B: credentials were sent to another host"

# tend ask: the model searches the other repositories by name.
expect_rc 0 env OPENAI_API_KEY="$KEY" \
	OPENAI_BASE_URL="http://127.0.0.1:$fm_port/v1" \
	TEND_MODEL=openai/gpt-4.1-mini "$TEND_BIN" ask -C main \
	"where are widgets parsed?"
contains "$out" "See [1]."
"$pyexe" - <<'EOF' || fail "cannot read the model log"
import json
log = json.load(open("model.log"))
reqs = [e for e in log if e.get("protocol") == "openai"]
last = json.loads(reqs[-1]["body"])
results = [m["content"] for m in last["messages"] if m["role"] == "tool"]
assert len(results) == 2, results
for i, r in enumerate(results):
    open("result.%d" % (i + 1), "w").write(r)
EOF
contains "$(cat result.1)" "src/model.go:"
contains "$(cat result.1)" "ParseWidget"
contains "$(cat result.2)" "lib/frobnicate.c:1"
contains "$(cat result.2)" "frobnicate_gadget"

# The cache: <sha256 of the URL>.git and .sqlite beside it.
h=$(printf '%s' "$A/o/data-model.git" | sha256sum | cut -c1-64)
[ -d "cache/tend/repos/$h.git/objects" ] || fail "no mirror at $h.git"
[ -f "cache/tend/repos/$h.sqlite" ] || fail "no index at $h.sqlite"
[ "$(git --git-dir="cache/tend/repos/$h.git" rev-parse refs/heads/main)" = \
	"$(git -C up/data-model rev-parse HEAD)" ] || fail "mirror not at main"
grep -rqF "$TOKEN" cache && fail "the token is in the cache"
b64=$(printf 'x-access-token:%s' "$TOKEN" | base64 -w0)
grep -rqF "$b64" cache && fail "the encoded token is in the cache"

# Embeddings: chunks and queries went to /v1/embeddings with the key.
log_has model 'e["path"] == "/v1/embeddings" and e["outcome"] == \
"embeddings" and e["headers"].get("authorization") == "Bearer '"$KEY"'" \
and __import__("json").loads(e["body"])["model"] == "emb-small" and \
__import__("json").loads(e["body"])["dimensions"] == 32' ||
	fail "no embeddings request"
log_has model '"ParseWidget" in e["body"]' ||
	fail "the chunks were not embedded"

# A new upstream commit: fetched, and only its blob parsed.
(
	cd up/data-model && cat >src/gadget.go <<'EOF' &&
package model

func AssembleGadget() int { return 42 }
EOF
	git add . && git commit -qm two &&
	git push -q ../../a/o/data-model.git main:main
) || fail "cannot add a commit"
expect_rc 0 "$TEND_BIN" index -C main -v --repo-name data-model \
	--query AssembleGadget
contains "$out" "src/gadget.go:"
contains "$err" "(1 parsed, 1 reused"

# shared's host is gone: the copy indexed earlier answers, with a warning.
kill "$gb_pid"
wait "$gb_pid" 2>/dev/null
expect_rc 0 "$TEND_BIN" index -C main --repo-name shared \
	--query frobnicate
contains "$out" "lib/frobnicate.c:"
contains "$err" "could not be fetched, using the copy indexed earlier"

# Never fetched and unreachable: an error for --repo-name.
expect_rc 3 "$TEND_BIN" index -C main --repo-name gone --query x
contains "$err" "repository 'gone' left out"
# Unknown names are usage errors that list the known ones.
expect_rc 2 "$TEND_BIN" index -C main --repo-name nope --query x
contains "$err" "no repository 'nope' in context.repos (there are: \
data-model, shared, gone)"
expect_rc 2 "$TEND_BIN" index -C main --repo-name shared
contains "$err" "--repo-name goes with --query"

# The token never shows in anything tend printed.
cat stdout.txt stderr.txt | grep -qF "$TOKEN" && fail "token printed"
exit 0
