#!/bin/sh
# dist.sh - the release archive: tend and the shared libraries it needs.
#
#   scripts/dist.sh BINARY VERSION
#
# BINARY is tend linked with DT_RPATH $ORIGIN/../lib (`make dist` links
# build/dist/tend so). Writes dist/tend-VERSION-linux-ARCH.tar.gz, ARCH
# being `uname -m`, holding one directory tend-VERSION-linux-ARCH/ with
#
#   bin/tend             BINARY, stripped
#   lib/SONAME           each shared library ldd resolves for tend and for
#                        libcurl (opened at run time), except glibc's
#   LICENSES/PACKAGE     /usr/share/doc/PACKAGE/copyright of the Debian
#                        package of each library in lib/
#   LICENSES/npm-PACKAGE the licence of each tree-sitter grammar compiled
#                        into tend (scripts/grammars.lock)
#   README.md
#
# then rewrites dist/SHA256SUMS. The archive is packed the same way on
# every run: names sorted, owner 0, every time stamp the commit's, gzip
# without a name or time.
#
# Which libraries: all but glibc's (the files of Debian's libc6 package:
# libc, libm, libresolv, the loader, ...), which every Linux system has
# and which must match the loader the system runs. Everything else comes
# along, also the libraries a minbase Debian 12 already has (zlib, PCRE2,
# GnuTLS, libunistring, ...): Ubuntu's versions of them differ (24.04 has
# libunistring.so.5 where Debian 12's libidn2 and libpsl need .so.2, and
# 22.04 has older releases of the rest), and one library from here next
# to its neighbours from there is how such an archive breaks. The price is
# a larger archive; what it needs from the system is only glibc, at the
# version this script prints. Every file comes from an installed Debian
# package; a library that dpkg cannot name stops the build.
prog=dist.sh
# shellcheck source=scripts/dist-lib.sh
. "$(dirname "$0")/dist-lib.sh"

[ $# -eq 2 ] || die "usage: scripts/dist.sh BINARY VERSION"
bin=$1 version=$2
[ -x "$bin" ] || die "no executable '$bin'"
for cmd in ldd dpkg-query readelf objdump strip sha256sum; do
	command -v "$cmd" >/dev/null 2>&1 ||
		die "'$cmd' is missing (Debian: binutils, dpkg, libc-bin)"
done

# The binary must find lib/ next to bin/ by itself: no wrapper sets
# LD_LIBRARY_PATH, which tend's children (the sandboxed tests) would
# inherit.
dyn=$(readelf -d "$bin")
echo "$dyn" | grep -q 'RUNPATH' &&
	die "'$bin' has a RUNPATH; link it with -Wl,--disable-new-dtags"
echo "$dyn" | grep -q 'Library rpath: \[\$ORIGIN/../lib\]' ||
	die "'$bin' lacks the RPATH \$ORIGIN/../lib (build it with make dist)"

arch=$(uname -m)
name=tend-$version-linux-$arch
stage=$root/build/dist/stage
dir=$stage/$name
rm -rf "$stage"
mkdir -p "$dir/bin" "$dir/lib" "$dir/LICENSES" "$root/dist"

strip_to "$bin" "$dir/bin/tend"
cp "$root/README.md" "$dir/README.md"

# owner PATH: the Debian package that installed PATH. With merged /usr a
# library is registered under /usr/lib or /lib, and under the name of the
# symbolic link or of the file it points to: try each.
owner() {
	real=$(readlink -f "$1")
	for p in "$1" "/usr$1" "${1#/usr}" "$real" "/usr$real" "${real#/usr}"; do
		o=$(dpkg-query -S "$p" 2>/dev/null | grep -v '^diversion' |
			head -1) || continue
		[ -n "$o" ] || continue
		echo "${o%%: *}" | sed 's/:[^:]*$//'
		return 0
	done
	return 1
}

# Each line of ldd: "SONAME => PATH (ADDRESS)"; the loader and the vDSO
# have no "=>" path.
libs=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$bin") ||
	die "ldd '$bin' failed"
# libcurl is opened at run time (common/http.c), so ldd of tend does not
# name it: it and what it needs are added here.
# It is looked for where tend's libc is: the machine's own architecture.
libdir=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$bin" |
	awk '$1 == "libc.so.6" { sub(/\/[^\/]*$/, "", $3); print $3 }')
curl=$libdir/libcurl.so.4
[ -n "$libdir" ] && [ -e "$curl" ] ||
	die "no libcurl.so.4 beside tend's libc in '$libdir' (install libcurl4)"
curl_libs=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$curl") ||
	die "ldd '$curl' failed"
libs="$libs
	libcurl.so.4 => $curl (0x0)
$curl_libs"
if echo "$libs" | grep -q 'not found'; then
	echo "$libs" >&2
	die "'$bin' needs libraries this machine lacks"
fi
pkgs=""
nlibs=0
manifest=""
for pair in $(echo "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $1 "=" $3 }' |
	LC_ALL=C sort -u); do
	soname=${pair%%=*} path=${pair#*=}
	pkg=$(owner "$path") || die "no Debian package owns '$path'"
	case $pkg in
	libc6 | libc6-*) continue ;;
	esac
	cp -L "$path" "$dir/lib/$soname"
	chmod 644 "$dir/lib/$soname"
	# A library's own RUNPATH would hide lib/ from its dependencies.
	if readelf -d "$dir/lib/$soname" | grep -q -E 'RUNPATH|RPATH'; then
		die "'$path' carries an RPATH or RUNPATH"
	fi
	ver=$(dpkg-query -W -f '${Version}' "$pkg")
	manifest="$manifest  $soname  $pkg $ver
"
	nlibs=$((nlibs + 1))
	case " $pkgs " in *" $pkg "*) ;; *) pkgs="$pkgs $pkg" ;; esac
done

for pkg in $pkgs; do
	c=/usr/share/doc/$pkg/copyright
	[ -r "$c" ] || die "no $c (the licence of $pkg)"
	cp -L "$c" "$dir/LICENSES/$pkg"
done
grammar_licenses "$dir/LICENSES"

# The newest glibc symbol version anything in the archive asks for is
# the oldest glibc it runs on.
glibc=$(for f in "$dir/bin/tend" "$dir"/lib/*; do objdump -T "$f"; done |
	grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -u -V | tail -1)

find "$stage" -type d -exec chmod 755 {} +
chmod 755 "$dir/bin/tend"
find "$stage" -exec touch -h -d "@$epoch" {} +
out=$root/dist/$name.tar.gz
tar -C "$stage" --sort=name --format=gnu --mtime="@$epoch" \
	--owner=0 --group=0 --numeric-owner -cf "$stage.tar" "$name" ||
	die "tar failed"
gzip -n -9 <"$stage.tar" >"$out.tmp" || die "gzip failed"
rm -f "$stage.tar"
mv -f "$out.tmp" "$out"

echo "$prog: bundled $nlibs libraries (soname, Debian package, version):"
printf '%s' "$manifest"
echo "$prog: needs glibc >= $glibc (Debian 12 has 2.36, Ubuntu 22.04 2.35, 24.04 2.39)"
echo "$prog: dist/$name.tar.gz, $(wc -c <"$out") bytes"
write_sums "$version"
