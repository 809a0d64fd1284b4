#!/bin/sh
# `tend fix --local` and `--dry-run` on a real repository: a broken
# Python project (unittest) that the scripted model fixes.
#   - --dry-run: the diff is printed, nothing is committed, the work tree
#     is as it was;
#   - --local: one commit on the current branch, on top of the head;
#   - a dirty work tree is refused (exit 2): a fix commits only itself;
#   - green tests: nothing to fix, exit 0, no model call;
#   - no model configured: exit 2 with what to set;
#   - the budget stops the agent: exit 1, nothing committed.
. "$TEND_TESTS/integration/lib.sh"

lib=$TEND_TESTS/lib
key=sk-fixlocalkey0123456789abcdefghijk

git init -q r && cd r || fail "git init"
git checkout -q -b main
mkdir -p pkg tests
touch tests/__init__.py
cat >pkg/__init__.py <<'EOF'
EOF
cat >pkg/shout.py <<'EOF'
def shout(s):
    return s + "!"
EOF
cat >tests/test_shout.py <<'EOF'
import unittest
from pkg.shout import shout


class T(unittest.TestCase):
    def test_shout(self):
        self.assertEqual(shout("hi"), "HI!")


if __name__ == "__main__":
    unittest.main()
EOF
printf 'sandbox:\n  test: "python3 -m unittest discover -s tests -t ."\n' >.tend.yml
printf '__pycache__/\n' >.gitignore
git add -A && git commit -qm "shout, broken"
head=$(git rev-parse HEAD)
cd ..

start_model() {
	rm -f port
	python3 "$lib/fakemodel.py" --script "$1" --log model-log.json \
		--key "$key" --port-file port --timeout 120 --watch-parent \
		>/dev/null 2>model.err &
	model=$!
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s port ] || { cat model.err >&2; fail "fakemodel did not start"; }
	port=$(cat port)
}
trap 'kill ${model:-} 2>/dev/null' EXIT
cat >good.json <<'EOF'
{"turns": [
 {"tool_calls": [{"name": "read_file", "arguments": {"path": "pkg/shout.py"}}]},
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "pkg/shout.py", "old": "return s + ", "new": "return s.upper() + "}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "fixed", "summary": "shout() kept the case of its text. It upper-cases it now."}}]},
 {"tool_calls": [{"name": "read_file", "arguments": {"path": "pkg/shout.py"}}]},
 {"tool_calls": [{"name": "edit_file", "arguments": {"path": "pkg/shout.py", "old": "return s + ", "new": "return s.upper() + "}}]},
 {"tool_calls": [{"name": "finish", "arguments": {"status": "fixed", "summary": "shout() kept the case of its text. It upper-cases it now."}}]}
]}
EOF
fix() {	# fix WANT [args]
	want=$1
	shift
	expect_rc "$want" env OPENAI_API_KEY="$key" \
		OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
		TEND_MODEL=openai/gpt-4.1-mini "$TEND_BIN" fix -C r "$@"
}

# ---- no model: a clear error ----
expect_rc 2 env -u OPENAI_API_KEY "$TEND_BIN" fix -C r --local
contains "$err" "tend fix needs a model"

start_model good.json

# ---- --dry-run: the diff, nothing written ----
fix 0 --local --dry-run
contains "$out" "dry run"
contains "$out" "+    return s.upper() + \"!\""
[ "$(git -C r rev-parse HEAD)" = "$head" ] || fail "--dry-run committed"
[ -z "$(git -C r status --porcelain)" ] || fail "--dry-run left changes"

# ---- --local: one commit on the branch ----
fix 0 --local
contains "$out" "fixed and committed"
new=$(git -C r rev-parse HEAD)
[ "$new" != "$head" ] || fail "nothing committed"
[ "$(git -C r rev-parse HEAD^)" = "$head" ] || fail "not on top of the head"
[ "$(git -C r symbolic-ref --short HEAD)" = main ] || fail "left the branch"
[ "$(git -C r diff --name-only HEAD^ HEAD)" = "pkg/shout.py" ] ||
	fail "the commit holds more than the fix"
contains "$(git -C r log -1 --format=%B)" "fix: shout() kept the case of its text"
contains "$(git -C r log -1 --format=%B)" "Tend-Run:"
[ -z "$(git -C r status --porcelain)" ] || fail "the work tree is not clean"

# ---- green: nothing to fix, no model call ----
n=$(python3 -c "import json; print(len(json.load(open('model-log.json'))))")
fix 0 --local
contains "$out" "nothing to fix"
[ "$(python3 -c "import json; print(len(json.load(open('model-log.json'))))")" = "$n" ] ||
	fail "a green run asked the model"

# ---- a dirty work tree is refused ----
git -C r reset -q --hard "$head"
printf '# mine\n' >>r/pkg/__init__.py
fix 2 --local
contains "$err" "clean checkout"
git -C r checkout -q pkg/__init__.py

# ---- the budget stops it: a model that never finishes ----
cat >loop.json <<'EOF'
{"turns": [{"tool_calls": [{"name": "read_file", "arguments": {"path": "pkg/shout.py"}}],
            "usage": {"input": 100000, "output": 1000}, "repeat": true}]}
EOF
kill $model 2>/dev/null; wait $model 2>/dev/null
start_model loop.json
cat >>r/.tend.yml <<'EOF'
fix:
  budget_usd: 0.05
models:
  prices:
    openai/gpt-4.1-mini: { input: 1.0, output: 1.0 }
EOF
git -C r commit -qam "a small budget"
head=$(git -C r rev-parse HEAD)
fix 1 --local
contains "$out" "not fixed"
[ "$(git -C r rev-parse HEAD)" = "$head" ] || fail "a stopped fix committed"
[ -z "$(git -C r status --porcelain)" ] || fail "a stopped fix left changes"
exit 0
