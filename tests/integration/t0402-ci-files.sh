#!/bin/sh
# t0402-ci-files.sh - action.yml and actions/gitlab-ci.yml are real: they
# parse, have the structure their platforms need, and their scripts work
# when run the way GitHub's runner and GitLab's runner run them.
#
# Nothing here talks to GitHub or GitLab. A small emulator
# (tests/lib/ciemu.py, copied here as ci.py; python3 with PyYAML, Debian's
# python3-yaml) plays each runner:
#
# GitHub: the action's steps run in order, as the runner runs composite
# steps: `${{ }}` expressions evaluated (inputs, steps, github, runner;
# anything else is an error, so the emulator never guesses), `if:`
# honoured, each `run:` under `bash --noprofile --norc -eo pipefail` in the
# workspace with fresh GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and
# GITHUB_STEP_SUMMARY files, the first failing step ending the action.
# GITHUB_ACTION_PATH is a copy of this source tree (git ls-files, tracked
# and untracked-not-ignored), whose scripts/release-sums pins nothing, as
# between releases: the download step finds no checksum for the version,
# asks no server, and the action builds (t0403 tests the download). The
# two `uses:` steps are emulated:
# actions/cache/restore and actions/cache/save copy the cached path to and
# from a directory that stands for the cache service.
#   1. cold: empty cache; the build step builds the copy for real (about
#      ten seconds: the copy gets the main tree's compiled tree-sitter
#      grammars, mtimes kept, since compiling those takes minutes), then
#      tend reviews a branch with a planted merge-conflict marker: exit 1
#      passes through, outputs set.
#   2. warm: a fresh "runner" (the copy's build/release removed); the
#      cache entry now holds $TEND_BIN (so the binary under test, say the
#      ASan build, is what runs); restore hits, nothing is installed or
#      built; inputs config, fail-level and quoted args take effect;
#   3. hostile inputs: shell syntax in `args` and `command` is never run;
#   4. a pull request on the fake GitHub (tests/lib/fakegithub.py): the
#      default token input reaches tend, tend publishes, and the outputs
#      findings and summary-url are set (tend writes them for pull
#      requests; runs 1-3 use --local, which publishes nothing).
# In every run the pull request's tree holds a "tend" of its own
# (build/release/tend and ./tend) that must never run.
# Statically, every `uses:` of another repository in action.yml is pinned
# by a 40-hex commit with a `# vX.Y.Z` comment.
# apt-get and sudo are shims on PATH: `sudo` logs and runs its command
# (it is only reached when the test does not run as root), and `apt-get`
# fails the test if called, so nothing is ever installed from here.
#
# GitLab: `tend-review` is resolved through `extends`, its variables
# exported (an override passed to the emulator stands for a project CI/CD
# variable, which GitLab ranks above the job's), and its `script:` run by
# `bash -eo pipefail` in a fresh clone of the merge request (the project
# directory), as the runner does. The cache is emulated too: a directory
# per cache key whose paths are extracted over the checkout before the
# script and saved after it (`when: always`), so one job's saved cache is
# the next job's, and a test can poison it as a merge request's pipeline
# could. TEND_REPO is a local stand-in for tend's repository whose
# install-deps.sh and Makefile log their runs and "build" by copying
# $TEND_BIN. What a merge request plants (a script that leaves a mark in
# planted.log, then runs tend) must never run:
#   A. committed at the cache's path (which the old template ran), cold
#      cache: tend is built outside the project and reviews; the cache then
#      holds the build and its grammar tarballs;
#   B. warm cache, TEND_SHA256 = the build's hash: the cached copy runs,
#      nothing is installed or built;
#   C. warm cache, no TEND_SHA256: built again (nothing vouches for it);
#   D. the cache poisoned, no TEND_SHA256: built again, cache cleaned;
#   E. the cache poisoned, TEND_SHA256 set: the mismatch is reported and
#      tend is built;
#   F. TEND_BIN: refused when relative, inside the project (also through a
#      symlink) or with another sha256 than TEND_SHA256; else it runs;
#   G. TEND_REPO into the project (path, file://, symlink, relative) or a
#      TEND_REF that is a commit of the merge request: refused, no build;
#   H. the placeholder TEND_REPO stops the job with exit 2.
# The review gets TEND_ARGS="--local --no-llm" (merge-request publishing
# needs a forge, which other tests fake).
. "$TEND_TESTS/integration/lib.sh"

src=$(cd "$TEND_TESTS/.." && pwd)
top=$PWD
python3 -c 'import yaml' 2>/dev/null ||
	fail "python3 cannot import yaml: install python3-yaml"
[ -f "$src/action.yml" ] || fail "no action.yml"
[ -f "$src/actions/gitlab-ci.yml" ] || fail "no actions/gitlab-ci.yml"

cp "$TEND_TESTS/lib/ciemu.py" ci.py || fail "no tests/lib/ciemu.py"

# get FILE KEY: a value from a result file written by ci.py.
get() {
	awk -F '\t' -v k="$2" '$1 == k { print substr($0, length(k) + 2); exit }' "$1"
}

# want FILE KEY VALUE
want() {
	got=$(get "$1" "$2")
	[ "$got" = "$3" ] || { cat ci.log >&2; fail "$2 is '$got', want '$3'"; }
}

# positive FILE KEY: the value is a number above zero.
positive() {
	got=$(get "$1" "$2")
	case $got in
	'' | *[!0-9]* | 0) cat ci.log >&2
		fail "$2 is '$got', want a count above 0 (tend writes" \
			"findings=N to \$GITHUB_OUTPUT in GitHub Actions)" ;;
	esac
}

# ---- the static structure of both files --------------------------------

python3 ci.py gh-check "$src" || fail "action.yml structure"
python3 ci.py gl-check "$src/actions/gitlab-ci.yml" ||
	fail "gitlab-ci.yml structure"

# ---- what the runners would see ----------------------------------------

# The repository under review: a branch with a merge-conflict marker and a
# line only the custom config's rule flags.
new_repo r
(cd r &&
	mkdir ci &&
	printf '%s\n' 'checks:' '  rules:' '    - id: planted-marker' \
		'      pattern: "PLANTED-MARKER"' '      severity: warning' \
		'      message: "planted marker"' >ci/tend.yml &&
	git add ci && git commit -qm config &&
	git checkout -q -b topic &&
	printf 'int x;\n<<<<<<< HEAD\nPLANTED-MARKER\n' >a.c &&
	git add a.c && git commit -qm topic) || fail "setup"
head=$(git -C r rev-parse HEAD)
base=$(git -C r rev-parse main)

# A pull_request event, and a forge nobody listens on: --local must not
# need it, and nothing may leave the machine.
cat >event.json <<EOF
{"action": "opened", "number": 1,
 "pull_request": {"number": 1,
  "head": {"sha": "$head", "ref": "topic", "repo": {"full_name": "octo/app"}},
  "base": {"sha": "$base", "ref": "main", "repo": {"full_name": "octo/app"}}},
 "repository": {"full_name": "octo/app"}}
EOF
export GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$top/event.json"
export GITHUB_REPOSITORY=octo/app GITHUB_SHA="$head"
export GITHUB_REF=refs/pull/1/merge GITHUB_HEAD_REF=topic GITHUB_BASE_REF=main
export GITHUB_API_URL=http://127.0.0.1:9 GITHUB_SERVER_URL=http://127.0.0.1:9
export RUNNER_TEMP="$top/runner-temp"
mkdir -p "$RUNNER_TEMP"

# sudo and apt-get shims.
mkdir shims
cat >shims/sudo <<EOF
#!/bin/sh
echo "sudo \$*" >>"$top/shims.log"
exec "\$@"
EOF
cat >shims/apt-get <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$top/shims.log"
echo "t0402: apt-get must not run in a test" >&2
exit 100
EOF
chmod +x shims/sudo shims/apt-get
: >shims.log
PATH=$top/shims:$PATH
export PATH

# What an attacker plants: a "tend" that leaves a mark, then behaves like
# tend, so the job would go green while it ran with the token.
cat >planted <<EOF
#!/bin/sh
echo "planted ran: \$*" >>"$top/planted.log"
exec "$TEND_BIN" "\$@"
EOF
chmod +x planted
bad=$(sha256sum <planted | cut -d' ' -f1)
# no_plant: nothing planted ever ran.
no_plant() {
	[ ! -e planted.log ] || { cat ci.log >&2
		fail "a binary from the checkout or the cache ran:" \
			"$(cat planted.log)"; }
}

# The action's directory: a copy of the source tree, mtimes kept, plus the
# main tree's compiled grammars (cache, objects, the stamps they depend
# on) and the tree-sitter library's sources, so the build compiles only
# tend's own sources and that library.
copy_tree() { # DEST
	mkdir -p "$1" &&
		git -C "$src" ls-files -co --exclude-standard -z |
		(cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$1"
}
act=$top/action
copy_tree "$act" || fail "copy of the source tree"
# As before a release: no checksum pinned, so the action builds (t0403
# tests the download).
grep -v -e '^[0-9a-f]' -e '^# version ' -e '^# source ' \
	"$src/scripts/release-sums" >"$act/scripts/release-sums"
g=$src/build/grammars
[ -d "$g/obj" ] || fail "no compiled grammars in $g: build tend first"
mkdir -p "$act/build/grammars/src"
cp -a "$g/cache" "$g/obj" "$act/build/grammars/" || fail "grammar copy"
for d in "$g"/src/*/; do
	n=$(basename "$d")
	mkdir -p "$act/build/grammars/src/$n"
	cp -p "$d/.stamp" "$act/build/grammars/src/$n/" || fail "stamp copy"
done
# the tree-sitter library, compiled per build, and its header
cp -a "$g/src/runtime/include" "$g/src/runtime/src" \
	"$act/build/grammars/src/runtime/" || fail "runtime copy"
store=$top/cache-store

# The pull request's tree has a "tend" of its own in build/release/ and at
# the top, where a careless action might look: the action never runs those.
mkdir -p r/build/release
cp planted r/build/release/tend
cp planted r/tend

# 1. Cold: nothing cached; build for real, review, exit 1 passes through.
python3 ci.py gh-run "$act" "$top/r" "$store" res1.txt ci.log \
	args="--local --no-llm" || fail "emulator"
want res1.txt status 1
want res1.txt outputs.exit-code 1
want res1.txt steps.0 '["key", "success"]'
want res1.txt steps.1 '["download", "success"]'
want res1.txt step_outputs.download.build true
want res1.txt step_outputs.cache.cache-hit ""
want res1.txt steps.4.1 success            # the save step ran
want res1.txt steps.6 '["__6", "failure"]'  # the status step failed
want res1.txt path '["'"$act"'/build/release"]'
contains "$(cat ci.log)" "tend: built tend"
# No checksum is pinned for an unreleased version: nothing is downloaded.
contains "$(cat ci.log)" "no pinned checksum for tend-"
contains "$(cat ci.log)" "merge-conflict-marker"
[ -x "$act/build/release/tend" ] || fail "the action built no binary"
[ "$(ls "$store" | wc -l)" = 1 ] || fail "the build was not cached"
key=$(get res1.txt step_outputs.key.key)
case $key in tend-build-v1-Linux-X64-*-*) ;; *) fail "cache key '$key'" ;; esac
if [ "$(id -u)" = 0 ]; then
	[ ! -s shims.log ] || fail "sudo as root: $(cat shims.log)"
else
	grep -q '^sudo sh scripts/install-deps.sh build$' shims.log ||
		fail "install-deps.sh did not run through sudo"
fi
grep -q '^apt-get' shims.log && fail "apt-get ran: $(cat shims.log)"
no_plant

# 2. Warm: a fresh runner whose cache holds the binary under test.
rm -rf "$act/build/release"
cp "$TEND_BIN" "$store"/* || fail "cache seed"
: >shims.log
: >ci.log
mkdir "r/out dir"
python3 ci.py gh-run "$act" "$top/r" "$store" res2.txt ci.log \
	config=ci/tend.yml fail-level=none \
	args="--local --no-llm --output 'out dir/report.txt'" || fail "emulator"
want res2.txt status 0
want res2.txt outputs.exit-code 0
want res2.txt step_outputs.cache.cache-hit true
want res2.txt steps.4 '["__4", "skipped"]'
contains "$(cat ci.log)" "tend: using the cached build"
cmp -s "$TEND_BIN" "$act/build/release/tend" || fail "the cache was not used"
[ ! -s shims.log ] || fail "a cached build installed: $(cat shims.log)"
ls "$act/build/release" | grep -q '\.o$' && fail "a cached build compiled"
[ -f "r/out dir/report.txt" ] || fail "quoted args were split"
contains "$(cat "r/out dir/report.txt")" "[planted-marker]"
contains "$(cat "r/out dir/report.txt")" "[hygiene/merge-conflict-marker]"
no_plant

# 3. Hostile inputs: nothing in them is run; usage errors give exit 2.
: >ci.log
python3 ci.py gh-run "$act" "$top/r" "$store" res3.txt ci.log \
	args='--local $(touch pwned1) ; touch pwned2 `touch pwned3` && touch pwned4' ||
	fail "emulator"
want res3.txt status 2
want res3.txt outputs.exit-code 2
python3 ci.py gh-run "$act" "$top/r" "$store" res4.txt ci.log \
	command='review;touch pwned5' args=--local || fail "emulator"
want res4.txt status 2
want res4.txt outputs.exit-code 2
python3 ci.py gh-run "$act" "$top/r" "$store" res5.txt ci.log \
	args='--local "unterminated' || fail "emulator"
want res5.txt status 2
want res5.txt outputs.exit-code 2
contains "$(cat ci.log)" "unmatched quote"
found=$(find "$top" -name 'pwned*')
[ -z "$found" ] || fail "an input was executed: $found"

# 4. A pull request on the fake GitHub: the default token (the job's
# github.token, ci.py's FAKE_TOKEN) reaches tend, which publishes and sets
# the outputs, and exit 1 still passes through.
tok=ghs_t0402FakeTokenNotASecret000000000000
python3 "$TEND_TESTS/lib/fakegithub.py" --repo r --owner octo --name app \
	--pr 1:main:topic --token "$tok" --port-file gh.port --log gh.json \
	--timeout 120 --watch-parent >/dev/null 2>gh.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s gh.port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s gh.port ] || { cat gh.err >&2; fail "fake GitHub did not start"; }
: >ci.log
GITHUB_API_URL=http://127.0.0.1:$(cat gh.port) \
GITHUB_SERVER_URL=https://github.example TEND_HTTP_BACKOFF_MS=10 \
	python3 ci.py gh-run "$act" "$top/r" "$store" res6.txt ci.log \
	args=--no-llm || fail "emulator"
kill $server 2>/dev/null
wait $server 2>/dev/null
want res6.txt status 1
want res6.txt outputs.exit-code 1
positive res6.txt outputs.findings
case $(get res6.txt outputs.summary-url) in
http*) ;;
*) cat ci.log >&2
	fail "summary-url is '$(get res6.txt outputs.summary-url)'" ;;
esac
contains "$(get res6.txt summary)" "finding"   # the step summary was written
no_plant
rm -rf r/build r/tend

# ---- GitLab ------------------------------------------------------------

gl=$src/actions/gitlab-ci.yml
export CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_IID=1
export CI_PROJECT_PATH=octo/app CI_PROJECT_ID=7
export CI_API_V4_URL=http://127.0.0.1:9/api/v4 CI_SERVER_URL=http://127.0.0.1:9
export CI_COMMIT_SHA=$head CI_MERGE_REQUEST_DIFF_BASE_SHA=$base
export CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main
unset GITHUB_EVENT_NAME GITHUB_EVENT_PATH GITHUB_REPOSITORY GITHUB_SHA \
	GITHUB_REF GITHUB_HEAD_REF GITHUB_BASE_REF GITHUB_API_URL \
	GITHUB_SERVER_URL

# codequality FILE: the report is a JSON array holding the planted finding.
codequality() {
	python3 - "$1" <<'PY' || fail "bad Code Quality report"
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list), "not an array"
names = [i["check_name"] for i in d]
assert "hygiene/merge-conflict-marker" in names, names
for i in d:
    assert i["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert i["location"]["path"] and i["fingerprint"]
PY
}

# The tend repository the job clones: a stand-in for tend's tree, whose
# scripts/install-deps.sh and Makefile log what they do and "build" by
# copying $TEND_BIN (so the binary under test is what runs, and a build
# takes no minutes; the GitHub runs above build tend's real tree). The
# log, gl-build.log, says when the job built instead of using the cache.
mkdir -p tendsrc/scripts
cat >tendsrc/scripts/install-deps.sh <<EOF
n=\$(ls build/grammars/cache 2>/dev/null | wc -l)
echo "install-deps \$* (\$n tarballs)" >>"$top/gl-build.log"
EOF
printf '%s\n' 'build/release/tend:' \
	"	echo 'make \$@' >>'$top/gl-build.log'" \
	'	mkdir -p build/release build/grammars/cache' \
	"	cp '$TEND_BIN' \$@" \
	'	echo grammar >build/grammars/cache/tree-sitter-x-1.0.0.tgz' \
	>tendsrc/Makefile
(cd tendsrc && git init -q && git add -A && git commit -qm tend) ||
	fail "tend repository"
rev=$(git -C tendsrc rev-parse HEAD)
sys=$(. /etc/os-release && printf '%s-%s' "${ID:-linux}" "${VERSION_ID:-0}")
name=tend-$rev-$sys
sum=$(sha256sum <"$TEND_BIN" | cut -d' ' -f1)
entry=$top/gl-store/tend-main/.tend-cache  # the cache, as the runner keeps it

# The merge request `evil` commits it where the old template looked for a
# cached binary, and as tools/tend.
(cd r && git checkout -q -b evil topic && mkdir -p .tend-cache tools &&
	cp ../planted ".tend-cache/$name" && cp ../planted tools/tend &&
	git add -f .tend-cache tools && git commit -qm evil &&
	git checkout -q topic) || fail "setup of the evil branch"
evil_base=$(git -C r rev-parse topic)

# gl_project DIR BRANCH: a fresh checkout of r at BRANCH, as a runner
# makes one for a merge request pipeline (origin/HEAD is main, the target,
# which `tend review --local` takes as its base).
gl_project() {
	rm -rf "$1" && git clone -q r "$1" && git -C "$1" checkout -q "$2" &&
		git -C "$1" remote set-head origin main || fail "checkout of $2"
	CI_COMMIT_SHA=$(git -C "$1" rev-parse HEAD)
	export CI_COMMIT_SHA
}

# gl RESULT DIR VAR=VALUE...: one tend-review job on a fresh runner whose
# cache is gl-store; the variables stand for project CI/CD variables.
gl() {
	res=$1 proj=$2
	shift 2
	python3 ci.py gl-run "$gl" "$top/$proj" "$top/gl-store" "$res" ci.log \
		TEND_ARGS="--local --no-llm" "$@" || fail "emulator"
}

# builds: how many times the job built tend.
builds() { grep -c '^make build/release/tend$' gl-build.log; }

# A. The merge request commits a binary where the cache keeps tend's,
# on a cold cache: it never runs; tend is built and the review happens.
: >ci.log
: >gl-build.log
gl_project p1 evil
gl gl1.txt p1 TEND_REPO="$top/tendsrc" TEND_REF=main
no_plant
want gl1.txt status 1
want gl1.txt allowed True
codequality p1/gl-code-quality-report.json
[ "$(builds)" = 1 ] || fail "tend was not built"
contains "$(cat ci.log)" "tend: built $name, sha256 $sum"
# The binary that ran is outside the project, and the cache now holds it
# and the build's grammar tarballs, not what the merge request committed.
set -- "$top"/tend-bin.*/tend
[ $# = 1 ] && cmp -s "$1" "$TEND_BIN" || fail "no tend outside the project"
cmp -s "$entry/$name" "$TEND_BIN" || fail "the cache does not hold the build"
[ -f "$entry/tree-sitter-x-1.0.0.tgz" ] || fail "grammar tarballs not cached"

# B. A warm cache and TEND_SHA256 naming the build (in capitals): the
# cached binary runs; nothing is installed or built.
: >ci.log
gl_project p2 topic
gl gl2.txt p2 TEND_REPO="$top/tendsrc" TEND_REF=main \
	TEND_SHA256="$(printf '%s' "$sum" | tr a-f A-F)"
want gl2.txt status 1
codequality p2/gl-code-quality-report.json
contains "$(cat ci.log)" "tend: using the cached $name (sha256 = TEND_SHA256)"
[ "$(builds)" = 1 ] || fail "a cached binary, yet tend was built"
[ "$(grep -c '^install-deps' gl-build.log)" = 1 ] ||
	fail "a cached binary, yet install-deps ran"
[ -z "$(git -C p2 status --porcelain --ignored=no -- .tend-cache)" ] ||
	fail ".tend-cache shows in git status"

# C. A warm cache without TEND_SHA256: nothing vouches for the cache, so
# tend is built again; the grammar tarballs come from the cache.
: >ci.log
gl_project p3 topic
gl gl3.txt p3 TEND_REPO="$top/tendsrc" TEND_REF=main
want gl3.txt status 1
codequality p3/gl-code-quality-report.json
contains "$(cat ci.log)" "not running the cached $name: TEND_SHA256 is not set"
[ "$(builds)" = 2 ] || fail "tend was not built again"
grep -q '^install-deps build (1 tarballs)$' gl-build.log ||
	fail "the cached grammar tarballs did not reach the build"

# D. A poisoned cache (what a merge request's own pipeline can save),
# without TEND_SHA256: never run; built again; the cache is clean after.
cp planted "$entry/$name"
: >ci.log
gl_project p4 topic
gl gl4.txt p4 TEND_REPO="$top/tendsrc" TEND_REF=main
no_plant
want gl4.txt status 1
codequality p4/gl-code-quality-report.json
[ "$(builds)" = 3 ] || fail "tend was not built again"
cmp -s "$entry/$name" "$TEND_BIN" || fail "the poisoned cache was kept"

# E. The same poison with TEND_SHA256 set: its hash differs, so it is
# refused and tend is built.
cp planted "$entry/$name"
: >ci.log
gl_project p5 topic
gl gl5.txt p5 TEND_REPO="$top/tendsrc" TEND_REF=main TEND_SHA256="$sum"
no_plant
want gl5.txt status 1
codequality p5/gl-code-quality-report.json
contains "$(cat ci.log)" "its sha256 is $bad, not TEND_SHA256; building tend"
[ "$(builds)" = 4 ] || fail "tend was not built again"
cmp -s "$entry/$name" "$TEND_BIN" || fail "the poisoned cache was kept"

# F. A prebuilt binary; the fail level from tend's own variable. One in
# the project directory (absolute, relative or through a symlink) or
# whose sha256 is not TEND_SHA256 is refused.
: >ci.log
gl_project p6 evil
ln -s tools p6/t
for bin in "$top/p6/tools/tend" tools/tend "$top/p6/t/tend"; do
	gl gl6.txt p6 TEND_BIN="$bin"
	want gl6.txt status 2
done
contains "$(cat ci.log)" "is inside the project directory"
contains "$(cat ci.log)" "TEND_BIN must be an absolute path"
cp planted planted-bin
gl gl6.txt p6 TEND_BIN="$top/planted-bin" TEND_SHA256="$sum"
want gl6.txt status 2
contains "$(cat ci.log)" "TEND_BIN's sha256 is $bad, not TEND_SHA256"
no_plant
gl gl6.txt p6 TEND_BIN="$TEND_BIN" TEND_SHA256="$sum" \
	TEND_REVIEW_FAIL_LEVEL=none
want gl6.txt status 0
codequality p6/gl-code-quality-report.json

# G. tend is never built from the merge request: not from a path into
# the project, not from a relative path, and not from a commit of the
# merge request reached through another URL (its head, or an earlier
# commit of it).
: >ci.log
gl_project p7 evil
ln -s "$top/p7" p7-link
for repo in "$top/p7" "file://$top/p7" "$top/p7-link" .; do
	gl gl7.txt p7 TEND_REPO="$repo" TEND_REF=main
	want gl7.txt status 2
done
contains "$(cat ci.log)" "is in the project directory"
contains "$(cat ci.log)" "TEND_REPO must be a URL or an absolute path"
git clone -q --mirror r mirror.git || fail "mirror"
for ref in evil "$evil_base"; do
	: >ci.log
	gl gl7.txt p7 TEND_REPO="$top/mirror.git" TEND_REF="$ref"
	want gl7.txt status 2
	contains "$(cat ci.log)" "of the merge request itself"
done
[ "$(builds)" = 4 ] || fail "tend was built from the merge request"
no_plant

# H. The placeholder repository stops the job with a clear message.
: >ci.log
gl_project p8 topic
python3 ci.py gl-run "$gl" "$top/p8" "$top/gl-store" gl8.txt ci.log ||
	fail "emulator"
want gl8.txt status 2
want gl8.txt allowed False
contains "$(cat ci.log)" "set TEND_REPO"
no_plant
exit 0
