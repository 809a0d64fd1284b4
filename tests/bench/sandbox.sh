#!/bin/sh
# sandbox.sh - the cost of the sandbox: median time to start and end a
# sandboxed `true` against a plain fork/exec of `true`, in the same run.
#
#   TEND_BIN=build/release/tend sh tests/bench/sandbox.sh [RUNS]
#
# Builds tests/bench/bench_sandbox.c against the libtend.a next to TEND_BIN
# (or uses $TEND_BENCH_SANDBOX when set). Target (issue 6): under 10 ms
# added per sandboxed command.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=${1:-200}
helper=${TEND_BENCH_SANDBOX:-}
if [ -z "$helper" ]; then
	build=$(cd "$(dirname "${TEND_BIN:?set TEND_BIN or TEND_BENCH_SANDBOX}")" && pwd)
	[ -f "$build/libtend.a" ] || { echo "sandbox: no $build/libtend.a" >&2; exit 2; }
	dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	helper=$dir/bench_sandbox
	${CC:-cc} -std=c11 -O2 -D_GNU_SOURCE -I"$top" -o "$helper" \
		"$here/bench_sandbox.c" "$build/libtend.a" \
		$(pkg-config --libs libcurl jansson libgit2 tree-sitter libpcre2-8 zlib yaml-0.1) \
		-lm -lpthread
fi
"$helper" "$runs" 10
