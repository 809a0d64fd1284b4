#!/bin/sh
# The machine formats pass their consumers' rules:
#   - SARIF: the SARIF 2.1.0 JSON schema (the copy Microsoft ships with its
#     SARIF Multitool) through ajv, then the Multitool's own validator with
#     the SARIF and GitHub (GH*) rule kinds: no error may remain;
#   - GitLab Code Quality: a JSON schema of the fields GitLab documents as
#     required (no npm package ships GitLab's; it is written out below),
#     plus unique fingerprints;
#   - rdjson and the empty cases are well-formed.
#
# The validators come from the npm registry, installed once into
# build/npm-schema (outside the test's temp dir, so later runs are offline
# and fast). No npm, or no registry, is a FAILURE, not a skip.
. "$TEND_TESTS/integration/lib.sh"

pkgs="ajv@8.20.0 ajv-formats@3.0.1 @microsoft/sarif-multitool-linux@5.7.0"
cache=$(cd "$TEND_TESTS/.." && pwd)/build/npm-schema
if [ "$(cat "$cache/.installed" 2>/dev/null)" != "$pkgs" ]; then
	command -v npm >/dev/null 2>&1 ||
		fail "npm is needed to install the schema validators ($pkgs)"
	tmp=$cache.tmp.$$
	rm -rf "$tmp" && mkdir -p "$tmp"
	printf '{ "name": "tend-schema-validators", "private": true }\n' \
		>"$tmp/package.json"
	# Installed from inside the directory, not with --prefix: --prefix
	# also moves npm's global config, and with it the registry's CA file.
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && npm install --no-audit --no-fund \
		--no-update-notifier $pkgs) >npm.log 2>&1; then
		tail -20 npm.log >&2
		rm -rf "$tmp"
		fail "cannot install $pkgs from the npm registry"
	fi
	printf '%s\n' "$pkgs" >"$tmp/.installed"
	rm -rf "$cache" 2>/dev/null
	mv "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
fi
command -v node >/dev/null 2>&1 || fail "node is needed to run ajv"
nm=$cache/node_modules
multitool=$nm/@microsoft/sarif-multitool-linux/Sarif.Multitool
[ -f "$nm/@microsoft/sarif-multitool-linux/sarif-2.1.0.json" ] ||
	fail "the SARIF schema is missing from $nm"
chmod u+x "$multitool" 2>/dev/null

# GitLab's Code Quality report: the fields its documentation marks as
# required, with the severities it accepts.
cat >cq-schema.json <<'SCHEMA'
{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "GitLab Code Quality report (documented required fields)",
  "type": "array",
  "items": {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity",
                 "location"],
    "properties": {
      "description": { "type": "string", "minLength": 1 },
      "check_name": { "type": "string", "minLength": 1 },
      "fingerprint": { "type": "string", "minLength": 1 },
      "severity": { "enum": ["info", "minor", "major", "critical",
                             "blocker"] },
      "location": {
        "type": "object",
        "required": ["path"],
        "properties": {
          "path": { "type": "string", "minLength": 1,
                    "not": { "pattern": "^/" } },
          "lines": {
            "type": "object",
            "required": ["begin"],
            "properties": {
              "begin": { "type": "integer", "minimum": 1 },
              "end": { "type": "integer", "minimum": 1 }
            }
          },
          "positions": {
            "type": "object",
            "required": ["begin"],
            "properties": {
              "begin": {
                "type": "object", "required": ["line"],
                "properties": { "line": { "type": "integer",
                                          "minimum": 1 } }
              }
            }
          }
        },
        "anyOf": [ { "required": ["lines"] },
                   { "required": ["positions"] } ]
      }
    }
  }
}
SCHEMA

cat >validate.js <<'JS'
const fs = require("fs");
const nm = process.argv[2];
const Ajv2020 = require(nm + "/ajv/dist/2020").default;
const Ajv = require(nm + "/ajv").default;
const addFormats = require(nm + "/ajv-formats").default;
let bad = 0;
function check(ajv, schema, file) {
	const data = JSON.parse(fs.readFileSync(file, "utf8"));
	const validate = ajv.compile(schema);
	if (!validate(data)) {
		console.error(file + ": " + JSON.stringify(validate.errors, null, 1));
		bad++;
	}
	return data;
}
const sarifSchema = JSON.parse(fs.readFileSync(nm +
	"/@microsoft/sarif-multitool-linux/sarif-2.1.0.json", "utf8"));
const a20 = new Ajv2020({ strict: false, allErrors: true });
addFormats(a20);
const a7 = new Ajv({ strict: false, allErrors: true });
const cqSchema = JSON.parse(fs.readFileSync("cq-schema.json", "utf8"));
for (const f of process.argv.slice(3)) {
	if (f.endsWith(".sarif")) {
		check(a20, sarifSchema, f);
	} else {
		const d = check(a7, cqSchema, f);
		const fps = d.map((e) => e.fingerprint);
		if (new Set(fps).size !== fps.length) {
			console.error(f + ": duplicate fingerprints");
			bad++;
		}
	}
}
process.exit(bad ? 1 : 0);
JS

new_repo r
cd r
git checkout -q -b f
mkdir -p 'sp ace' lint
printf 'ok\n<<<<<<< HEAD\nx\n>>>>>>> theirs\n' >'sp ace/ünï cödé.txt'
printf 'import pdb; pdb.set_trace()\n' >b.py
printf 'SECRET=1\n' >.env
printf 'one\ntwo\nthree\n' >c.txt
git add -A && git commit -qm f
# Linter output with a multi-line range and a suggestion, and one linter
# that crashes (toolExecutionNotifications).
cat >lint/rd.sh <<'SH'
printf '%s\n' '{"message":"two lines","location":{"path":"c.txt","range":{"start":{"line":1,"column":1},"end":{"line":2,"column":4}}},"severity":"WARNING","code":{"value":"R1"},"suggestions":[{"range":{"start":{"line":1,"column":1},"end":{"line":3,"column":1}},"text":"ONE\nTWO\n"}]}'
SH
cat >.tend.yml <<'YML'
checks:
  linters:
    - name: rd
      run: "sh lint/rd.sh"
      format: rdjson
    - name: boom
      run: "kill -SEGV $$"
      format: gcc
YML

expect_rc 1 "$TEND_BIN" review --local --format sarif --output ../out.sarif
expect_rc 1 "$TEND_BIN" review --local --format codequality \
	--output ../out.cq.json
expect_rc 1 "$TEND_BIN" review --local --format rdjson --output ../out.rdjson
cd ..
python3 - out.sarif out.cq.json out.rdjson <<'PY' || fail "report shapes"
import json, sys
sarif, cq, rd = (json.load(open(p)) for p in sys.argv[1:])
run = sarif["runs"][0]
ids = {r["ruleId"] for r in run["results"]}
assert {"hygiene/merge-conflict-marker", "hygiene/env-file", "rd/R1"} <= ids, ids
notes = run["invocations"][0]["toolExecutionNotifications"]
assert any("boom" in n["message"]["text"] for n in notes), notes
assert any(e["location"]["path"] == ".env" and
           e["location"]["lines"]["begin"] == 1 for e in cq), cq
assert any(e["severity"] == "critical" for e in cq)
assert any(d.get("suggestions") for d in rd["diagnostics"]), rd
PY

# An empty review is valid too.
new_repo e
(cd e && git checkout -q -b f && printf 'fine\n' >ok.txt &&
	git add -A && git commit -qm ok &&
	expect_rc 0 "$TEND_BIN" review --local --format sarif \
		--output ../empty.sarif &&
	expect_rc 0 "$TEND_BIN" review --local --format codequality \
		--output ../empty.cq.json) || fail "empty review"
[ "$(tr -d ' \n' <empty.cq.json)" = "[]" ] || fail "empty codequality"

node validate.js "$nm" out.sarif empty.sarif out.cq.json empty.cq.json ||
	fail "schema validation"

# GitHub's upload rules, as Microsoft's validator encodes them.
for f in out.sarif empty.sarif; do
	rm -f "val-$f"
	DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$multitool" validate \
		--rule-kind "Sarif;Gh" --output "val-$f" "$f" >mt.log 2>&1
	[ -s "val-$f" ] || { cat mt.log >&2; fail "multitool did not run"; }
	python3 - "val-$f" <<'PY' || { cat mt.log >&2; fail "multitool: $f"; }
import json, sys
d = json.load(open(sys.argv[1]))
errs = [r for run in d["runs"] for r in run.get("results", [])
        if r.get("level", "warning") == "error"]
for r in errs:
    print(r["ruleId"], r["message"].get("arguments"), file=sys.stderr)
sys.exit(1 if errs else 0)
PY
done
