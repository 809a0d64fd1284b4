#!/bin/sh
# pack_coverage.sh - the share of a large change's changed lines the
# reviewer sees under a 32k-token budget: tend's hunk-by-hunk packing
# (agents/pack.c) against packing whole files largest-first.
#
#   TEND_BIN=build/release/tend sh tests/bench/pack_coverage.sh [FILES] [TOKENS]
#
# Builds tests/bench/pack_coverage.c against the libtend.a next to TEND_BIN
# (or uses $TEND_BENCH_PACK when set). The change is synthetic and the same
# on every run (see pack_coverage.c). Target (issue 5): at least 1.5x the
# baseline's share.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
files=${1:-200}
tokens=${2:-32000}
helper=${TEND_BENCH_PACK:-}
if [ -z "$helper" ]; then
	build=$(cd "$(dirname "${TEND_BIN:?set TEND_BIN or TEND_BENCH_PACK}")" && pwd)
	[ -f "$build/libtend.a" ] || { echo "pack_coverage: no $build/libtend.a" >&2; exit 2; }
	dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	helper=$dir/pack_coverage
	${CC:-cc} -std=c11 -O2 -D_GNU_SOURCE -I"$top" -o "$helper" \
		"$here/pack_coverage.c" "$build/libtend.a" \
		$(pkg-config --libs libcurl jansson libgit2 tree-sitter libpcre2-8 zlib yaml-0.1) \
		-lm -lpthread
fi
"$helper" "$files" "$tokens"
