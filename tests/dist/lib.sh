# lib.sh - fresh Debian 12 root file systems for tests/dist/; sourced.
#
# A root here is a copy of a pristine `debootstrap --variant=minbase
# bookworm` tree, made once into $TEND_DIST_ROOT_CACHE (default
# /var/tmp/tend-dist-root, marked complete by .tend-complete). The
# pristine tree is only ever read. Commands run inside a copy through
# unshare (new mount and pid namespaces) and pivot_root, not chroot:
# bubblewrap inside needs user namespaces, which a chroot forbids. The
# network is the host's, so 127.0.0.1 inside is 127.0.0.1 outside.
#
# Needs root, cp, unshare, mount and pivot_root (util-linux), and
# debootstrap when no pristine tree exists yet.

dist_fail() {
	echo "$0: $*" >&2
	exit 1
}

# dist_base: print the pristine root to copy, making it first if need be.
dist_base() {
	c=${TEND_DIST_ROOT_CACHE:-/var/tmp/tend-dist-root}
	if [ ! -f "$c/.tend-complete" ]; then
		command -v debootstrap >/dev/null 2>&1 ||
			dist_fail "no Debian 12 root at $c; apt-get install debootstrap"
		echo "$0: debootstrap --variant=minbase bookworm $c" \
			"(once; minutes)" >&2
		rm -rf "$c.tmp"
		debootstrap --variant=minbase bookworm "$c.tmp" \
			http://deb.debian.org/debian >"$c.log" 2>&1 ||
			dist_fail "debootstrap failed; see $c.log"
		touch "$c.tmp/.tend-complete"
		rm -rf "$c"
		mv "$c.tmp" "$c"
	fi
	echo "$c"
}

# dist_new_root DIR: DIR becomes a copy of the pristine root, with the
# host's resolv.conf and the CA certificates the host trusts locally
# (installed by update-ca-certificates once ca-certificates is there).
dist_new_root() {
	base=$(dist_base) || exit 1
	rm -rf "$1"
	cp -a "$base" "$1" || dist_fail "cannot copy $base to $1"
	rm -f "$1/.tend-complete"
	cp /etc/resolv.conf "$1/etc/resolv.conf"
	if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
		mkdir -p "$1/usr/local/share/ca-certificates"
		cp /usr/local/share/ca-certificates/*.crt \
			"$1/usr/local/share/ca-certificates/"
	fi
}

# dist_in_root DIR COMMAND...: run COMMAND as root inside DIR, with a
# minimal environment; returns its status. The mounts live in the
# command's own mount namespace and go with it.
dist_in_root() {
	r=$1
	shift
	unshare --mount --propagation private --fork --pid -- /bin/sh -c '
		set -e
		r=$1
		shift
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --rbind /sys "$r/sys"
		mkdir -p "$r/oldroot"
		cd "$r"
		pivot_root . oldroot
		umount -l /oldroot
		rmdir /oldroot
		exec env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			"$@"
	' sh "$r" "$@"
}

# dist_rm_root DIR: remove a copy, after making sure nothing is mounted
# in it (a mount left behind would make rm reach into the host).
dist_rm_root() {
	[ -d "$1" ] || return 0
	if grep -q " $1[/ ]" /proc/self/mountinfo; then
		echo "$0: $1 still has mounts; left in place" >&2
		return 1
	fi
	rm -rf "$1"
}
