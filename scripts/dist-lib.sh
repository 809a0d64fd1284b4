# dist-lib.sh - what scripts/dist.sh and scripts/deb.sh share; sourced.
#
# Sets `root` (the source tree) and `epoch` (the time every packed file
# carries), and defines die, source_epoch, grammar_licenses and
# write_sums.

set -eu
umask 022
root=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "$prog: $*" >&2
	exit 1
}

# The time stamped on every file in an archive or package, so that two
# builds of one commit pack the same bytes: SOURCE_DATE_EPOCH when set,
# else the commit's time, else (a source tree outside git) the Makefile's.
source_epoch() {
	if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
		echo "$SOURCE_DATE_EPOCH"
	elif t=$(git -C "$root" log -1 --format=%ct 2>/dev/null) &&
		[ -n "$t" ]; then
		echo "$t"
	else
		stat -c %Y "$root/Makefile"
	fi
}
epoch=$(source_epoch)

# grammar_licenses DIR: the LICENSE of each npm package whose grammar or
# runtime is compiled into tend (scripts/grammars.lock), as DIR/npm-PACKAGE,
# from the verified tarballs in build/grammars/cache/.
grammar_licenses() {
	while read -r g_name g_pkg g_ver g_rest; do
		case $g_name in '' | '#'*) continue ;; esac
		[ -f "$1/npm-$g_pkg" ] && continue
		g_tgz=$root/build/grammars/cache/$g_pkg-$g_ver.tgz
		[ -f "$g_tgz" ] || die "no $g_tgz (run make first)"
		tar -xzOf "$g_tgz" package/LICENSE >"$1/npm-$g_pkg" \
			2>/dev/null || die "no package/LICENSE in $g_tgz"
		# the runtime carries Unicode's data under its own licence
		[ "$g_name" = runtime ] || continue
		u=package/$(echo "$g_rest" | awk '{ print $2 }')/src/unicode/LICENSE
		{
			printf '\n-- %s --\n\n' "${u#package/}"
			tar -xzOf "$g_tgz" "$u"
		} >>"$1/npm-$g_pkg" 2>/dev/null || die "no $u in $g_tgz"
	done <"$root/scripts/grammars.lock"
}

# write_sums VERSION: dist/SHA256SUMS over this version's archives and
# .deb files, in sha256sum's format with bare file names.
write_sums() {
	(
		cd "$root/dist"
		# shellcheck disable=SC2046 # the names have no blanks
		set -- $(ls "tend-$1-linux-"*.tar.gz "tend_$1_"*.deb \
			2>/dev/null | LC_ALL=C sort)
		[ $# -gt 0 ] || die "nothing of version $1 in dist/"
		sha256sum "$@" >SHA256SUMS.tmp
		mv -f SHA256SUMS.tmp SHA256SUMS
	) || exit 1
	echo "$prog: dist/SHA256SUMS:"
	sed 's/^/  /' "$root/dist/SHA256SUMS"
}

# strip_to IN OUT: IN without its debugging information and symbol table
# (the dynamic section, RPATH included, stays).
strip_to() {
	strip --strip-unneeded --remove-section=.comment -o "$2" "$1"
}
