#!/bin/sh
# install-release.sh - put tend's release archive for this machine in place,
# checked against the checksums pinned in tend's own source.
#
#   sh install-release.sh [-s SOURCE_HASH] VERSION BASE_URL SUMS_FILE DEST_DIR
#
# Picks tend-VERSION-linux-ARCH.tar.gz, ARCH being `uname -m` (x86_64,
# aarch64), looks its sha256 up in SUMS_FILE (sha256sum lines; `#` lines
# are comments), downloads BASE_URL/NAME with curl, checks the sha256,
# unpacks it into DEST_DIR/tend-VERSION-linux-ARCH/ (replacing what was
# there) and runs its `bin/tend version`. On success it prints the path of
# that bin/tend on standard output and nothing else; what it did, and why
# it did not, goes to standard error.
#
# With -s, SUMS_FILE must also say `# source SOURCE_HASH`: the hash
# (scripts/source-hash.sh) of the sources the archive was built from, so a
# tree whose sources differ from the release's builds itself instead.
#
# Exit status:
#   0   installed; the path is on standard output
#   10  no archive for this machine: build from source instead. Said why:
#       not Linux, no pinned checksum for the archive (or the sums file is
#       for other sources), no BASE_URL, no curl, the download failed (404,
#       network), or the archive's tend does not run here (older C library)
#   20  the download's sha256 is not the pinned one: refused. Nothing is
#       unpacked, and the caller must not build or run anything instead: a
#       file that differs from the pinned checksum is an attack or a broken
#       release, never a reason to go on
#   2   usage error
#   1   anything else (a pinned archive of the wrong layout, a disk error)
#
# TEND_RELEASE_ARCH, when set, replaces `uname -m` (tests use it to play a
# machine no archive is built for). It can only pick another pinned archive
# or none, so it cannot make anything unchecked run.
#
# POSIX sh; needs curl, sha256sum, tar and gzip. It reads no token and
# passes none to curl: release downloads are public.
set -u

FALLBACK=10
REFUSED=20

say() { echo "tend: $*" >&2; }
fallback() {
	say "$*; building tend from source instead"
	exit $FALLBACK
}
usage() {
	say "$*"
	echo "usage: install-release.sh [-s SOURCE_HASH] VERSION BASE_URL" \
		"SUMS_FILE DEST_DIR" >&2
	exit 2
}

want_source=""
if [ "${1:-}" = -s ]; then
	[ $# -ge 2 ] || usage "-s needs a hash"
	want_source=$2
	shift 2
fi
[ $# = 4 ] || usage "four arguments, not $#"
version=$1 base=$2 sums=$3 dest=$4

case $version in
'' | *[!0-9A-Za-z.+~_-]* | [!0-9]*) usage "bad version '$version'" ;;
esac
case $dest in
'') usage "no DEST_DIR" ;;
esac

os=$(uname -s)
[ "$os" = Linux ] || fallback "no release archive for $os (Linux only)"
arch=${TEND_RELEASE_ARCH:-$(uname -m)}
case $arch in
'' | *[!0-9A-Za-z_-]*) fallback "no release archive for machine '$arch'" ;;
esac
top=tend-$version-linux-$arch
name=$top.tar.gz

# The pinned checksum, before anything goes on the network.
[ -f "$sums" ] || fallback "no pinned checksums file ($sums)"
pinned=$(awk -v n="$name" '
	/^[ \t]*(#|$)/ { next }
	{
		f = $2
		sub(/^\*/, "", f)
		if (f == n) print tolower($1)
	}' "$sums" | sort -u)
case $pinned in
'') fallback "no pinned checksum for $name in $sums (no archive of" \
	"tend $version for $arch, or a version not released yet)" ;;
*[!0-9a-f]*)
	# Several lines for one file, or not a hash: a broken sums file.
	say "$sums has no single sha256 for $name"
	exit 1 ;;
esac
[ ${#pinned} = 64 ] || { say "$sums has no sha256 for $name"; exit 1; }
if [ -n "$want_source" ]; then
	have=$(awk '$1 == "#" && $2 == "source" { print $3; exit }' "$sums")
	[ -n "$have" ] || fallback "$sums does not say which sources its" \
		"archives were built from"
	[ "$have" = "$want_source" ] || fallback "these sources are not the" \
		"ones release $version was built from (source hash $want_source," \
		"the release's is $have)"
fi

case $base in
'') fallback "no release URL" ;;
https://* | http://*) ;;
*) usage "the release URL must be http(s): '$base'" ;;
esac
base=${base%/}
for tool in curl sha256sum tar gzip; do
	command -v "$tool" >/dev/null 2>&1 || fallback "$tool is not installed"
done

mkdir -p -- "$dest" || exit 1
dest=$(cd -- "$dest" && pwd -P) || exit 1
# Whatever the outcome, the only tree at the final path is one checked here.
rm -rf -- "${dest:?}/$top"
tmp=$(mktemp -d "$dest/.tend-download.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

url=$base/$name
say "downloading $url"
code=$(curl --silent --show-error --location --max-redirs 5 \
	--proto '=https,http' --retry 2 --connect-timeout 20 --max-time 600 \
	--output "$tmp/$name" --write-out '%{http_code}' -- "$url" 2>"$tmp/err")
rc=$?
if [ $rc != 0 ]; then
	fallback "could not download $url (curl exit $rc:" \
		"$(tr '\n' ' ' <"$tmp/err" | cut -c1-200))"
fi
case $code in
2??) ;;
*) fallback "could not download $url (HTTP $code)" ;;
esac

got=$(sha256sum <"$tmp/$name" | cut -c1-64)
if [ "$got" != "$pinned" ]; then
	say "checksum mismatch for $url: its sha256 is $got, the pinned one" \
		"($sums) is $pinned. Refusing it; not building from source" \
		"either: a download that differs from the pinned checksum is" \
		"tampered with or a broken release"
	exit $REFUSED
fi

# Checked: from here on it is the release's own archive. Its layout is
# still checked, so a broken release fails loudly instead of spilling files.
if ! tar -tzf "$tmp/$name" >"$tmp/list" 2>"$tmp/err"; then
	say "cannot read $name: $(head -c 200 "$tmp/err")"
	exit 1
fi
bad=$(awk -v t="$top" '{
		p = $0
		sub(/^\.\//, "", p)
		if (p == "" || p == t || p == t "/") next
		if (index(p, t "/") != 1 || p ~ /(^|\/)\.\.(\/|$)/) { print; exit }
	}' "$tmp/list")
[ -z "$bad" ] || { say "$name holds '$bad', outside $top/"; exit 1; }
mkdir "$tmp/x" &&
	tar -xzf "$tmp/$name" -C "$tmp/x" --no-same-owner || exit 1
exe=$tmp/x/$top/bin/tend
if [ ! -f "$exe" ] || [ -L "$exe" ] || [ ! -x "$exe" ]; then
	say "$name has no executable $top/bin/tend"
	exit 1
fi
if ! "$exe" version >"$tmp/version" 2>&1; then
	fallback "the archive's tend does not run on this machine:" \
		"$(head -n 2 "$tmp/version" | tr '\n' ' ' | cut -c1-200)"
fi
mv -- "$tmp/x/$top" "$dest/$top" || exit 1
say "using the release archive $name (sha256 $got):" \
	"$(head -n 1 "$tmp/version")"
echo "$dest/$top/bin/tend"
exit 0
