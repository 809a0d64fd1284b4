#!/bin/sh
# Escape attempts: each attack.sh runs as the project's test command inside
# the sandbox, tries to get something out, and must fail. Loot is written
# into the work tree and printed reversed, so tend's own redaction of known
# tokens cannot hide a leak from this test.
. "$TEND_TESTS/integration/lib.sh"

top=$PWD
CANARY_GH=canary-gh-4e1d2c7b9a0f
CANARY_OA=canary-oa-8b2f0e6d1c3e
CANARY_CRED=canary-cred-5a9e3f7c21d4
CANARY_FD=canary-fd-7c3b1a9e42b8
export GITHUB_TOKEN=$CANARY_GH OPENAI_API_KEY=$CANARY_OA
printf 'https://x:%s@github.com\n' "$CANARY_CRED" >"$HOME/.git-credentials"
mkdir -p "$HOME/.config/gh"
printf 'github.com:\n  oauth_token: %s\n' "$CANARY_CRED" >"$HOME/.config/gh/hosts.yml"
printf '%s\n' "$CANARY_FD" >"$top/canary-fd.txt"

new_repo r
git_sum() {
	(cd "$top/r/.git" && find . -type f | LC_ALL=C sort | xargs cat | cksum)
}
git_before=$(git_sum)

# no_canary FILE...: none of the canaries, forwards or reversed.
no_canary() {
	for c in $CANARY_GH $CANARY_OA $CANARY_CRED $CANARY_FD; do
		r=$(printf '%s' "$c" | rev)
		if grep -rqF -e "$c" -e "$r" "$@" 2>/dev/null; then
			grep -rF -e "$c" -e "$r" "$@" >&2
			fail "canary $c leaked into $*"
		fi
	done
}

# attack NAME [VAR=VALUE...]: run stdin as the test command in the sandbox,
# with fd 7 open on a canary file in tend's process. Leaves $rc, out.json.
attack() {
	name=$1
	shift
	rm -rf "$top/r/loot"
	mkdir -p "$top/r/loot"
	cat >"$top/r/attack.sh"
	(cd "$top/r" && exec 7<"$top/canary-fd.txt" &&
		env TEND_SANDBOX_TEST="sh attack.sh" "$@" \
		"$TEND_BIN" test --format json -v) \
		>"$top/$name.json" 2>"$top/$name.err"
	rc=$?
	no_canary "$top/$name.json" "$top/$name.err" "$top/r"
}

# 1. tend's environment, /proc/1/environ, /proc/self/environ, any environ.
attack env <<'EOF'
env >loot/env
for f in /proc/self/environ /proc/1/environ /proc/$PPID/environ /proc/[0-9]*/environ; do
	tr '\0' '\n' <$f >>loot/env 2>/dev/null
done
rev loot/env
EOF
[ $rc -eq 0 ] || fail "env attack: rc $rc"
grep -q "HOME=/home/sandbox" r/loot/env || fail "env attack did not run"

# 2. Descriptors of the parent: fd 7 is open in tend's process.
attack fds <<'EOF'
ls -l /proc/self/fd/ /proc/[0-9]*/fd/ >loot/fds 2>&1
for f in /proc/self/fd/[3-9]* /proc/[0-9]*/fd/[3-9]*; do
	timeout 1 cat $f >>loot/fds 2>/dev/null
done
rev loot/fds
EOF
[ $rc -eq 0 ] || fail "fd attack: rc $rc"
grep -q "canary-fd" r/loot/fds && fail "fd leaked"

# 3. The real home: credentials and config.
cat >r/home.sh <<EOF
cat "$HOME/.git-credentials" "$HOME/.config/gh/hosts.yml" >>loot/home 2>&1
ls -la "$HOME" "$HOME/.config" /root >>loot/home 2>&1
grep -rs canary- /home /root /tmp /etc /run /var /opt /mnt /srv >>loot/home 2>&1
find / -xdev -name .git-credentials >>loot/home 2>/dev/null
rev loot/home
EOF
attack home <r/home.sh
grep -q "No such file" r/loot/home || fail "home attack did not run"

# 4. The network: a listener on 127.0.0.1 outside, and name resolution.
python3 - "$top/port" "$top/conns" <<'EOF' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connected\n")
    c.close()
EOF
listener=$!
i=0
while [ ! -s "$top/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$top/port")
# The listener works from outside.
python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 2)"
sleep 0.2
[ "$(grep -c connected "$top/conns")" = 1 ] || fail "listener not reachable"
cat >r/net.sh <<EOF
python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 2); print('CONNECTED')" >>loot/net 2>&1
python3 -c "import socket; print('RESOLVED', socket.getaddrinfo('example.com', 443))" >>loot/net 2>&1
getent hosts example.com >>loot/net 2>&1 && echo RESOLVED >>loot/net
cat loot/net
EOF
attack net <r/net.sh
kill $listener
grep -q CONNECTED r/loot/net && fail "connected out of the sandbox"
grep -q RESOLVED r/loot/net && fail "resolved a name in the sandbox"
[ "$(grep -c connected "$top/conns")" = 1 ] || fail "the listener saw the sandbox"

# 5. Writing outside the work tree and into .git.
cat >r/write.sh <<EOF
echo pwned >"$top/pwned" 2>>loot/write
echo pwned >"$HOME/pwned" 2>>loot/write
echo pwned >/usr/pwned 2>>loot/write
echo pwned >/etc/pwned 2>>loot/write
printf '#!/bin/sh\necho owned\n' >.git/hooks/pre-commit 2>>loot/write
chmod +x .git/hooks/pre-commit 2>>loot/write
printf '[core]\n\thooksPath = /tmp/h\n' >>.git/config 2>>loot/write
git config core.hooksPath /tmp/h 2>>loot/write
mv .git .git-old 2>>loot/write
rm -rf .git 2>>loot/write
git commit --allow-empty -qm sneaky 2>>loot/write
echo inside >made-inside
cat loot/write
EOF
attack write <r/write.sh
[ -e "$top/pwned" ] && fail "wrote outside the work tree"
[ -e "$HOME/pwned" ] && fail "wrote into the real home"
[ -e /usr/pwned ] && fail "wrote into /usr"
[ -e /etc/pwned ] && fail "wrote into /etc"
[ -f r/made-inside ] || fail "the work tree is not writable"
[ "$(git_sum)" = "$git_before" ] || fail ".git changed"
[ -e r/.git/hooks/pre-commit ] && fail "planted a hook"
(cd r && git log --oneline | grep -q sneaky) && fail "rewrote history"

# 6. A new user namespace (the way back to capabilities).
attack userns <<'EOF'
unshare -U -r id >>loot/userns 2>&1 && echo ESCAPED-USERNS
unshare -U id >>loot/userns 2>&1 && echo ESCAPED-USERNS
python3 -c "import os; os.unshare(0x10000000); print('ESCAPED-USERNS')" >>loot/userns 2>&1
cat loot/userns
grep CapEff /proc/self/status
EOF
no_such=$(grep -c ESCAPED-USERNS userns.json)
[ "$no_such" = 0 ] || fail "created a user namespace"
grep -q "CapEff:.*0000000000000000" userns.json || fail "capabilities left"

# 7. A fork bomb: bounded by the process limit, ended by the timeout, and
# nothing left behind.
attack forkcount TEND_SANDBOX_TIMEOUT=20 <<'EOF'
python3 - <<'PY'
import os, time
n = 0
for i in range(3000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    n += 1
live = len([p for p in os.listdir("/proc") if p.isdigit()])
open("loot/count", "w").write(str(live))
print("forked", n, "live", live)
PY
EOF
count=$(cat r/loot/count)
[ "$count" -le 1100 ] || fail "process limit not enforced: $count processes"
attack forkbomb TEND_SANDBOX_TIMEOUT=3 <<'EOF'
b() { b | b & }
b
sleep 100
EOF
[ $rc -eq 1 ] || fail "fork bomb: rc $rc"
grep -q '"status": "timeout"' forkbomb.json || grep -q '"status": "failed"' forkbomb.json ||
	fail "fork bomb status"
sleep 0.3
grep -qs 'attack[.]sh' /proc/[0-9]*/cmdline && fail "fork bomb survived"

# 8. A memory hog, bounded by sandbox.memory_mb.
attack memhog TEND_SANDBOX_MEMORY_MB=256 <<'EOF'
python3 -c "b = bytearray(2 * 1024 ** 3); print('ALLOCATED')"
EOF
[ $rc -eq 1 ] || fail "memory hog: rc $rc"
grep -q MemoryError memhog.json || fail "memory hog not bounded"
grep -q ALLOCATED memhog.json && fail "memory hog allocated 2 GiB"

# 9. An infinite loop with children: killed at the timeout, whole tree gone.
start=$(date +%s)
attack loop TEND_SANDBOX_TIMEOUT=2 <<'EOF'
sleep 987.25 &
setsid sleep 987.5 &
(trap '' TERM HUP; sleep 987.75) &
while :; do :; done
EOF
end=$(date +%s)
[ $rc -eq 1 ] || fail "loop: rc $rc"
grep -q '"status": "timeout"' loop.json || fail "loop not timed out"
[ $((end - start)) -le 8 ] || fail "loop took $((end - start)) s"
sleep 0.3
grep -qs '987[.]' /proc/[0-9]*/cmdline && fail "processes survived the timeout"

# 10. 100 MB of output: capped, and tend stays small.
printf 'head -c 100000000 /dev/zero | tr "\\0" x\necho THE-END\n' >r/attack.sh
# Peak memory from wait4() of tend alone (a fresh Debian has no
# /usr/bin/time); the rss file holds KiB.
(cd r && TEND_SANDBOX_TEST="sh attack.sh" python3 -c '
import os, subprocess, sys
out, err = open(sys.argv[1], "wb"), open(sys.argv[2], "wb")
p = subprocess.Popen(sys.argv[4:], stdout=out, stderr=err)
_, status, ru = os.wait4(p.pid, 0)
open(sys.argv[3], "w").write("%d\n" % ru.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
' "$top/big.json" "$top/big.err" "$top/rss" "$TEND_BIN" test --format json)
[ -s rss ] || fail "tend's peak memory was not measured: $(cat big.err)"
grep -q '"output_bytes": 100000008' big.json ||
	fail "output not counted: $(head -c 300 big.json) $(tail -5 big.err)"
grep -q THE-END big.json || fail "the tail of the output is lost"
rss=$(tail -1 rss)
[ "$rss" -lt 90000 ] || fail "tend used $rss KiB for 100 MB of output"
true
