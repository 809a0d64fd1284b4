#!/bin/sh
# deb.sh - the Debian package: tend in /usr/bin, Debian's libraries as
# dependencies.
#
#   scripts/deb.sh BINARY VERSION
#
# BINARY is the plain release build (build/release/tend: no RPATH; the
# libraries are the system's). Writes dist/tend_VERSION_ARCH.deb, ARCH
# being dpkg's name for this machine (amd64, arm64), holding
#
#   /usr/bin/tend                      BINARY, stripped
#   /usr/share/doc/tend/copyright      tend, and the licences of the
#                                      grammars compiled into it
#   /usr/share/doc/tend/README.md.gz
#   /usr/share/doc/tend/changelog.gz   one entry pointing at the README's
#                                      "Changelog"
#
# then rewrites dist/SHA256SUMS. Depends: is what dpkg-shlibdeps derives
# from the libraries BINARY links (package and minimum version, from the
# installed packages' symbols files), plus bubblewrap 0.8 or later, which
# `tend test`, `tend fix`, `tend tasks` and the linters of `tend review`
# run in. git is recommended: tend itself reads repositories through
# libgit2, but the checkout it reviews comes from git. Build on the oldest
# release the package should install on: the minimum versions are those of
# the build machine's libraries where their symbols files say no better.
prog=deb.sh
# shellcheck source=scripts/dist-lib.sh
. "$(dirname "$0")/dist-lib.sh"

[ $# -eq 2 ] || die "usage: scripts/deb.sh BINARY VERSION"
bin=$1 version=$2
[ -x "$bin" ] || die "no executable '$bin'"
maintainer=${TEND_MAINTAINER:-tend developers <dev@tend.invalid>}

command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is missing: build on Debian or Ubuntu"
# dpkg-shlibdeps is in dpkg-dev, which only this script needs.
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "$prog: installing dpkg-dev (for dpkg-shlibdeps)" >&2
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends dpkg-dev >/tmp/tend-deb-apt.log 2>&1
		then
			tail -20 /tmp/tend-deb-apt.log >&2
			die "apt-get install dpkg-dev failed"
		fi
	else
		die "dpkg-shlibdeps is missing; run: sudo apt-get install -y dpkg-dev"
	fi
fi

readelf -d "$bin" | grep -q -E 'RPATH|RUNPATH' &&
	die "'$bin' has an RPATH; the package takes the plain release build"

arch=$(dpkg --print-architecture)
pkgdir=$root/build/deb/tend_${version}_$arch
rm -rf "$root/build/deb"
mkdir -p "$pkgdir/DEBIAN" "$pkgdir/usr/bin" "$pkgdir/usr/share/doc/tend" \
	"$root/dist"
strip_to "$bin" "$pkgdir/usr/bin/tend"
chmod 755 "$pkgdir/usr/bin/tend"
gzip -n -9 <"$root/README.md" >"$pkgdir/usr/share/doc/tend/README.md.gz"
{
	printf 'tend (%s) unstable; urgency=medium\n\n' "$version"
	printf '  * tend %s: see README.md.gz, section "Changelog".\n\n' \
		"$version"
	printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$epoch")"
} | gzip -n -9 >"$pkgdir/usr/share/doc/tend/changelog.gz"

# dpkg-shlibdeps wants a debian/control to read; it prints
# "shlibs:Depends=libc6 (>= 2.34), libgit2-1.5 (>= 1.5.0), ...".
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian"
printf 'Source: tend\n\nPackage: tend\nArchitecture: any\n' \
	>"$work/debian/control"
shlibs=$(cd "$work" &&
	dpkg-shlibdeps -O --warnings=0 -e"$pkgdir/usr/bin/tend") ||
	die "dpkg-shlibdeps failed"
depends=$(echo "$shlibs" | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies"
# libcurl is opened at run time (common/http.c), so dpkg-shlibdeps does
# not see it: its package's own shlibs entry says what to depend on.
# It is looked for where tend's libc is: the machine's own architecture.
libdir=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$bin" |
	awk '$1 == "libc.so.6" { sub(/\/[^\/]*$/, "", $3); print $3 }')
curl=$libdir/libcurl.so.4
[ -n "$libdir" ] && [ -e "$curl" ] ||
	die "no libcurl.so.4 beside tend's libc in '$libdir' (install libcurl4)"
curl_pkg=$(dpkg-query -S "$(readlink -f "$curl")" 2>/dev/null | head -1 |
	sed 's/:.*//')
[ -n "$curl_pkg" ] || die "no Debian package owns '$curl'"
shlibs_file=$(dpkg-query --control-path "$curl_pkg" shlibs 2>/dev/null) ||
	shlibs_file=
curl_dep=
[ -n "$shlibs_file" ] && curl_dep=$(awk '$1 == "libcurl" && $2 == "4" {
	$1 = $2 = ""; sub(/^ +/, ""); print; exit }' "$shlibs_file")
depends="$depends, ${curl_dep:-$curl_pkg}, bubblewrap (>= 0.8.0)"

# The copyright file: tend, then the grammars compiled into the binary
# (the Debian libraries it links are packages of their own).
mkdir "$work/lic"
grammar_licenses "$work/lic"
{
	cat <<'EOF'
tend - code review, tests and agents inside your own CI

tend: Copyright the tend authors. The tend source carries no licence
statement of its own yet.

/usr/bin/tend also contains the tree-sitter library and grammars below,
compiled from the C sources of their npm packages (pinned by version and
sha512 in tend's scripts/grammars.lock). Their licences follow.
EOF
	for f in "$work/lic"/npm-*; do
		printf '\n-- %s --\n\n' "${f##*/npm-}"
		cat "$f"
	done
} >"$pkgdir/usr/share/doc/tend/copyright"

size=$(du -sk --apparent-size "$pkgdir/usr" | cut -f1)
cat >"$pkgdir/DEBIAN/control" <<EOF
Package: tend
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Recommends: git
Section: devel
Priority: optional
Description: code review, tests and agents inside your own CI
 tend reviews pull and merge requests on GitHub and GitLab with static
 checks (rule packs for hygiene, secrets and risky calls, tree-sitter
 structural rules, your linters) and, with a model key, a reviewer agent.
 It runs a project's tests in a bubblewrap sandbox (tend test), fixes
 failing ones (tend fix), carries labelled issues to draft pull requests
 (tend tasks) and answers questions about the code (tend ask).
EOF

(cd "$pkgdir" && find usr -type f | LC_ALL=C sort | xargs md5sum) \
	>"$pkgdir/DEBIAN/md5sums"
find "$pkgdir" -type d -exec chmod 755 {} +
chmod 644 "$pkgdir/DEBIAN/control" "$pkgdir/DEBIAN/md5sums"
find "$pkgdir" -exec touch -h -d "@$epoch" {} +
out=$root/dist/tend_${version}_$arch.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build \
	"$pkgdir" "$out.tmp" >/dev/null || die "dpkg-deb --build failed"
mv -f "$out.tmp" "$out"

echo "$prog: dist/${out##*/}, $(wc -c <"$out") bytes"
dpkg-deb -f "$out" Depends Recommends | sed 's/^/  /'
write_sums "$version"
