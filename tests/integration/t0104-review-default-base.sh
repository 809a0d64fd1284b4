#!/bin/sh
# The default base: origin/HEAD, else main, else master.
. "$TEND_TESTS/integration/lib.sh"

# origin/HEAD pointing at a branch named 'trunk'.
git init -q --bare -b trunk origin.git 2>/dev/null || {
	git init -q --bare origin.git &&
	git -C origin.git symbolic-ref HEAD refs/heads/trunk; }
git clone -q origin.git seed 2>/dev/null
cd seed
git checkout -q -b trunk 2>/dev/null || true
echo base > f.txt && git add f.txt && git commit -qm base && git push -q origin trunk
cd ..
git clone -q origin.git work
cd work
git checkout -q -b topic
printf '<<<<<<< HEAD\n' >> f.txt && git commit -qam topic
expect_rc 1 "$TEND_BIN" review --local --format json
printf '%s' "$out" > ../o.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["base_rev"]=="origin/trunk", d["base_rev"]' ../o.json ||
	fail "base should be origin/trunk"
cd ..

# No remote: 'master' when there is no 'main'.
git init -q -b master m 2>/dev/null || { git init -q m && git -C m checkout -q -b master; }
cd m
echo a > a && git add a && git commit -qm a
git checkout -q -b topic && echo 'debugger;' > a.js && git add a.js && git commit -qm b
expect_rc 0 "$TEND_BIN" review --local --format json
printf '%s' "$out" > ../m.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["base_rev"]=="master"; assert len(d["files"])==1' ../m.json ||
	fail "base should be master"
cd ..

# Neither: a clear error telling the user to pass --base.
git init -q -b dev d 2>/dev/null || { git init -q d && git -C d checkout -q -b dev; }
cd d && echo a > a && git add a && git commit -qm a
expect_rc 2 "$TEND_BIN" review --local
contains "$err" "--base"
expect_rc 0 "$TEND_BIN" review --local --base HEAD
