#!/bin/sh
# source-hash.sh - one sha256 over every file tend's build reads.
#
#   sh scripts/source-hash.sh    (from the top of a tend tree)
#
# Prints 64 hex digits: the sha256 of the `sha256sum` lines (content hash
# and path) of the sources, the Makefile and mk/, and the scripts with the
# grammar pins, in C-locale path order. Paths are hashed too, so a rename
# changes it; nothing else does (git metadata, mtimes, build/, tests/,
# the README, action.yml, templates/, scripts/release-sums).
#
# Two users:
# - action.yml keys its build cache on the first 24 digits;
# - scripts/pin-release.sh records it in scripts/release-sums as
#   `# source HASH`, and action.yml downloads the release archive only when
#   its own tree hashes the same: the archive was built from these sources.
# Both need the same answer from a git checkout and from the tarball GitHub
# unpacks for an action, so it reads file contents only.
set -eu
set --
for d in Makefile mk scripts cli actions review agents forge common; do
	if [ -e "$d" ]; then
		set -- "$@" "$d"
	fi
done
if [ $# = 0 ]; then
	echo "source-hash.sh: not the top of a tend tree" >&2
	exit 1
fi
find "$@" -type f \( -name Makefile -o -name '*.mk' -o -name '*.c' \
	-o -name '*.h' -o -name '*.sh' -o -name '*.lock' \) -print0 |
	LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum | cut -c1-64
