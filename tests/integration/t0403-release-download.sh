#!/bin/sh
# t0403-release-download.sh - tend's release download: the installer
# (scripts/install-release.sh), the action's download path (action.yml),
# the GitLab component (templates/tend.yml) and the release pinning
# (scripts/pin-release.sh, scripts/component-sync.sh), against a fake
# release server on 127.0.0.1.
#
# The release: tend-VERSION-linux-ARCH.tar.gz (VERSION from the Makefile,
# ARCH from `uname -m`) whose bin/tend is a small script that logs how it
# was called, and whether any token or model key was in its environment,
# then runs $TEND_BIN. The server (relserver.py, below) serves a directory
# and logs every path asked for. A "tampered" archive of the same name, in
# another directory, holds a planted bin/tend that leaves a mark when run.
#
# 1. The installer: a good checksum installs and prints the binary's path
#    (which runs); a wrong checksum, or a tampered file, is refused with
#    status 20 and leaves nothing executable behind; a machine with no
#    archive (TEND_RELEASE_ARCH), a sums file without the entry, a 404, a
#    server that is down, other sources (-s), or an archive whose tend does
#    not run here give status 10 (build from source) and say why, the
#    first ones without a request; a pinned archive of the wrong layout is
#    an error (1); bad arguments are 2.
# 2. The action and the release workflow: both statically (the download
#    step holds and inherits no secret and runs before any cache or build
#    step, which run only when it says so; the workflow builds both
#    architectures in debian:12, pins every `uses:`, and gives a write
#    token to the publishing job alone); then the action, run by the
#    emulator (tests/lib/ciemu.py, see t0402) in a small stand-in of
#    tend's tree whose Makefile and install-deps.sh log and "build" by
#    copying $TEND_BIN: with the archive pinned and served, it downloads,
#    runs no cache or build step, and tend reviews (exit 1 passes
#    through); the default release URL is the action's repository's
#    GitHub release (GITHUB_SERVER_URL points at the fake server); the
#    download step's environment holds no secret (the archive's tend logs
#    it); a tampered download fails the action with nothing built and
#    nothing run; an unknown architecture, a 404, other sources, no known
#    repository and release-url none build from source instead.
# 3. The component, as GitLab would run its jobs (the emulator interpolates
#    `spec:inputs:`, resolves `extends`, evaluates `rules:`): its structure,
#    its copies of the installer and the checksums in sync; with the
#    checksums pinned, tend-review downloads and reviews outside the
#    project; a tampered download stops the job (exit 2) without building;
#    no archive for the machine builds `tend_repo` (a stand-in) or, without
#    it, stops with exit 2; the placeholder release URL and a commit with
#    no pinned release fall back; the inputs select the jobs.
# 4. pin-release.sh writes scripts/release-sums from a release's SHA256SUMS
#    (the archives of that version only, and the source hash) and the
#    component's copy; a version other than the Makefile's is refused.
# apt-get and sudo are shims that fail the test if called: the host has
# curl and CA certificates, so nothing is installed.
. "$TEND_TESTS/integration/lib.sh"

src=$(cd "$TEND_TESTS/.." && pwd)
top=$PWD
inst=$src/scripts/install-release.sh
python3 -c 'import yaml' 2>/dev/null ||
	fail "python3 cannot import yaml: install python3-yaml"
cp "$TEND_TESTS/lib/ciemu.py" ci.py || fail "no tests/lib/ciemu.py"
version=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$src/Makefile" |
	head -n 1)
[ -n "$version" ] || fail "no VERSION in the Makefile"
arch=$(uname -m)
rel=tend-$version-linux-$arch
arc=$rel.tar.gz

# get FILE KEY / want FILE KEY VALUE: values from ci.py's result files.
get() {
	awk -F '\t' -v k="$2" '$1 == k { print substr($0, length(k) + 2); exit }' "$1"
}
want() {
	got=$(get "$1" "$2")
	[ "$got" = "$3" ] || { cat ci.log >&2; fail "$2 is '$got', want '$3'"; }
}

# apt-get and sudo must not be needed.
mkdir shims
for t in apt-get sudo; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/shims.log"\nexit 100\n' \
		"$t" "$top" >"shims/$t"
	chmod +x "shims/$t"
done
PATH=$top/shims:$PATH
export PATH
no_shims() {
	[ ! -s shims.log ] || fail "apt-get or sudo ran: $(cat shims.log)"
}

# ---- the release and its server ----------------------------------------

# pack DIR TREE: DIR/$arc from TREE (a directory holding $rel/).
pack() {
	mkdir -p "$1" && tar -C "$2" -czf "$1/$arc" "$rel" || fail "pack $1"
}
mkdir -p good/$rel/bin good/$rel/lib good/$rel/LICENSES
cat >good/$rel/bin/tend <<EOF
#!/bin/sh
echo "\$1 secrets=\${GITHUB_TOKEN:+GITHUB_TOKEN}\${GITLAB_TOKEN:+GITLAB_TOKEN}\${CI_JOB_TOKEN:+CI_JOB_TOKEN}\${OPENAI_API_KEY:+OPENAI_API_KEY}" >>"$top/calls.log"
exec "$TEND_BIN" "\$@"
EOF
chmod +x good/$rel/bin/tend
echo "tend $version" >good/$rel/README.md
pack srv/v$version good
pack srv/octo/tend/releases/download/v$version good
sum=$(sha256sum <"srv/v$version/$arc" | cut -c1-64)

# The tampered one: same name, a planted tend.
mkdir -p evil/$rel/bin
printf '#!/bin/sh\necho "planted ran: $*" >>"%s/planted.log"\n' "$top" \
	>evil/$rel/bin/tend
chmod +x evil/$rel/bin/tend
pack srv/evil/v$version evil
no_plant() {
	[ ! -e planted.log ] || fail "the tampered tend ran: $(cat planted.log)"
}

# A pinned archive whose tend does not run here, and one with a file
# outside its top directory.
mkdir -p broken/$rel/bin
printf '#!/bin/sh\necho "version GLIBC_9.99 not found" >&2\nexit 127\n' \
	>broken/$rel/bin/tend
chmod +x broken/$rel/bin/tend
pack srv/broken/v$version broken
mkdir -p spill/$rel/bin
cp good/$rel/bin/tend spill/$rel/bin/
echo x >spill/stray
(cd spill && tar -czf "$top/spill.tar.gz" "$rel" stray) || fail "pack spill"
mkdir -p srv/spill/v$version && mv spill.tar.gz "srv/spill/v$version/$arc"

# sums FILE [SOURCE] LINE...: a sums file with a header comment.
sums() {
	f=$1 s=$2
	shift 2
	{
		echo "# test sums"
		echo "# version $version"
		[ -z "$s" ] || echo "# source $s"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}
sums sums.good "" "$sum  $arc"
other=$(printf '%064d' 7)
sums sums.bad "" "$other  $arc"
sums sums.other "" "$sum  tend-$version-linux-riscv64.tar.gz"
sums sums.src aaaa "$sum  $arc"
sums sums.broken "" \
	"$(sha256sum <"srv/broken/v$version/$arc" | cut -c1-64)  $arc"
sums sums.spill "" \
	"$(sha256sum <"srv/spill/v$version/$arc" | cut -c1-64)  $arc"

cat >relserver.py <<'PY'
"""Serves --root on 127.0.0.1 (GET and HEAD), logging each path to --log."""
import argparse, functools, http.server, os, sys, threading, time
ap = argparse.ArgumentParser()
ap.add_argument("--root", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--port-file", required=True)
ap.add_argument("--timeout", type=float, default=300)
ap.add_argument("--watch-parent", action="store_true")
a = ap.parse_args()


class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def send_head(self):
        with open(a.log, "a") as f:
            f.write(self.path + "\n")
        return super().send_head()


srv = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(H, directory=a.root))
with open(a.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(a.port_file + ".tmp", a.port_file)
parent = os.getppid()


def watch():
    end = time.time() + a.timeout
    while time.time() < end:
        if a.watch_parent and os.getppid() != parent:
            break
        time.sleep(0.2)
    os._exit(0)


threading.Thread(target=watch, daemon=True).start()
srv.serve_forever()
PY
: >rel.log
start_bg relsrv python3 relserver.py --root srv --log rel.log
trap 'kill $relsrv_pid 2>/dev/null' EXIT
base=http://127.0.0.1:$relsrv_port
requests() { wc -l <rel.log | tr -d ' '; }

# ---- 1. the installer ---------------------------------------------------

# executables DIR: the executable files under DIR.
executables() { find "$1" -type f -perm -u+x 2>/dev/null; }

expect_rc 0 sh "$inst" "$version" "$base/v$version" sums.good d1
[ "$out" = "$top/d1/$rel/bin/tend" ] || fail "printed '$out'"
contains "$err" "using the release archive $arc (sha256 $sum)"
contains "$("$out" version)" "tend $version"
[ -d "d1/$rel/lib" ] && [ -f "d1/$rel/README.md" ] || fail "layout"
[ -z "$(ls -A d1 | grep -v "^$rel\$")" ] || fail "left over: $(ls -A d1)"
# Again, over the first: the same.
expect_rc 0 sh "$inst" "$version" "$base/v$version/" sums.good d1

# A wrong pinned checksum: refused, and the earlier install is gone too.
expect_rc 20 sh "$inst" "$version" "$base/v$version" sums.bad d1
contains "$err" "checksum mismatch"
contains "$err" "its sha256 is $sum"
contains "$err" "not building from source"
[ -z "$(executables d1)" ] || fail "left executable: $(executables d1)"
[ -z "$(ls -A d1)" ] || fail "left over: $(ls -A d1)"
# A tampered file on the server: the same, and it never runs.
expect_rc 20 sh "$inst" "$version" "$base/evil/v$version" sums.good d2
contains "$err" "checksum mismatch"
[ -z "$(executables d2)" ] || fail "left executable: $(executables d2)"
no_plant

# No archive for this machine, or none pinned: build, and ask nobody.
n=$(requests)
TEND_RELEASE_ARCH=riscv64 expect_rc 10 sh "$inst" "$version" \
	"$base/v$version" sums.good d3
contains "$err" "no pinned checksum for tend-$version-linux-riscv64.tar.gz"
contains "$err" "building tend from source instead"
[ -z "$out" ] || fail "printed '$out' on fallback"
expect_rc 10 sh "$inst" "$version" "$base/v$version" sums.other d3
contains "$err" "no pinned checksum for $arc"
expect_rc 10 sh "$inst" "$version" "$base/v$version" nonexistent d3
contains "$err" "no pinned checksums file"
expect_rc 10 sh "$inst" -s bbbb "$version" "$base/v$version" sums.src d3
contains "$err" "not the ones release $version was built from"
expect_rc 10 sh "$inst" -s bbbb "$version" "$base/v$version" sums.good d3
contains "$err" "does not say which sources"
expect_rc 10 sh "$inst" "$version" "" sums.good d3
contains "$err" "no release URL"
[ "$(requests)" = "$n" ] ||
	fail "a request before the checks: $(tail -n 3 rel.log)"
expect_rc 0 sh "$inst" -s aaaa "$version" "$base/v$version" sums.src d3

# A 404, a server that is down: build.
expect_rc 10 sh "$inst" "$version" "$base/v9.9.9" sums.good d4
contains "$err" "HTTP 404"
contains "$err" "building tend from source instead"
[ -z "$(executables d4)" ] || fail "left executable: $(executables d4)"
expect_rc 10 sh "$inst" "$version" "http://127.0.0.1:1/v$version" \
	sums.good d4
contains "$err" "could not download"

# A pinned archive whose tend does not run here: build.
expect_rc 10 sh "$inst" "$version" "$base/broken/v$version" sums.broken d5
contains "$err" "does not run on this machine"
[ -z "$(executables d5)" ] || fail "left executable: $(executables d5)"
# A pinned archive that spills out of its directory: an error.
expect_rc 1 sh "$inst" "$version" "$base/spill/v$version" sums.spill d6
contains "$err" "outside $rel/"
[ ! -e d6/stray ] && [ -z "$(executables d6)" ] || fail "spilled"

# Usage.
expect_rc 2 sh "$inst" "../$version" "$base" sums.good d7
expect_rc 2 sh "$inst" "$version" "ftp://x/" sums.good d7
expect_rc 2 sh "$inst" "$version" "$base"

# ---- 2. the action ------------------------------------------------------

python3 ci.py gh-check "$src" || fail "action.yml structure"
python3 ci.py gh-check-workflow "$src/.github/workflows/release.yml" ||
	fail "release.yml structure"

# The action's directory: action.yml and the scripts it runs, with a
# Makefile and install-deps.sh that log and "build" by copying $TEND_BIN.
act=$top/action
mkdir -p "$act/scripts"
cp "$src/action.yml" "$act/" &&
	cp "$src/scripts/install-release.sh" "$src/scripts/source-hash.sh" \
		"$act/scripts/" || fail "action copy"
printf '%s\n' "VERSION := $version" '' 'build/release/tend:' \
	"	echo 'make \$@' >>'$top/build.log'" \
	'	mkdir -p build/release' \
	"	cp '$TEND_BIN' \$@" >"$act/Makefile"
printf 'echo "install-deps $*" >>"%s/build.log"\n' "$top" \
	>"$act/scripts/install-deps.sh"
source_hash=$(cd "$act" && sh scripts/source-hash.sh)
sums "$act/scripts/release-sums" "$source_hash" "$sum  $arc"

# The repository under review: a merge-conflict marker on topic.
new_repo r
(cd r && git checkout -q -b topic &&
	printf 'int x;\n<<<<<<< HEAD\n' >a.c &&
	git add a.c && git commit -qm topic) || fail "setup"
unset GITHUB_EVENT_NAME GITHUB_EVENT_PATH GITHUB_REPOSITORY GITHUB_REF
export GITHUB_SERVER_URL=http://127.0.0.1:9 GITHUB_API_URL=http://127.0.0.1:9
export RUNNER_TEMP="$top/runner-temp" OPENAI_API_KEY=sk-t0403-not-a-key
mkdir -p "$RUNNER_TEMP"

# gh RESULT INPUT=VALUE...: one run of the action on a fresh runner.
gh() {
	res=$1
	shift
	rm -rf "$act/build" store
	: >build.log
	: >calls.log
	: >ci.log
	python3 ci.py gh-run "$act" "$top/r" "$top/store" "$res" ci.log \
		args="--local --no-llm" "$@" || fail "emulator"
}
downloaded() { # RESULT: the run used the archive; nothing was built
	want "$1" steps.1 '["download", "success"]'
	want "$1" step_outputs.download.tend "$act/build/dist/$rel/bin/tend"
	want "$1" steps.2 '["cache", "skipped"]'
	want "$1" steps.3 '["build", "skipped"]'
	want "$1" steps.4 '["__4", "skipped"]'
	want "$1" path '["'"$act/build/dist/$rel/bin"'"]'
	[ ! -s build.log ] || fail "built: $(cat build.log)"
	grep -q '^version secrets=$' calls.log ||
		fail "the download step's tend: $(cat calls.log)"
	grep -q '^review ' calls.log || fail "the archive's tend did not review"
}
built() { # RESULT: the run built tend from source
	want "$1" step_outputs.download.build true
	want "$1" steps.3 '["build", "success"]'
	grep -q '^make build/release/tend$' build.log || fail "not built"
	want "$1" path '["'"$act"'/build/release"]'
	want "$1" outputs.exit-code 1
}

# A. Pinned, served, the same sources: the archive's tend reviews.
gh gha1.txt release-url="$base/v$version"
want gha1.txt status 1
want gha1.txt outputs.exit-code 1
downloaded gha1.txt
contains "$(cat ci.log)" "using the release archive $arc"
contains "$(cat ci.log)" "merge-conflict-marker"

# B. The default URL: the action's repository's release on
# $GITHUB_SERVER_URL.
GITHUB_SERVER_URL=$base gh gha2.txt
want gha2.txt status 1
downloaded gha2.txt
grep -q "^/octo/tend/releases/download/v$version/$arc\$" rel.log ||
	fail "the default URL was not asked: $(tail -n 3 rel.log)"

# C. Tampered: the action fails at the download; nothing built or run.
gh gha3.txt release-url="$base/evil/v$version"
want gha3.txt status 20
want gha3.txt steps.1 '["download", "failure"]'
want gha3.txt outputs.exit-code ""
[ "$(get gha3.txt steps.2)" = "" ] || fail "a step ran after the refusal"
[ ! -s build.log ] || fail "built after a refusal: $(cat build.log)"
contains "$(cat ci.log)" "does not match the checksum pinned in the action"
no_plant

# D. No archive for this machine: build from source, with the cache.
TEND_RELEASE_ARCH=riscv64 gh gha4.txt release-url="$base/v$version"
want gha4.txt status 1
built gha4.txt
contains "$(cat ci.log)" "no pinned checksum for tend-$version-linux-riscv64"
want gha4.txt steps.4.1 success  # the build was saved to the cache

# E. A 404: build.
gh gha5.txt release-url="$base/v9.9.9"
built gha5.txt
contains "$(cat ci.log)" "HTTP 404"

# F. The action's sources are not the release's: build, ask nobody.
echo '# changed' >>"$act/Makefile"
n=$(requests)
gh gha6.txt release-url="$base/v$version"
built gha6.txt
contains "$(cat ci.log)" "not the ones release $version was built from"
[ "$(requests)" = "$n" ] || fail "downloaded for other sources"
sed -i '$d' "$act/Makefile"

# G. release-url none, or no URL at all: build.
gh gha7.txt release-url=none
built gha7.txt
contains "$(cat ci.log)" "release-url is none"
CIEMU_ACTION_REPOSITORY="" gh gha8.txt
built gha8.txt
contains "$(cat ci.log)" "the action's repository is not known"
[ "$(requests)" = "$n" ] || fail "a request without a release URL"
no_shims
unset OPENAI_API_KEY

# ---- 3. the GitLab component -------------------------------------------

comp=$src/templates/tend.yml
python3 ci.py gl-check-component "$comp" "$src" || fail "component structure"
(cd "$src" && sh scripts/component-sync.sh -c) ||
	fail "templates/tend.yml is not in sync with the scripts"

# Which jobs a pipeline gets.
jobs() { # RESULT PIPELINE_SOURCE ARGS...
	r=$1 ps=$2
	shift 2
	CI_PIPELINE_SOURCE=$ps python3 ci.py gl-jobs "$comp" "$r" "$@" ||
		fail "emulator"
}
jobs j1.txt merge_request_event
want j1.txt jobs.tend-review on_success
want j1.txt jobs.tend-fix never
jobs j2.txt merge_request_event input:review=false input:fix=true
want j2.txt jobs.tend-review never
want j2.txt jobs.tend-fix on_failure
jobs j3.txt schedule TEND_TASKS=true
want j3.txt jobs.tend-tasks on_success
want j3.txt jobs.tend-inbox never
want j3.txt jobs.tend-review never
jobs j4.txt schedule TEND_INBOX=true
want j4.txt jobs.tend-inbox on_success
want j4.txt jobs.tend-tasks never

# The component with this test's release pinned, as pin-release.sh and
# component-sync.sh would write it.
sums csums "" "$sum  $arc"
cp "$comp" comp.yml
sh "$src/scripts/component-sync.sh" comp.yml "$inst" csums >/dev/null ||
	fail "component-sync.sh"
heredoc_sums=$(sed -n "/<<'TEND_RELEASE_SUMS'\$/,/^ *TEND_RELEASE_SUMS\$/p" \
	comp.yml)
contains "$heredoc_sums" "$sum  $arc"

# tend's repository for the fallback: a stand-in whose build logs and
# copies $TEND_BIN, tagged v$version.
mkdir -p tendsrc/scripts
cp "$act/Makefile" tendsrc/Makefile
cp "$act/scripts/install-deps.sh" tendsrc/scripts/
(cd tendsrc && git init -q && git add -A && git commit -qm tend &&
	git tag "v$version") || fail "tend repository"

export CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_IID=1
export CI_PROJECT_PATH=octo/app CI_API_V4_URL=http://127.0.0.1:9/api/v4
export CI_SERVER_URL=http://127.0.0.1:9 GITLAB_TOKEN=glpat-t0403-not-a-token
unset GITHUB_SERVER_URL GITHUB_API_URL RUNNER_TEMP

# gl RESULT COMPONENT JOB ARGS...: one job in a fresh clone of r at topic.
gl() {
	res=$1 c=$2 job=$3
	shift 3
	rm -rf p tend-bin.*
	git clone -q r p && git -C p checkout -q topic &&
		git -C p remote set-head origin main || fail "checkout"
	CI_COMMIT_SHA=$(git -C p rev-parse HEAD)
	export CI_COMMIT_SHA
	: >build.log
	: >calls.log
	: >ci.log
	python3 ci.py gl-run-component "$c" "$job" "$top/p" "$res" ci.log \
		input:args="--local --no-llm" "$@" || fail "emulator"
}

# H. Pinned and served: downloaded outside the project; the review runs.
gl gl1.txt comp.yml tend-review input:release_url="$base/v$version"
want gl1.txt status 1
want gl1.txt allowed True
[ -s p/gl-code-quality-report.json ] || fail "no Code Quality report"
set -- "$top"/tend-bin.*/"$rel"/bin/tend
[ -x "$1" ] || fail "no tend outside the project: $(ls "$top")"
[ ! -s build.log ] || fail "built: $(cat build.log)"
grep -q '^version secrets=$' calls.log ||
	fail "the download ran with secrets: $(cat calls.log)"
grep -q '^review secrets=GITLAB_TOKEN$' calls.log ||
	fail "the review did not get GITLAB_TOKEN: $(cat calls.log)"
contains "$(cat ci.log)" "using the release archive $arc"

# I. fail_level from the input.
gl gl2.txt comp.yml tend-review input:release_url="$base/v$version" \
	input:fail_level=none
want gl2.txt status 0

# J. Tampered: exit 2, never run, nothing built, even with tend_repo.
gl gl3.txt comp.yml tend-review input:release_url="$base/evil/v$version" \
	input:tend_repo="$top/tendsrc"
want gl3.txt status 2
want gl3.txt allowed False
contains "$(cat ci.log)" "does not match the checksum this component pins"
[ ! -s build.log ] || fail "built after a refusal: $(cat build.log)"
no_plant

# K. No archive for this machine: tend_repo at v$version is built.
TEND_RELEASE_ARCH=riscv64 gl gl4.txt comp.yml tend-review \
	input:release_url="$base/v$version" input:tend_repo="$top/tendsrc"
want gl4.txt status 1
contains "$(cat ci.log)" "no pinned checksum for tend-$version-linux-riscv64"
contains "$(cat ci.log)" "tend: built v$version"
grep -q '^make build/release/tend$' build.log || fail "not built"
[ -s p/gl-code-quality-report.json ] || fail "no Code Quality report"
# ... and without tend_repo the job stops and says so.
TEND_RELEASE_ARCH=riscv64 gl gl5.txt comp.yml tend-review \
	input:release_url="$base/v$version"
want gl5.txt status 2
contains "$(cat ci.log)" "tend_repo is empty"
# tend_repo inside the project is refused.
gl gl6.txt comp.yml tend-review input:release_url="$base/v9.9.9" \
	input:tend_repo="$top/p"
want gl6.txt status 2
contains "$(cat ci.log)" "is in the project directory"
[ ! -s build.log ] || fail "built from the project: $(cat build.log)"

# L. The default release URL is a placeholder until the component is
# published; a commit with no pinned release builds.
gl gl7.txt comp.yml tend-review input:tend_repo="$top/tendsrc"
want gl7.txt status 1
contains "$(cat ci.log)" "the default release_url is a placeholder"
grep -q '^make build/release/tend$' build.log || fail "not built"
cp "$comp" nopin.yml
sums nosums ""
sed -i '/^# version /d' nosums
sh "$src/scripts/component-sync.sh" nopin.yml "$inst" nosums >/dev/null ||
	fail "component-sync.sh"
n=$(requests)
gl gl8.txt nopin.yml tend-review input:release_url="$base/v$version" \
	input:tend_repo="$top/tendsrc"
want gl8.txt status 2
contains "$(cat ci.log)" "pins no release checksums"
contains "$(cat ci.log)" "set the input tend_ref"
gl gl8.txt nopin.yml tend-review input:release_url="$base/v$version" \
	input:tend_repo="$top/tendsrc" input:tend_ref="v$version"
want gl8.txt status 1
[ "$(requests)" = "$n" ] || fail "downloaded with nothing pinned"

# M. tend-tasks and tend-inbox get, check and run the same way.
CI_PIPELINE_SOURCE=schedule TEND_INBOX=true gl gl9.txt comp.yml \
	tend-inbox input:release_url="$base/v$version" input:args="--help"
grep -q '^inbox ' calls.log || fail "tend-inbox did not run tend inbox"
no_shims
no_plant

# ---- 4. pin-release.sh --------------------------------------------------

mkdir -p pin/scripts pin/templates
cp "$src/Makefile" pin/ &&
	cp "$src/scripts/"*.sh "$src/scripts/release-sums" pin/scripts/ &&
	cp "$comp" pin/templates/ || fail "pin tree"
{
	echo "$sum  $arc"
	echo "$other  tend-$version-linux-riscv64.tar.gz"
	echo "$other  tend_${version}_amd64.deb"
	echo "$other  tend-0.0.1-linux-x86_64.tar.gz"
} >SHA256SUMS
(cd pin && sh scripts/pin-release.sh "$version" ../SHA256SUMS) >pin.out ||
	fail "pin-release.sh: $(cat pin.out)"
pinned=$(grep -v '^#' pin/scripts/release-sums)
[ "$pinned" = "$(printf '%s  %s\n' "$other" \
	"tend-$version-linux-riscv64.tar.gz" "$sum" "$arc" |
	LC_ALL=C sort -k 2)" ] || fail "pinned: $pinned"
grep -qx "# version $version" pin/scripts/release-sums || fail "no version"
grep -qx "# source $(cd pin && sh scripts/source-hash.sh)" \
	pin/scripts/release-sums || fail "no source hash"
grep -q '^# release-sums - ' pin/scripts/release-sums || fail "header lost"
(cd pin && sh scripts/component-sync.sh -c) || fail "component not synced"
python3 ci.py gl-check-component pin/templates/tend.yml pin ||
	fail "the pinned component"
# Pinned twice: the same file.
cp pin/scripts/release-sums once
(cd pin && sh scripts/pin-release.sh "$version" ../SHA256SUMS) >/dev/null ||
	fail "pin-release.sh again"
cmp -s once pin/scripts/release-sums || fail "a second pin changed the file"
# The action in that tree would use the archive: its sources hash the same.
expect_rc 0 sh pin/scripts/install-release.sh \
	-s "$(cd pin && sh scripts/source-hash.sh)" "$version" \
	"$base/v$version" pin/scripts/release-sums d8
# Not the Makefile's version, or no archive of it: refused.
(cd pin && expect_rc 2 sh scripts/pin-release.sh 9.9.9 ../SHA256SUMS &&
	contains "$err" "not the Makefile's") || exit 1
echo "$sum  tend_${version}_amd64.deb" >debonly
(cd pin && expect_rc 2 sh scripts/pin-release.sh "$version" ../debonly &&
	contains "$err" "names no tend-$version-linux-") || exit 1
cmp -s once pin/scripts/release-sums || fail "a refused pin changed the file"
exit 0
