#!/bin/sh
# The sandbox holds no credential in any form, and cannot redirect the
# .git pointers host git follows later (issue 10, finding 2 and a sibling
# of finding 10):
#   - a checkout whose every git config carries the token as an http
#     extraheader (the top repository, a submodule whose name has a slash,
#     a nested submodule, config.worktree, a linked worktree), plus the
#     token in FETCH_HEAD and a reflog as libgit2 writes them after a fetch
#     from a URL with credentials: a test command that prints every config
#     and greps .git shows the canary in no form (plain, base64,
#     URL-encoded) and also not after a transformation (rot13) that no
#     redaction can undo;
#   - the submodule's .git pointer file cannot be rewritten, and a .git
#     the command plants at the submodule's path (after moving the
#     submodule away) or anywhere else is removed after the run, so host
#     git never follows it to a planted core.fsmonitor.
. "$TEND_TESTS/integration/lib.sh"
top=$PWD
CANARY=ghs_canarySbxCred0123456789abcdefXYZ
b64=$(printf 'x-access-token:%s' "$CANARY" | base64 -w0)
hdr="AUTHORIZATION: basic $b64"
url_enc=$(python3 -c "import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=''))" "x-access-token:$CANARY")
rot() { printf '%s' "$1" | tr 'A-Za-z' 'N-ZA-Mn-za-m'; }
git() { command git -c protocol.file.allow=always "$@"; }

# inner <- foo (submodule "inner") <- r (submodule "libs/foo")
new_repo inner
new_repo foo
(cd foo && git submodule add -q "$top/inner" inner &&
	git commit -qm "add inner") || fail "submodule inner"
new_repo r
cd r
git submodule add -q "$top/foo" libs/foo || fail "submodule libs/foo"
git commit -qm "add libs/foo"
git submodule update -q --init --recursive || fail "submodule update"
[ -f .git/modules/libs/foo/config ] || fail "no .git/modules/libs/foo"
[ -f .git/modules/libs/foo/modules/inner/config ] || fail "no nested module"
git worktree add -q ../linked 2>/dev/null || fail "worktree"
git config extensions.worktreeConfig true
# What actions/checkout leaves with persist-credentials, in every config
# it would touch (it runs `git submodule foreach --recursive git config`).
for cfg in $(find .git -name config); do
	git config --file "$cfg" http.https://github.com/.extraheader "$hdr"
done
git config --worktree http.https://github.com/.extraheader "$hdr"
(cd ../linked && git config --worktree http.https://github.com/.extraheader \
	"$hdr") || fail "linked worktree config"
[ -f .git/config.worktree ] || fail "no config.worktree"
[ -n "$(find .git/worktrees -name config.worktree)" ] ||
	fail "no worktrees/*/config.worktree"
# A fetch from a URL with credentials (libgit2's anonymous remote).
printf '%s\t\tbranch main of https://x-access-token:%s@github.com/o/r\n' \
	"$(git rev-parse HEAD)" "$CANARY" >.git/FETCH_HEAD
printf '%s %s T <t@e> 1 +0000\tfetch https://x-access-token:%s@github.com/o/r\n' \
	"$(git rev-parse HEAD)" "$(git rev-parse HEAD)" "$CANARY" \
	>>.git/logs/HEAD
pointer=$(cat libs/foo/.git)

# Everything a test command can read of .git goes to a file in the work
# tree (which outlives the sandbox) as it is, and to the output in rot13.
dump='for f in $(find .git -name config -o -name config.worktree \
	-o -name FETCH_HEAD) .git/logs/HEAD; do echo "== $f"; cat "$f"; done
grep -r -a -h . .git --exclude-dir=objects --exclude=index
git config --list; git -C libs/foo config --list
git -C libs/foo/inner config --list; git -C libs/foo log --oneline'
TEND_SANDBOX_TEST="{ $dump; } >leak.txt 2>&1; tr A-Za-z N-ZA-Mn-za-m <leak.txt | tail -n 30; printf 'gitdir: /tmp/evil\n' 2>/dev/null >libs/foo/.git; echo rewrite=\$? >>leak.txt" \
GITHUB_TOKEN=$CANARY \
	"$TEND_BIN" test --format json >../dump.json 2>../dump.err
rc=$?
[ $rc -eq 0 ] || { cat ../dump.json ../dump.err; fail "the test command failed: $rc"; }
python3 - "$CANARY" "$b64" "$url_enc" "$(rot "$b64")" "$(rot "$CANARY")" \
	leak.txt ../dump.json ../dump.err <<'EOP' || fail "a credential was readable in the sandbox"
import sys
canary, b64, url, rot_b64, rot_canary = sys.argv[1:6]
leak = open(sys.argv[6], errors="replace").read()
text = "".join(open(p, errors="replace").read() for p in sys.argv[6:])
forms = {"plain": canary, "base64": b64, "base64 middle": b64[4:-4],
         "url-encoded": url, "rot13 base64": rot_b64,
         "rot13 base64 middle": rot_b64[4:-4], "rot13 plain": rot_canary}
bad = [n for n, v in forms.items() if v in text]
if bad:
    sys.exit("found: " + ", ".join(bad))
# The command did run and saw the submodules through git.
assert "== .git/modules/libs/foo/config" in leak, leak[:2000]
assert "== .git/modules/libs/foo/modules/inner/config" in leak, leak[:2000]
assert "add inner" in leak, "git does not work in the submodule: " + leak[-2000:]
assert "rewrite=" in leak and "rewrite=0" not in leak, "the pointer was writable"
EOP
rm -f leak.txt
[ "$(cat libs/foo/.git)" = "$pointer" ] ||
	fail "the submodule's .git pointer changed: $(cat libs/foo/.git)"
# Host git still has its credentials and its submodule.
git config --file .git/modules/libs/foo/config --get \
	http.https://github.com/.extraheader | grep -q "$b64" ||
	fail "the host's submodule config changed"
git -C libs/foo rev-parse --git-dir | grep -q "modules/libs/foo" ||
	fail "host git no longer finds the submodule"

# Move the submodule away and plant a .git at its path that points to a
# gitdir with core.fsmonitor; plant nested repositories and a link too.
# Host git, run later in the submodule (as actions/checkout's post step
# does with `git submodule foreach`), must not run the planted command.
plant='mv libs/foo libs/moved && mkdir libs/foo &&
mkdir -p evil/objects evil/refs/heads &&
cp -r .git/modules/libs/foo/objects/. evil/objects/ 2>/dev/null;
printf "ref: refs/heads/main\n" > evil/HEAD &&
cp .git/modules/libs/foo/HEAD evil/HEAD 2>/dev/null;
git -C libs/moved rev-parse HEAD > evil/refs/heads/main 2>/dev/null;
printf "[core]\n\trepositoryformatversion = 0\n\tfsmonitor = \"touch '"$top"'/pwned; false\"\n\tworktree = ../libs/foo\n" > evil/config &&
printf "gitdir: ../../evil\n" > libs/foo/.git &&
mkdir -p a/b/c && git init -q a/b/c/nested &&
mkdir -p d && ln -s /etc d/.git && mkdir -p e && echo "gitdir: /" > e/.GIT;
find . -name .git -o -name .GIT | sort'
TEND_SANDBOX_TEST=$plant "$TEND_BIN" test --format json >../plant.json \
	2>../plant.err
grep -q "libs/foo/.git" ../plant.json ||
	{ cat ../plant.json ../plant.err; fail "the planting did not run"; }
for p in libs/foo/.git a/b/c/nested/.git d/.git e/.GIT libs/moved/.git; do
	[ -e "$p" ] || [ -L "$p" ] &&
		fail "'$p' planted or moved by the command was left behind"
done
grep -q "libs/foo/.git" ../plant.err ||
	{ cat ../plant.err; fail "no warning names the removed .git"; }
[ -f .git/modules/libs/foo/HEAD ] || fail "the submodule's git dir was lost"
git submodule foreach -q --recursive 'git status --short >/dev/null' \
	>/dev/null 2>&1
git -C libs/foo status --short >/dev/null 2>&1
[ -e "$top/pwned" ] && fail "host git ran the planted core.fsmonitor"
cd "$top"
exit 0
