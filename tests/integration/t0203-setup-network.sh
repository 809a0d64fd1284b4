#!/bin/sh
# sandbox.setup runs before the tests with the host network but no secrets;
# the test phase has no network at all.
. "$TEND_TESTS/integration/lib.sh"

top=$PWD
CANARY_GH=canary-gh-setup-1b2c3d4e5f
export GITHUB_TOKEN=$CANARY_GH

python3 - "$top/port" "$top/requests" <<'EOF' &
import socket, sys, os
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    data = c.recv(65536)
    with open(sys.argv[2], "ab") as f:
        f.write(data + b"\n--\n")
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nfetch\n")
    c.close()
EOF
listener=$!
trap 'kill $listener 2>/dev/null' EXIT
i=0
while [ ! -s "$top/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$top/port")

new_repo r
cd r
# The setup "downloads" into the work tree, the tests use what it got.
cat >.tend.yml <<EOF
sandbox:
  setup: "python3 fetch.py $port && env | rev && tr '\\\\0' '\\\\n' </proc/1/environ | rev"
  test: "python3 fetch.py $port; cat fetched.txt; test -s fetched.txt"
EOF
cat >fetch.py <<'EOF'
import os, sys, urllib.request
port = sys.argv[1]
try:
    body = urllib.request.urlopen("http://127.0.0.1:%s/deps?env=%s" %
                                  (port, "+".join(sorted(os.environ))),
                                  timeout=3).read()
    open("fetched.txt", "wb").write(body)
    print("FETCHED")
except Exception as e:
    print("NO-NETWORK", type(e).__name__)
EOF
rm -f fetched.txt
expect_rc 0 "$TEND_BIN" test --format json
rev_canary=$(printf '%s' "$CANARY_GH" | rev)
not_contains "$out$err" "$CANARY_GH"
not_contains "$out$err" "$rev_canary"
not_contains "$(cat "$top/requests")" "$CANARY_GH"
not_contains "$(cat "$top/requests")" "GITHUB_TOKEN"
# One request, from the setup phase; the test phase could not connect.
[ "$(grep -c 'GET /deps' "$top/requests")" = 1 ] || fail "expected one request"
contains "$out" '"setup": {'
contains "$out" 'FETCHED'
contains "$out" 'NO-NETWORK'
contains "$out" '"status": "passed"'

# A failing setup stops the job before the tests, exit 1.
cat >.tend.yml <<'EOF'
sandbox:
  setup: "echo setup broke; exit 7"
  test: "echo ran >ran.txt"
EOF
expect_rc 1 "$TEND_BIN" test
contains "$out" "setup FAILED"
contains "$out" "setup broke"
[ -e ran.txt ] && fail "the tests ran after a failed setup"
expect_rc 1 "$TEND_BIN" test --format json
contains "$out" '"status": "setup_failed"'
contains "$out" '"test": null'
