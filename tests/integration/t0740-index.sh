#!/bin/sh
# `tend index`: build the index of a small repository (text and JSON), an
# update after a commit (1 changed, the rest reused), --query, --symbol and
# --related answers, a secret masked in what a query shows, the database
# rebuilt after junk, and the usage errors.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
# expect_rc leaves its output files here; they are not part of the repo.
printf 'stdout.txt\nstderr.txt\n' >> .git/info/exclude
mkdir -p src lib
cat > src/store.c <<'EOF'
/* The store keeps blocks by number. */
int store_put(int block)
{
	return block * 2;
}
EOF
cat > src/main.c <<'EOF'
int store_put(int block);

int main(void)
{
	return store_put(3);
}
EOF
cat > lib/util.py <<'EOF'
class Ledger:
    def balance(self):
        return 42


def report():
    return Ledger().balance()
EOF
# A secret (split so no scanner of this script reports it).
tok="ghp_k9Qz2Lm4Xv7Bn1Rt8""Wy3Hc6Jd5Fp0Ga2Se4U"
printf 'def connect():\n    return "%s"\n' "$tok" > lib/creds.py
git add -A && git commit -qm base

expect_rc 0 "$TEND_BIN" index
contains "$out" "5 files: 5 added, 0 changed, 0 removed, 0 reused; 5 parsed"
test -f .git/tend/index.sqlite || fail "no database at .git/tend/index.sqlite"

# Up to date: nothing parsed.
expect_rc 0 "$TEND_BIN" index --format json
printf '%s' "$out" > ../u.json
python3 - ../u.json <<'PY' || fail "json stats"
import json, sys
u = json.load(open(sys.argv[1]))["update"]
assert u["files"] == 5 and u["parsed"] == 0 and u["reused"] == 5, u
assert u["rebuilt"] is False and u["note"] is None, u
assert u["database"].endswith("tend/index.sqlite"), u
assert u["chunks"] >= 5 and u["symbols"] >= 6, u
PY

# One file changed: 1 changed, 4 reused, 1 parsed.
printf 'int store_put(int block)\n{\n\treturn block * 4;\n}\n' > src/store.c
git commit -qam "store: double it again"
expect_rc 0 "$TEND_BIN" index
contains "$out" "1 changed, 0 removed, 4 reused; 1 parsed"

# Queries.
expect_rc 0 "$TEND_BIN" index --query "store_put"
first=$(printf '%s\n' "$out" | head -1)
contains "$first" "src/store.c:1-4 function store_put"
expect_rc 0 "$TEND_BIN" index --query "store_put" --path "src/main.c"
not_contains "$out" "src/store.c"
contains "$out" "src/main.c"
expect_rc 0 "$TEND_BIN" index --query "connect" --format json
printf '%s' "$out" > ../q.json
python3 - ../q.json "$tok" <<'PY' || fail "json query"
import json, sys
d = json.load(open(sys.argv[1]))
hits = d["hits"]
assert hits and hits[0]["path"] == "lib/creds.py", hits
assert sys.argv[2] not in json.dumps(d), "secret in the output"
assert "****" in hits[0]["text"], hits[0]
assert "update" not in d, d  # up to date: no update ran
PY
not_contains "$(cat .git/tend/index.sqlite | tr -d '\000')" "$tok"
expect_rc 0 "$TEND_BIN" index --query "nothing-like-this-here"
contains "$out" "no matches"

# Symbols: the definition first, then the references.
expect_rc 0 "$TEND_BIN" index --symbol store_put
first=$(printf '%s\n' "$out" | head -1)
contains "$first" "src/store.c:1: definition function store_put"
contains "$out" "src/main.c:5: reference call store_put"
expect_rc 0 "$TEND_BIN" index --symbol balance --format json
printf '%s' "$out" > ../s.json
python3 - ../s.json <<'PY' || fail "json symbol"
import json, sys
s = json.load(open(sys.argv[1]))["symbols"]
assert s[0]["definition"] and s[0]["kind"] == "method", s
assert s[0]["path"] == "lib/util.py" and s[0]["line"] == 2, s
assert any(not x["definition"] and x["line"] == 7 for x in s), s
PY

# Related: what main() uses, and who calls what store.c defines.
expect_rc 0 "$TEND_BIN" index --related src/main.c:5
contains "$out" "uses:"
contains "$out" "src/store.c:1: definition function store_put"
expect_rc 0 "$TEND_BIN" index --related src/store.c
contains "$out" "callers:"
contains "$out" "src/main.c:5: reference call store_put"
expect_rc 2 "$TEND_BIN" index --related no/such.c:3
contains "$err" "'no/such.c' is not in the index"

# A new commit, then a query: the index is brought up to date first.
printf 'def audit():\n    return report()\n' > lib/audit.py
git add -A && git commit -qm audit
expect_rc 0 "$TEND_BIN" index --symbol audit
contains "$out" "lib/audit.py:1: definition function audit"

# An index that is of HEAD answers without git starting; packed refs and
# a linked work tree are read the same way. The work tree's HEAD is
# another commit: that query brings the shared index to it.
git pack-refs --all
expect_rc 0 "$TEND_BIN" index --symbol audit
contains "$out" "lib/audit.py:1: definition function audit"
git worktree add -q ../wt HEAD~1 2>/dev/null || fail "worktree add"
expect_rc 0 "$TEND_BIN" index -C ../wt --symbol audit
not_contains "$out" "lib/audit.py"
expect_rc 0 "$TEND_BIN" index --symbol audit
contains "$out" "lib/audit.py:1: definition function audit"
git worktree remove --force ../wt

# --rev indexes an older commit; -C runs elsewhere.
cd ..
expect_rc 0 "$TEND_BIN" index -C r --rev HEAD~2
contains "$out" "5 files:"
contains "$out" "1 changed, 1 removed"
expect_rc 0 "$TEND_BIN" index -C r --symbol audit
contains "$out" "lib/audit.py:1: definition function audit"
cd r

# Junk over the database: rebuilt with a note, never a crash.
dd if=/dev/urandom of=.git/tend/index.sqlite bs=4096 count=2 conv=notrunc \
	2>/dev/null
expect_rc 0 "$TEND_BIN" index
contains "$out" "6 parsed"
contains "$out" "note: the index"
contains "$err" "moved aside and rebuilt"
ls .git/tend | grep -q 'index.sqlite.broken-' || fail "not moved aside"
expect_rc 0 "$TEND_BIN" index --rebuild
contains "$out" "6 added"

# Usage errors.
expect_rc 2 "$TEND_BIN" index --query a --symbol b
contains "$err" "one at a time"
expect_rc 2 "$TEND_BIN" index --path 'src/**'
contains "$err" "--path goes with --query"
expect_rc 2 "$TEND_BIN" index --format xml
expect_rc 2 "$TEND_BIN" index --rev no-such-rev
contains "$err" "unknown revision"
expect_rc 2 "$TEND_BIN" index nonsense
expect_rc 0 "$TEND_BIN" index --help
contains "$out" "usage: tend index"
cd ..
mkdir plain
expect_rc 2 "$TEND_BIN" index -C plain
contains "$err" "not a git repository"
