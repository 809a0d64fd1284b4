#!/bin/sh
# secrets_gitleaks.sh - the `secrets` pack on gitleaks' own rule test cases.
#
#   TEND_BIN=./tend sh tests/bench/secrets_gitleaks.sh GITLEAKS_DIR [SEED]
#
# GITLEAKS_DIR is a checkout (or a bare mirror: the script reads its HEAD
# with git archive) of github.com/gitleaks/gitleaks. gitleaks_cases.py
# rebuilds every rule's true-positive and false-positive examples from its
# Go sources, with its own random secrets (SEED, default 1), one file per
# case. A repository whose branch adds them all is reviewed with the real
# command, `tend review --local --no-llm --filter added`, the other packs
# and the structural checks off; a case counts as found when tend reports
# at least one secrets/ finding in its file. Printed: recall over the true
# cases, the share of false cases flagged, the misses per gitleaks rule,
# the review's time, and how many secrets appear whole anywhere in tend's
# JSON or text output (must be 0).
#
# Not run in CI: it needs the checkout. The figure in README comes from it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: secrets_gitleaks.sh GITLEAKS_DIR [SEED]}
seed=${2:-1}
: "${TEND_BIN:?set TEND_BIN to the tend binary}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-gitleaks.XXXXXX")
trap 'rm -rf "$dir"' EXIT

if [ -d "$src/cmd/generate" ]; then
	root=$src
else
	# a bare mirror, as `fetch` leaves it: take its HEAD's tree
	mkdir "$dir/gitleaks"
	git --git-dir="$src" archive HEAD cmd/generate | tar -x -C "$dir/gitleaks"
	root=$dir/gitleaks
fi

repo=$dir/repo
git init -q -b main "$repo"
g() { git -C "$repo" -c user.name=bench -c user.email=bench@invalid "$@"; }
printf 'checks:\n  disable: [hygiene, risky, structure]\n' >"$repo/.tend.yml"
g add -A && g commit -qm base && g checkout -qb feature
python3 "$here/gitleaks_cases.py" "$root" "$repo" "$seed"
mv "$repo/cases.json" "$dir/cases.json"
g add -A && g commit -qm cases

cd "$repo"
start=$(date +%s%N)
"$TEND_BIN" review --local --no-llm --base main --filter added \
	--format json --fail-level none --output "$dir/tend.json"
end=$(date +%s%N)
"$TEND_BIN" review --local --no-llm --base main --filter added \
	--format text --fail-level none --output "$dir/tend.txt"
cd - >/dev/null
echo "secrets_gitleaks: review $(( (end - start) / 1000000 )) ms," \
	"$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?') of gitleaks," \
	"seed $seed, load $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$dir/cases.json" "$dir/tend.json" "$dir/tend.txt" <<'PY'
import collections, json, sys
cases = json.load(open(sys.argv[1]))["cases"]
report = json.load(open(sys.argv[2]))
text = open(sys.argv[3], encoding="utf-8", errors="replace").read()
raw = open(sys.argv[2], encoding="utf-8").read()
hit = collections.Counter()
for f in report["findings"]:
    if f.get("rule_id", "").startswith("secrets/"):
        hit[f["path"]] += 1
skipped = {s.get("path"): s.get("reason") or s.get("detail")
           for s in report.get("skipped", []) if isinstance(s, dict)}
tp = [c for c in cases if c["kind"] == "tp"]
fp = [c for c in cases if c["kind"] == "fp"]
found = [c for c in tp if hit[c["file"]]]
flagged = [c for c in fp if hit[c["file"]]]
miss = collections.Counter(c["rule"] for c in tp if not hit[c["file"]])
total = collections.Counter(c["rule"] for c in tp)
leaks = sum(1 for c in tp for s in c["secrets"]
            if hit[c["file"]] and (s in raw or s in text))
print("secrets_gitleaks: recall %.1f%% (%d of %d true cases), "
      "false positives %.1f%% (%d of %d false cases), %d secrets whole "
      "in the output" % (100.0 * len(found) / max(1, len(tp)), len(found),
                         len(tp), 100.0 * len(flagged) / max(1, len(fp)),
                         len(flagged), len(fp), leaks))
for c in tp + fp:
    if c["file"] in skipped:
        print("secrets_gitleaks: skipped %s: %s" % (c["file"], skipped[c["file"]]))
print("secrets_gitleaks: misses per gitleaks rule (missed/cases):")
for rule, n in sorted(miss.items(), key=lambda x: (-x[1], x[0])):
    print("  %-40s %d/%d" % (rule, n, total[rule]))
print("secrets_gitleaks: false cases flagged:")
for c in flagged:
    print("  %-40s %s" % (c["rule"], c["file"]))
PY
