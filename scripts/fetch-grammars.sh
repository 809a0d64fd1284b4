#!/bin/sh
# fetch-grammars.sh - get the pinned tree-sitter runtime and grammar sources.
#
#   scripts/fetch-grammars.sh [GRAMMAR...]
#
# Reads scripts/grammars.lock and, for each grammar named (all of them when
# none is), makes sure build/grammars/src/GRAMMAR/ holds the C sources of the
# pinned package version (for `runtime`, the library's src/ and include/):
#
#   1. the package tarball comes from build/grammars/cache/ when it is there
#      and its sha512 matches the lock, else from `npm pack` (the npm client
#      and its configured registry; no other network access);
#   2. its sha512 is checked against the lock; a mismatch stops everything
#      with an error, and the bad tarball is not kept;
#   3. the tarball's src/ (or SUBDIR/src/, plus a shared common/ directory
#      when the package has one) is extracted, and a .stamp file records
#      what was extracted so a changed pin re-extracts.
#
# Grammar sources are never committed: they are generated code, large, and
# pinned here by hash instead. GRAMMARS_DIR overrides build/grammars.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
lock=$root/scripts/grammars.lock
dir=${GRAMMARS_DIR:-$root/build/grammars}
cache=$dir/cache

die() {
	echo "fetch-grammars: $*" >&2
	exit 1
}

# sha512 of a file in npm's integrity notation.
integrity() {
	if command -v openssl >/dev/null 2>&1; then
		printf 'sha512-%s' \
			"$(openssl dgst -sha512 -binary "$1" | base64 -w0)"
	else
		python3 -c 'import base64, hashlib, sys
h = hashlib.sha512(open(sys.argv[1], "rb").read()).digest()
sys.stdout.write("sha512-" + base64.b64encode(h).decode())' "$1"
	fi
}

# fetch PACKAGE VERSION INTEGRITY: leave the verified tarball in the cache
# and print its path.
fetch() {
	pkg=$1 ver=$2 want=$3
	tgz=$cache/$pkg-$ver.tgz
	if [ -f "$tgz" ]; then
		got=$(integrity "$tgz")
		[ "$got" = "$want" ] && { echo "$tgz"; return 0; }
		echo "fetch-grammars: cached $pkg-$ver.tgz has the wrong" \
			"hash; fetching it again" >&2
		rm -f "$tgz"
	fi
	command -v npm >/dev/null 2>&1 ||
		die "npm is needed to fetch $pkg@$ver" \
			"(Debian: apt-get install npm)"
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	echo "fetch-grammars: npm pack $pkg@$ver" >&2
	if ! (cd "$tmp" && npm pack "$pkg@$ver" --ignore-scripts --silent \
		>"$tmp/.out" 2>"$tmp/.err"); then
		cat "$tmp/.err" >&2
		rm -rf "$tmp"
		die "cannot fetch $pkg@$ver with npm"
	fi
	set -- "$tmp"/*.tgz
	if [ ! -f "$1" ]; then
		rm -rf "$tmp"
		die "npm pack $pkg@$ver made no tarball"
	fi
	got=$(integrity "$1")
	if [ "$got" != "$want" ]; then
		rm -rf "$tmp"
		echo "fetch-grammars: INTEGRITY MISMATCH for $pkg@$ver" >&2
		echo "  expected (scripts/grammars.lock): $want" >&2
		echo "  received:                         $got" >&2
		die "refusing to build from $pkg@$ver"
	fi
	mv -f "$1" "$tgz"
	rm -rf "$tmp"
	echo "$tgz"
}

# extract_runtime TARBALL SUBDIR STAMP-TEXT: the library's sources and
# headers, into $dir/src/runtime/{src,include}.
extract_runtime() {
	tgz=$1 sub=$2 stamp=$3
	dest=$dir/src/runtime
	if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
		return 0
	fi
	[ -n "$sub" ] || die "runtime: the lock names no directory"
	mkdir -p "$dir/src"
	tmp=$(mktemp -d "$dir/src/.extract.XXXXXX")
	members=$(tar -tzf "$tgz" |
		grep -E "^package/$sub/(src|include)/" | grep -v '/$' || true)
	[ -n "$members" ] || { rm -rf "$tmp"; die "no $sub/src in $tgz"; }
	# shellcheck disable=SC2086 # member names have no blanks
	tar -xzf "$tgz" -C "$tmp" --no-same-owner $members
	lib=$tmp/package/$sub
	api=$lib/include/tree_sitter/api.h
	if [ ! -f "$lib/src/lib.c" ] || [ ! -f "$api" ]; then
		rm -rf "$tmp"
		die "runtime: no $sub/src/lib.c or include/tree_sitter/api.h" \
			"in $tgz"
	fi
	abi=$(sed -n 's/^#define TREE_SITTER_LANGUAGE_VERSION \([0-9]*\).*/\1/p' \
		"$api")
	if [ "$abi" != 14 ]; then
		rm -rf "$tmp"
		die "runtime: api.h has TREE_SITTER_LANGUAGE_VERSION '$abi';" \
			"the grammars need 14"
	fi
	printf '%s\n' "$stamp" >"$lib/.stamp"
	rm -rf "$dest"
	mv "$lib" "$dest"
	rm -rf "$tmp"
}

# extract GRAMMAR TARBALL SUBDIR STAMP-TEXT
extract() {
	name=$1 tgz=$2 sub=$3 stamp=$4
	dest=$dir/src/$name
	if [ "$name" = runtime ]; then
		extract_runtime "$tgz" "$sub" "$stamp"
		return
	fi
	if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
		return 0
	fi
	mkdir -p "$dir/src"
	tmp=$(mktemp -d "$dir/src/.extract.XXXXXX")
	src=package/src/
	[ -n "$sub" ] && src=package/$sub/src/
	members=$(tar -tzf "$tgz" | grep -E "^($src|package/common/)" |
		grep -v '/$' || true)
	[ -n "$members" ] || { rm -rf "$tmp"; die "no $src in $tgz"; }
	# shellcheck disable=SC2086 # member names have no blanks
	tar -xzf "$tgz" -C "$tmp" --no-same-owner $members
	srcdir=$tmp/$src
	if [ ! -f "$srcdir/parser.c" ]; then
		rm -rf "$tmp"
		die "no ${src}parser.c in $tgz"
	fi
	ver=$(sed -n 's/^#define LANGUAGE_VERSION \([0-9]*\).*/\1/p' \
		"$srcdir/parser.c")
	case $ver in
	13|14) ;;
	*)
		rm -rf "$tmp"
		die "$name: parser.c has LANGUAGE_VERSION '$ver';" \
			"the runtime (0.20) needs 13 or 14"
		;;
	esac
	printf '%s\n' "$stamp" >"$tmp/package/.stamp"
	rm -rf "$dest"
	mv "$tmp/package" "$dest"
	rm -rf "$tmp"
}

[ -f "$lock" ] || die "no $lock"
found=0
while read -r name pkg ver sum sub; do
	case $name in ''|'#'*) continue ;; esac
	if [ $# -gt 0 ]; then
		want=0
		for g in "$@"; do [ "$g" = "$name" ] && want=1; done
		[ $want = 1 ] || continue
	fi
	found=$((found + 1))
	case $sum in
	sha512-*) ;;
	*) die "$name: integrity must be sha512-..." ;;
	esac
	tgz=$(fetch "$pkg" "$ver" "$sum")
	extract "$name" "$tgz" "${sub:-}" "$pkg $ver $sum ${sub:-}"
done <"$lock"
if [ $# -gt 0 ] && [ "$found" -ne $# ]; then
	die "not in $lock: $*"
fi
exit 0
