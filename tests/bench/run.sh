#!/bin/sh
# run.sh - run every benchmark in tests/bench (or those matching $1).
set -u
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$here"/*.sh; do
	name=$(basename "$b" .sh)
	[ "$name" = run ] && continue
	case $name in *"${1:-}"*) ;; *) continue ;; esac
	echo "== $name"
	sh "$b" || rc=1
done
exit $rc
