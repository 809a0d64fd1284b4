#!/bin/sh
# install-deps.sh - make sure what tend needs from Debian is on the machine.
#
#   scripts/install-deps.sh [build|test|fuzz|bench|all]
#
# Checks the build libraries through pkg-config and the tools with
# `command -v`. When something is missing and we run as root with apt-get
# available, installs it from Debian's packages; otherwise prints the exact
# command to run and exits 1. Prints nothing when all is present.
set -u
what=${1:-build}

missing=""
need_pkg() { # pkg-config module -> debian package
	pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() { # command -> debian package
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}

need_cmd cc gcc
need_cmd make make
need_cmd pkg-config pkg-config
# npm fetches the pinned tree-sitter runtime and grammars
# (scripts/fetch-grammars.sh);
# not needed once their tarballs are in build/grammars/cache/.
ls build/grammars/cache/*.tgz >/dev/null 2>&1 || need_cmd npm npm
if command -v pkg-config >/dev/null 2>&1; then
	need_pkg libcurl libcurl4-openssl-dev
	need_pkg jansson libjansson-dev
	need_pkg libgit2 libgit2-dev
	need_pkg libpcre2-8 libpcre2-dev
	need_pkg zlib zlib1g-dev
	need_pkg yaml-0.1 libyaml-dev
	need_pkg sqlite3 libsqlite3-dev
else
	missing="$missing libcurl4-openssl-dev libjansson-dev libgit2-dev"
	missing="$missing libpcre2-dev zlib1g-dev libyaml-dev"
	missing="$missing libsqlite3-dev"
fi
case $what in
test|fuzz|bench|all)
	need_cmd git git
	need_cmd python3 python3
	# t0402 reads action.yml and the GitLab template with PyYAML.
	python3 -c 'import yaml' >/dev/null 2>&1 || missing="$missing python3-yaml"
	need_cmd bwrap bubblewrap
	need_cmd curl curl
	# t0202 measures tend's peak memory with GNU time.
	[ -x /usr/bin/time ] || missing="$missing time"
	# The fake git remote of the fix tests serves repositories through
	# git http-backend (in Debian's git package, checked all the same).
	[ -x "$(git --exec-path 2>/dev/null)/git-http-backend" ] ||
		missing="$missing git"
	;;
esac
case $what in
bench|all)
	need_cmd rg ripgrep
	need_cmd ctags universal-ctags
	;;
esac
case $what in
fuzz|all)
	need_cmd clang clang
	[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] ||
		ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
			>/dev/null 2>&1 || missing="$missing libclang-rt-14-dev"
	;;
esac

[ -z "$missing" ] && exit 0

# Deduplicate, keep order.
pkgs=$(printf '%s\n' $missing | awk '!seen[$0]++' | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "tend: installing from Debian's packages: $pkgs" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs; } >/tmp/tend-apt.log 2>&1; then
		tail -20 /tmp/tend-apt.log >&2
		echo "tend: apt-get install failed; see /tmp/tend-apt.log" >&2
		exit 1
	fi
	exit 0
fi
echo "tend: missing build dependencies; run:" >&2
echo "  sudo apt-get install -y $pkgs" >&2
exit 1
