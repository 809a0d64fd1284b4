# lib.sh - helpers for integration tests; sourced by each t*.sh.
# Tests run in a fresh temp directory (the cwd) with HOME inside it.

set -u
git config --global user.name "Test" 2>/dev/null
git config --global user.email "test@example.com"
git config --global init.defaultBranch main
git config --global advice.detachedHead false

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_rc WANT CMD...: run CMD, fail unless it exits WANT. Output in $out/$err.
expect_rc() {
	want=$1
	shift
	"$@" >stdout.txt 2>stderr.txt
	got=$?
	out=$(cat stdout.txt)
	err=$(cat stderr.txt)
	if [ "$got" != "$want" ]; then
		echo "--- stdout" >&2; cat stdout.txt >&2
		echo "--- stderr" >&2; cat stderr.txt >&2
		fail "'$*' exited $got, want $want"
	fi
}

# contains HAYSTACK NEEDLE
contains() {
	case $1 in *"$2"*) return 0 ;; esac
	echo "--- text" >&2; printf '%s\n' "$1" >&2
	fail "expected to find '$2'"
}

not_contains() {
	case $1 in *"$2"*) echo "--- text" >&2; printf '%s\n' "$1" >&2
		fail "did not expect '$2'" ;; esac
	return 0
}

# new_repo DIR: a git repository with one commit on main.
new_repo() {
	git init -q "$1" && (cd "$1" &&
		printf 'hello\n' >README && git add README &&
		git commit -qm init)
}

# start_bg NAME CMD...: start a loopback server (tests/lib/fake*.py) in
# the background with --port-file NAME.port, --timeout ${BG_TIMEOUT:-300}
# and --watch-parent; wait for its port. Sets NAME_pid and NAME_port; its
# stderr goes to NAME.err.
start_bg() {
	name=$1
	shift
	rm -f "$name.port"
	"$@" --port-file "$name.port" --timeout "${BG_TIMEOUT:-300}" \
		--watch-parent >/dev/null 2>"$name.err" &
	eval "${name}_pid=\$!"
	i=0
	while [ ! -s "$name.port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$name.port" ] || { cat "$name.err" >&2; fail "$name did not start"; }
	eval "${name}_port=\$(cat $name.port)"
}
