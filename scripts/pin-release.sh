#!/bin/sh
# pin-release.sh - pin a release's archive checksums in tend's source.
#
#   sh scripts/pin-release.sh VERSION SHA256SUMS
#
# Run at the top of the tend tree the release was built from (its tag):
# rewrites scripts/release-sums with the lines of SHA256SUMS (the file
# attached to the release) that name tend-VERSION-linux-*.tar.gz, plus
# `# source HASH` (scripts/source-hash.sh of this tree), then copies it
# into templates/tend.yml (scripts/component-sync.sh). The release
# workflow commits the result on a branch off the tag and opens a pull
# request; the commit it makes is the one users pin the action and the
# component to.
#
# VERSION must be the Makefile's, and SHA256SUMS must name an archive.
set -eu
[ $# = 2 ] || { echo "usage: pin-release.sh VERSION SHA256SUMS" >&2; exit 2; }
version=$1 sums=$2
made=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' Makefile | head -n 1)
if [ "$version" != "$made" ]; then
	echo "pin-release.sh: version $version is not the Makefile's ($made)" >&2
	exit 2
fi
lines=$(awk -v v="$version" '
	$1 ~ /^[0-9a-fA-F]+$/ && length($1) == 64 {
		f = $2
		sub(/^\*/, "", f)
		if (index(f, "tend-" v "-linux-") == 1 && f ~ /\.tar\.gz$/ &&
		    f !~ /\//)
			print tolower($1) "  " f
	}' "$sums" | LC_ALL=C sort -k 2)
if [ -z "$lines" ]; then
	echo "pin-release.sh: $sums names no tend-$version-linux-*.tar.gz" >&2
	exit 2
fi
source=$(sh scripts/source-hash.sh)
out=scripts/release-sums
{
	# The header stays; the data lines are replaced.
	sed -n '/^#/!q; /^# version /q; /^# source /q; p' "$out"
	echo "# version $version"
	echo "# source $source"
	printf '%s\n' "$lines"
} >"$out.new"
mv -f "$out.new" "$out"
sh scripts/component-sync.sh
echo "pin-release.sh: pinned in $out:"
grep -v "^#" "$out" || true
