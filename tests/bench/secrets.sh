#!/bin/sh
# secrets.sh - the `secrets` pack over a large change, against ripgrep
# running the same patterns over the same text, in the same run.
#
#   TEND_BIN=./tend sh tests/bench/secrets.sh [MEGABYTES] [RUNS]
#
# tend runs the real command, `tend review --local --no-llm --filter added`,
# on a repository whose one commit adds MEGABYTES of code (files of about
# 100 KiB, with made-up secrets sprinkled in), the hygiene and risky packs
# and the structural checks disabled in .tend.yml; its time is the whole
# review: opening the repo, the libgit2 diff, parsing it, the scan, the
# JSON report. ripgrep runs the pack's 110 patterns (read from
# review/pack_secrets.c) with PCRE2, the engine tend uses, in multi-line
# mode since a few patterns span lines, over the same added text in one
# file. For scale, the third line is ripgrep looking for the pack's
# keywords alone, as fixed strings: a
# floor that no regex scan can beat.
#
# Target (static-checks issue): tend's time at most 1.5x ripgrep's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mb=${1:-40}
runs=${2:-3}
: "${TEND_BIN:?set TEND_BIN to the tend binary}"
command -v rg >/dev/null || {
	echo "secrets: ripgrep (rg) is not installed; apt-get install ripgrep"
	exit 1
}
dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

python3 "$here/gen_secrets.py" "$dir" "$mb"
# the keywords of every rule, for the fixed-string floor
python3 - "$here/../../review/pack_secrets.c" >"$dir/keywords.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
kws = set()
for m in re.finditer(r'\.keywords = REVIEW_STRV\(((?:\s*"(?:[^"\\]|\\.)*",?)+)\)', text):
    for k in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)):
        kws.add(bytes(k, "utf-8").decode("unicode_escape").lower())
print("\n".join(sorted(kws)))
PY
bytes=$(wc -c <"$dir/all.txt")
echo "secrets: $(wc -l <"$dir/patterns.txt") patterns, $(wc -l <"$dir/keywords.txt") keywords, $((bytes / 1048576)) MB added, $("$TEND_BIN" version 2>/dev/null | head -1), $(rg --version | head -1)"

python3 "$here/measure.py" "$runs" --cwd "$dir/repo" \
	"tend-review" "$TEND_BIN review --local --no-llm --base main --filter added --format json --fail-level none --output ../tend.json" \
	"rg-pcre2-patterns" "rg -P -U -c --no-config -f ../patterns.txt ../all.txt" \
	"rg-fixed-keywords" "rg -F -i -c --no-config -f ../keywords.txt ../all.txt" | tee "$dir/out"

found=$(python3 -c 'import json,sys; print(sum(f["rule_id"].startswith("secrets/") for f in json.load(open(sys.argv[1]))["findings"]))' "$dir/tend.json")
echo "secrets: tend reported $found secrets"
awk -v bytes="$bytes" '
/^tend-review/ { t = $3; m = $6 }
/^rg-pcre2-patterns/ { g = $3 }
/^rg-fixed-keywords/ { k = $3 }
END {
	mbs = bytes / 1048576
	printf "secrets: tend %.0f MB/s, peak %.1f MB; rg -P %.0f MB/s; rg -F keywords %.0f MB/s\n", mbs / (t / 1000), m, mbs / (g / 1000), mbs / (k / 1000)
	printf "secrets: time %.2fx ripgrep on the same patterns (target <= 1.5x); %.2fx the keyword floor\n", t / g, t / k
	if (t / g > 1.5) { print "secrets: OVER TARGET"; exit 1 }
}' "$dir/out"
