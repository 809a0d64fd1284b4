#!/bin/sh
# check.sh - `make dist-check`: the release archive and the .deb, each
# installed on a fresh Debian 12 minbase root that has no -dev package,
# run for real.
#
#   sh tests/dist/check.sh VERSION
#
# Takes dist/tend-VERSION-linux-ARCH.tar.gz, dist/tend_VERSION_ARCH.deb and
# dist/SHA256SUMS as `make dist` left them, checks the sums, then in two
# separate copies of the root (tests/dist/lib.sh) runs tests/dist/inroot.sh:
# the archive extracted and run by a user who is not root, and the package
# installed with apt-get. Each runs `tend version`, `tend review --local`
# on the sample repository of `make demo` and `tend test` (see inroot.sh).
# Needs root and Debian's package archive (apt-get inside the roots); takes
# a few minutes. TEND_DIST_KEEP=1 keeps the roots for a look afterwards.
# Exits 0 when every check passed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

[ $# -eq 1 ] || dist_fail "usage: tests/dist/check.sh VERSION"
version=$1
[ "$(id -u)" = 0 ] || dist_fail "needs root (unshare, pivot_root, apt-get in the roots)"
archive=tend-$version-linux-$(uname -m).tar.gz
deb=tend_${version}_$(dpkg --print-architecture).deb
for f in "$archive" "$deb" SHA256SUMS; do
	[ -f "$src/dist/$f" ] || dist_fail "no dist/$f (run make dist)"
done
(cd "$src/dist" && sha256sum --quiet -c SHA256SUMS) ||
	dist_fail "dist/SHA256SUMS does not match dist/"
echo "ok - dist/SHA256SUMS matches $archive and $deb"

work=$(mktemp -d /var/tmp/tend-dist-check.XXXXXX)
cleanup() {
	if [ "${TEND_DIST_KEEP:-}" = 1 ]; then
		echo "roots kept in $work"
	else
		dist_rm_root "$work/archive" && dist_rm_root "$work/deb" &&
			rm -rf "$work"
	fi
}
trap cleanup EXIT

failed=""
for kind in archive deb; do
	r=$work/$kind
	echo "== $kind: fresh Debian 12 root in $r"
	dist_new_root "$r"
	mkdir -p "$r/check"
	file=$archive
	[ $kind = deb ] && file=$deb
	cp "$src/dist/$file" "$src/tests/demo.sh" "$here/inroot.sh" "$r/check/"
	chmod -R a+rX "$r/check"
	if ! dist_in_root "$r" /bin/sh /check/inroot.sh "$kind" "$version" \
		"$file"; then
		failed="$failed $kind"
	fi
done

if [ -n "$failed" ]; then
	echo "dist-check: FAILED:$failed"
	exit 1
fi
echo "dist-check: the archive and the .deb both pass on a fresh Debian 12"
