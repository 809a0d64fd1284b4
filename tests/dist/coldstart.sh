#!/bin/sh
# coldstart.sh - how long a fresh runner takes from "start" to "tend prints
# its first line": the release archive against building from source, in
# the same run, on the same fresh Debian 12 root.
#
#   sh tests/dist/coldstart.sh VERSION [RUNS]
#
# The root is a copy of a pristine minbase Debian 12 (tests/dist/lib.sh)
# made into a runner the way CI images are: curl, ca-certificates and make
# installed (timed apart, for a bare debian:12 image that lacks them), the
# source tree copied in without build/ and dist/ (the action's own
# checkout). dist/ is served by a Python HTTP server on 127.0.0.1. Then:
#
#   (a) archive: curl the archive of this machine's architecture, check
#       its sha256 against the sum known beforehand (the action pins it in
#       its source), extract it, run `bin/tend version`; RUNS times (5),
#       each in a new directory; the first run and the median are
#       reported;
#   (b) source: what the action does without an archive, once:
#       `make CI=false -j$(nproc) build/release/tend` (scripts/install-deps.sh
#       runs apt-get update and installs the -dev packages and npm, then
#       the grammars come from the npm registry, then the compile), then
#       `build/release/tend version`. Its apt-get update finds the lists
#       the preparation fetched, so (b) is if anything flattered.
#
# Each time ends when tend's first line is read. Target (issue 17): (a)
# under 5 s and at least 10 times faster than (b). Needs root, dist/ from
# `make dist`, Debian's archive and the npm registry; (b) takes minutes.
# Exits 1 when a step fails, 0 otherwise (a missed target is printed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

[ $# -ge 1 ] || dist_fail "usage: tests/dist/coldstart.sh VERSION [RUNS]"
version=$1 runs=${2:-5}
[ "$(id -u)" = 0 ] || dist_fail "needs root"
archive=tend-$version-linux-$(uname -m).tar.gz
[ -f "$src/dist/$archive" ] || dist_fail "no dist/$archive (run make dist)"
sum=$(cd "$src/dist" && grep "  $archive\$" SHA256SUMS) ||
	dist_fail "no line for $archive in dist/SHA256SUMS"
(cd "$src/dist" && echo "$sum" | sha256sum --quiet -c) ||
	dist_fail "dist/$archive does not match dist/SHA256SUMS"

work=$(mktemp -d /var/tmp/tend-coldstart.XXXXXX)
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	dist_rm_root "$work/root" && rm -rf "$work"
}
trap cleanup EXIT

python3 - "$src/dist" "$work/port" <<'EOF' &
import functools, http.server, os, sys

class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

srv = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
EOF
server=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$work/port" ] || dist_fail "the HTTP server did not start"
url=http://127.0.0.1:$(cat "$work/port")/$archive

r=$work/root
echo "coldstart: fresh Debian 12 root in $r"
dist_new_root "$r"
mkdir "$r/src"
tar -C "$src" --exclude=./build --exclude=./dist --exclude=./.git \
	--exclude=./tend -cf - . | tar -C "$r/src" -xf -

cat >"$r/bench.sh" <<'EOF'
#!/bin/sh
# Runs inside the root: bench.sh URL SUMLINE RUNS VERSION
set -u
url=$1 sum=$2 runs=$3 version=$4
file=${sum##*  }
export DEBIAN_FRONTEND=noninteractive
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# The runner's image: curl, the CA certificates and make (not counted).
t0=$(now)
{ apt-get update -q && apt-get install -y -q --no-install-recommends \
	curl ca-certificates make && update-ca-certificates; } \
	>/tmp/prep.log 2>&1 || { tail -20 /tmp/prep.log; exit 1; }
echo "prep=$(secs "$t0" "$(now)")"

# (a) the archive.
i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	d=$(mktemp -d)
	cd "$d"
	t0=$(now)
	curl -fsS -o "$file" "$url" || exit 1
	echo "$sum" | sha256sum --quiet -c || exit 1
	tar -xzf "$file" || exit 1
	line=$("./${file%.tar.gz}/bin/tend" version | { read -r l; echo "$l"; })
	t1=$(now)
	[ "$line" = "tend $version" ] || { echo "first line: '$line'"; exit 1; }
	echo "archive=$(secs "$t0" "$t1")"
	cd /
	rm -rf "$d"
done

# (b) building from source, as the action does without an archive.
cd /src
t0=$(now)
if ! make CI=false -j"$(nproc)" BUILD=build/release build/release/tend \
	>/tmp/build.log 2>&1; then
	tail -30 /tmp/build.log
	exit 1
fi
line=$(build/release/tend version | { read -r l; echo "$l"; })
t1=$(now)
[ "$line" = "tend $version" ] || { echo "first line: '$line'"; exit 1; }
echo "source=$(secs "$t0" "$t1")"
EOF

echo "coldstart: archive from $url, $runs runs; then the build from source"
dist_in_root "$r" /bin/sh /bench.sh "$url" "$sum" "$runs" "$version" \
	>"$work/out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	cat "$work/out"
	dist_fail "a step failed inside the root"
fi

prep=$(sed -n 's/^prep=//p' "$work/out")
firsta=$(sed -n 's/^archive=//p' "$work/out" | head -1)
alla=$(sed -n 's/^archive=//p' "$work/out" | tr '\n' ' ')
meda=$(sed -n 's/^archive=//p' "$work/out" | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
srcs=$(sed -n 's/^source=//p' "$work/out")
ratio=$(awk -v a="$firsta" -v b="$srcs" 'BEGIN { printf "%.0f", b / a }')
bytes=$(wc -c <"$src/dist/$archive")
echo "cold start on a fresh Debian 12 root ($(nproc) cores), archive of $bytes bytes from 127.0.0.1:"
echo "  (a) archive: curl + sha256 + tar + tend version: first run ${firsta} s, median ${meda} s (runs: ${alla% })"
echo "  (b) from source: apt-get deps + npm grammars + make -j$(nproc) + tend version: ${srcs} s"
echo "  ratio (b)/(a, first run): ${ratio}x"
echo "  not counted: apt-get update and installing curl, ca-certificates and make on the bare image took ${prep} s"
awk -v a="$firsta" -v r="$ratio" 'BEGIN { exit !(a < 5 && r >= 10) }' &&
	echo "  target met: (a) under 5 s, at least 10x faster" ||
	echo "  TARGET MISSED: (a) under 5 s and at least 10x faster"
exit 0
