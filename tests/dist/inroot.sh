#!/bin/sh
# inroot.sh - the checks tests/dist/check.sh runs inside a fresh Debian 12
# root, as root; not meant to be run elsewhere.
#
#   /check/inroot.sh archive|deb VERSION FILE
#
# archive: a user who is not root extracts /check/FILE (the release archive)
#   in its home and runs its bin/tend, first on the bare minbase system,
#   then with git and bubblewrap installed from Debian (the review's sample
#   repository is made with git, and `tend test` needs bwrap).
# deb: `apt-get install -y /check/FILE`, then tend from /usr/bin, with
#   nothing else installed by hand: its Depends and Recommends must bring
#   what it needs.
#
# Then, as that user: `tend version`, `tend review --local` on the sample
# repository of tests/demo.sh (findings expected, exit 1), and `tend test`
# on a tiny project whose test passes (exit 0), and the same project with
# a failing test (exit 1). At no point may a -dev package be installed.
# Prints "ok - ..." or "not ok - ..." per check and exits 1 on any failure.
set -u
kind=$1 version=$2 file=$3
export DEBIAN_FRONTEND=noninteractive
failed=0
ok() { echo "ok - $*"; }
notok() {
	echo "not ok - $*"
	failed=$((failed + 1))
}
runner_path=/usr/local/bin:/usr/bin:/bin

# as_runner SCRIPT: run SCRIPT with sh as the user `runner`, in its home.
as_runner() {
	runuser -u runner -- env -i HOME=/home/runner LANG=C.UTF-8 \
		TERM=dumb USER=runner LOGNAME=runner PATH="$runner_path" \
		sh -c "cd && $1"
}

no_dev_packages() {
	dev=$(dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' |
		awk '$2 ~ /^ii/ && $1 ~ /-dev(:.*)?$/ { print $1 }' | tr '\n' ' ')
	if [ -z "$dev" ]; then
		ok "no -dev package installed ($1)"
	else
		notok "-dev packages installed ($1): $dev"
	fi
}

apt_install() {
	if apt-get install -y -q "$@" >/tmp/apt.log 2>&1; then
		ok "apt-get install $*"
	else
		tail -20 /tmp/apt.log
		notok "apt-get install $*"
	fi
}

# check_libs BINARY [DIR]: every library BINARY loads resolves, and
# (with DIR) each comes from DIR or is glibc's.
check_libs() {
	out=$(ldd "$1" 2>&1)
	if echo "$out" | grep -q 'not found'; then
		echo "$out"
		notok "ldd $1: libraries not found"
		return
	fi
	if [ $# -lt 2 ]; then
		ok "ldd $1: every library found"
		return
	fi
	bad=""
	for p in $(echo "$out" | awk '$2 == "=>" { print $3 }'); do
		case $p in "$2"/*) continue ;; esac
		dpkg-query -S "$(readlink -f "$p")" 2>/dev/null | grep -q '^libc6' ||
			dpkg-query -S "$p" 2>/dev/null | grep -q '^libc6' ||
			bad="$bad $p"
	done
	if [ -n "$bad" ]; then
		echo "$out"
		notok "ldd $1: loads from outside $2 and glibc:$bad"
	else
		ok "ldd $1: all from $2 or glibc"
	fi
}

# check_version TEND
check_version() {
	out=$(as_runner "$1 version" 2>&1)
	rc=$?
	first=$(echo "$out" | head -1)
	if [ $rc -eq 0 ] && [ "$first" = "tend $version" ]; then
		ok "tend version: $first (as runner)"
	else
		echo "$out"
		notok "tend version exited $rc, first line '$first'"
	fi
}

no_dev_packages "fresh root"
useradd -m -s /bin/sh runner || notok "useradd runner"
apt-get update -q >/tmp/apt-update.log 2>&1 || {
	tail -5 /tmp/apt-update.log
	notok "apt-get update"
}

case $kind in
archive)
	cp "/check/$file" /home/runner/ && chown runner: "/home/runner/$file"
	if as_runner "tar -xzf $file"; then
		ok "tar -xzf $file (as runner)"
	else
		notok "tar -xzf $file"
	fi
	dir=/home/runner/${file%.tar.gz}
	tend=$dir/bin/tend
	# On the bare system first: nothing but the archive and glibc.
	check_libs "$tend" "$dir/bin/../lib"
	check_version "$tend"
	apt_install --no-install-recommends git bubblewrap
	runner_path=$dir/bin:$runner_path
	;;
deb)
	apt_install "/check/$file"
	tend=/usr/bin/tend
	if [ "$(dpkg-query -W -f '${db:Status-Abbrev}${Version}' tend)" = \
		"ii $version" ]; then
		ok "package tend $version installed"
	else
		notok "package tend $version is not installed"
	fi
	for cmd in bwrap git; do
		if command -v $cmd >/dev/null 2>&1; then
			ok "$cmd came with the package"
		else
			notok "$cmd did not come with the package"
		fi
	done
	check_libs "$tend"
	check_version tend
	;;
*)
	echo "usage: inroot.sh archive|deb VERSION FILE" >&2
	exit 2
	;;
esac
no_dev_packages "after installing"

# tend review --local on the sample change of `make demo`.
out=$(as_runner 'sh /check/demo.sh "$(command -v tend)"' 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q '^(exit status 1:' &&
	echo "$out" | grep -q '\[secrets/database-url-password\]' &&
	echo "$out" | grep -q '\[hygiene/merge-conflict-marker\]' &&
	echo "$out" | grep -q '\[structure/syntax-error\]'; then
	ok "tend review --local: $(echo "$out" | grep 'findings:')"
else
	echo "$out" | tail -30
	notok "tend review --local on the demo repository (rc $rc)"
fi

# tend test on a tiny project, in the sandbox.
as_runner '
	set -e
	mkdir proj && cd proj
	git init -q -b main .
	printf "sandbox:\n  test: sh test.sh\n" >.tend.yml
	printf "echo 1..1\necho ok 1 - adds\n" >test.sh
	printf "echo 1..1\necho not ok 1 - adds\nexit 1\n" >fail.sh
	git add -A
	git -c user.name=t -c user.email=t@t.invalid commit -qm init
' || notok "making the test project"
out=$(as_runner 'cd proj && tend test --format json' 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q '"status": *"passed"' &&
	echo "$out" | grep -q '"sandbox": *"bwrap"'; then
	ok "tend test: passed, sandboxed by bwrap (as runner)"
else
	echo "$out" | tail -30
	notok "tend test on a passing project (rc $rc, want 0)"
fi
out=$(as_runner 'cd proj && TEND_SANDBOX_TEST="sh fail.sh" tend test' 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q 'tests FAILED'; then
	ok "tend test: a failing test fails (exit 1)"
else
	echo "$out" | tail -30
	notok "tend test on a failing project (rc $rc, want 1)"
fi

if [ $failed -eq 0 ]; then
	echo "dist-check $kind: all passed"
	exit 0
fi
echo "dist-check $kind: $failed failed"
exit 1
