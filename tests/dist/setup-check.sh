#!/bin/sh
# setup-check.sh - `make setup-check`: the README's set-up from source on a
# fresh Debian 12 minbase root, as a newcomer runs it, so that a missing
# install step cannot hide behind what this machine already has.
#
#   sh tests/dist/setup-check.sh
#
# A copy of the root (tests/dist/lib.sh) gets a clone of this checkout's
# HEAD (committed work only) at /src; inside, as root, it runs the README's
# lines: `apt-get update && apt-get install -y git make`, then `make demo`
# and `make test`. The demo must print its findings and the suite must
# pass whole. Needs root, Debian's package archive and the npm registry;
# takes as long as the suite on this machine plus the installs (about half
# an hour on two cores). TEND_DIST_KEEP=1 keeps the root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

[ $# -eq 0 ] || dist_fail "usage: tests/dist/setup-check.sh"
[ "$(id -u)" = 0 ] || dist_fail "needs root (unshare, pivot_root, apt-get in the root)"
command -v git >/dev/null 2>&1 || dist_fail "needs git to clone the checkout"

work=$(mktemp -d /var/tmp/tend-setup-check.XXXXXX)
cleanup() {
	if [ "${TEND_DIST_KEEP:-}" = 1 ]; then
		echo "root kept in $work/root"
	else
		dist_rm_root "$work/root" && rm -rf "$work"
	fi
}
trap cleanup EXIT

r=$work/root
echo "== fresh Debian 12 root in $r"
dist_new_root "$r"
git clone -q "$src" "$r/src" || dist_fail "cannot clone $src"
echo "== /src at $(git -C "$r/src" rev-parse --short HEAD)"
cat >"$r/setup.sh" <<'EOS'
#!/bin/sh
# The README's "From source", line by line.
set -u
cd /src
apt-get update -qq >/tmp/apt.log 2>&1 &&
	apt-get install -y -qq git make >>/tmp/apt.log 2>&1 || {
	tail -20 /tmp/apt.log
	echo "not ok - apt-get install git make"
	exit 1
}
# The workplace's TLS interception CA, copied in by lib.sh, is trusted
# once ca-certificates (pulled in by the build's packages) is there; on an
# ordinary network this changes nothing.
if make demo >/tmp/demo.log 2>&1; then
	echo "ok - make demo"
else
	tail -30 /tmp/demo.log
	echo "not ok - make demo"
	exit 1
fi
grep -q "findings: " /tmp/demo.log || {
	tail -30 /tmp/demo.log
	echo "not ok - make demo printed no findings"
	exit 1
}
make test >/tmp/test.log 2>&1
rc=$?
grep "^not ok" /tmp/test.log
tail -3 /tmp/test.log
[ $rc -eq 0 ] && echo "ok - make test" || echo "not ok - make test (exit $rc)"
exit $rc
EOS
if dist_in_root "$r" /bin/sh /setup.sh; then
	echo "setup-check: the README's set-up passes on a fresh Debian 12"
	exit 0
fi
echo "setup-check: FAILED"
exit 1
