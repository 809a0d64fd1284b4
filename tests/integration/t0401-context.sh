#!/bin/sh
# `tend context` against GitHub's own example webhook payloads (the npm
# package @octokit/webhooks-examples, every example of pull_request,
# pull_request_review, pull_request_review_comment, issue_comment and
# workflow_dispatch, the pull_request ones also as pull_request_target,
# plus forks, deleted forks and dispatch inputs derived from them), GitLab
# CI variables, broken payloads, and a developer's checkout.
#
# For each payload, the number, SHAs and fork that tend reports must be the
# payload's, and the fake token must appear nowhere in stdout or stderr,
# even at -vv.
#
# The package is installed once into $TEND_TEST_CACHE/npm-webhooks (later
# runs are offline). No npm, or no registry, is a FAILURE, not a skip.
. "$TEND_TESTS/integration/lib.sh"

pkgs="@octokit/webhooks-examples@7.6.1"
cache=$TEND_TEST_CACHE/npm-webhooks
if [ "$(cat "$cache/.installed" 2>/dev/null)" != "$pkgs" ]; then
	command -v npm >/dev/null 2>&1 ||
		fail "npm is needed to install the webhook examples ($pkgs)"
	tmp=$cache.tmp.$$
	rm -rf "$tmp" && mkdir -p "$tmp"
	printf '{ "name": "tend-webhook-examples", "private": true }\n' \
		>"$tmp/package.json"
	# From inside the directory, not with --prefix (see t0302).
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
command -v node >/dev/null 2>&1 || fail "node is needed to read the examples"
examples=$cache/node_modules/@octokit/webhooks-examples
[ -f "$examples/api.github.com/index.json" ] ||
	fail "the examples are missing from $examples"

token=ghs_FAKE0401secretTokenValue0123456789
repo=Codertocat/Hello-World

# Write every case: cases/N.event, cases/N.json (the payload), and
# cases/N.want (what tend must report, as JSON); pr.json is the first
# pull_request example.
mkdir cases out
cat >cases.js <<'JS'
const fs = require("fs");
const path = require("path");
const dir = process.argv[2];
const events = ["pull_request", "pull_request_review",
	"pull_request_review_comment", "issue_comment", "workflow_dispatch"];
const prShaped = (e) => e.startsWith("pull_request");
let n = 0;
function add(event, payload, want) {
	n++;
	fs.writeFileSync("cases/" + n + ".event", event);
	fs.writeFileSync("cases/" + n + ".json", JSON.stringify(payload));
	fs.writeFileSync("cases/" + n + ".want", JSON.stringify(want));
}
function prWant(event, p) {
	const pr = p.pull_request, head = pr.head.repo;
	const fork = head === null ? true :
		head.full_name.toLowerCase() !==
		pr.base.repo.full_name.toLowerCase();
	return { number: pr.number, head_sha: pr.head.sha,
		base_sha: pr.base.sha, head_ref: pr.head.ref,
		base_ref: pr.base.ref, fork: fork,
		can_write: fork && event !== "pull_request_target" ?
			false : null };
}
const seen = {};
let first = null;
/* The GHES directories repeat many api.github.com examples verbatim. */
const unique = new Set();
for (const d of fs.readdirSync(dir).sort()) {
	const index = path.join(dir, d, "index.json");
	if (!fs.existsSync(index))
		continue;
	for (const group of JSON.parse(fs.readFileSync(index, "utf8"))) {
		if (!events.includes(group.name))
			continue;
		for (const p of group.examples) {
			const key = group.name + JSON.stringify(p);
			if (unique.has(key))
				continue;
			unique.add(key);
			seen[group.name] = (seen[group.name] || 0) + 1;
			if (group.name === "pull_request" && !first)
				first = p;
			if (prShaped(group.name)) {
				const names = group.name === "pull_request" ?
					["pull_request", "pull_request_target"] :
					[group.name];
				for (const e of names)
					add(e, p, prWant(e, p));
			} else if (group.name === "issue_comment") {
				add(group.name, p, p.issue.pull_request ?
					{ number: p.issue.number, head_sha: null,
					  base_sha: null, fork: null } :
					{ number: null, base_sha: null, fork: null });
				/* The same comment, on a pull request. */
				const q = JSON.parse(JSON.stringify(p));
				q.issue.pull_request = { url: "https://api.github.com/repos/" +
					q.repository.full_name + "/pulls/" + q.issue.number };
				add(group.name, q, { number: q.issue.number,
					head_sha: null, base_sha: null, fork: null });
			} else {
				add(group.name, p, { number: null, base_sha: null });
				const inputs = [[{ pr: "12" }, 12],
					[{ pull_request: 3 }, 3],
					[{ pr: "", number: " 9 " }, 9]];
				for (const [i, num] of inputs) {
					const q = JSON.parse(JSON.stringify(p));
					q.inputs = i;
					add(group.name, q, { number: num,
						head_sha: null, base_sha: null });
				}
			}
		}
	}
}
/* Forks, and a fork deleted since, from the first pull_request example. */
for (const e of ["pull_request", "pull_request_target",
		 "pull_request_review", "pull_request_review_comment"]) {
	const f = JSON.parse(JSON.stringify(first));
	f.pull_request.head.repo.full_name = "forker/Hello-World";
	add(e, f, prWant(e, f));
	const g = JSON.parse(JSON.stringify(first));
	g.pull_request.head.repo = null;
	add(e, g, prWant(e, g));
}
fs.writeFileSync("pr.json", JSON.stringify(first));
for (const e of events)
	if (!seen[e]) {
		console.error("no examples of " + e);
		process.exit(1);
	}
console.log(n);
JS
ncases=$(node cases.js "$examples") || fail "cannot read the examples"
[ "$ncases" -gt 50 ] || fail "only $ncases cases"

i=1
while [ $i -le "$ncases" ]; do
	env GITHUB_ACTIONS=true GITHUB_EVENT_NAME="$(cat cases/$i.event)" \
		GITHUB_EVENT_PATH="$PWD/cases/$i.json" GITHUB_REPOSITORY=$repo \
		GITHUB_SHA=0000000000000000000000000000000000000000 \
		GITHUB_TOKEN=$token GITHUB_RUN_ID=77 \
		"$TEND_BIN" context --json -vv >out/$i.json 2>out/$i.err ||
		{ cat out/$i.err >&2; fail "case $i ($(cat cases/$i.event)) failed"; }
	i=$((i + 1))
done

cat >check.js <<'JS'
const fs = require("fs");
const n = +process.argv[2], repo = process.argv[3];
let bad = 0;
for (let i = 1; i <= n; i++) {
	const event = fs.readFileSync("cases/" + i + ".event", "utf8");
	const want = JSON.parse(fs.readFileSync("cases/" + i + ".want", "utf8"));
	let got;
	try {
		got = JSON.parse(fs.readFileSync("out/" + i + ".json", "utf8"));
	} catch (e) {
		console.error("case " + i + ": not JSON: " + e.message);
		bad++;
		continue;
	}
	const fixed = { forge: "github", ci: true, repository: repo,
		event: event, token: "GITHUB_TOKEN",
		api_url: "https://api.github.com",
		server_url: "https://github.com" };
	for (const [k, v] of Object.entries(Object.assign(fixed, want))) {
		if (got[k] !== v) {
			console.error("case " + i + " (" + event + "): " + k +
				" is " + JSON.stringify(got[k]) + ", want " +
				JSON.stringify(v));
			bad++;
		}
	}
	/* A run about no PR is about GITHUB_SHA. */
	if (want.number === null && got.head_sha !== "0".repeat(40)) {
		console.error("case " + i + ": head_sha " + got.head_sha);
		bad++;
	}
}
process.exit(bad ? 1 : 0);
JS
node check.js "$ncases" "$repo" || fail "tend context disagrees with payloads"
if grep -l "$token" out/* >/dev/null 2>&1; then
	grep -l "$token" out/* >&2
	fail "the token leaked"
fi
grep -q "trace: context" out/1.err || fail "no trace at -vv"

# Text output: one key per line, the token's source only.
expect_rc 0 env GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request \
	GITHUB_EVENT_PATH="$PWD/pr.json" GITHUB_REPOSITORY=$repo \
	GITHUB_TOKEN=$token "$TEND_BIN" context -vv
contains "$out" "forge: github"
contains "$out" "number: 2"
contains "$out" "token: GITHUB_TOKEN"
contains "$out" "project_id: -"
not_contains "$out$err" "$token"

# Broken payloads: exit 2, the file and the JSON path in the message.
printf '{"pull_request": {"number": "2"}}' >wrong.json
expect_rc 2 env GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request \
	GITHUB_EVENT_PATH="$PWD/wrong.json" GITHUB_TOKEN=$token \
	"$TEND_BIN" context
contains "$err" "\$GITHUB_EVENT_PATH ($PWD/wrong.json): .pull_request.number is not an integer"
not_contains "$out$err" "$token"
head -c 300 pr.json >truncated.json
expect_rc 2 env GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request \
	GITHUB_EVENT_PATH="$PWD/truncated.json" "$TEND_BIN" context
contains "$err" "$PWD/truncated.json): not valid JSON"
printf '{"inputs": {"pr": "twelve"}}' >dispatch.json
expect_rc 2 env GITHUB_ACTIONS=true GITHUB_EVENT_NAME=workflow_dispatch \
	GITHUB_EVENT_PATH="$PWD/dispatch.json" "$TEND_BIN" context
contains "$err" "dispatch.json): .inputs.pr is not a positive integer"
expect_rc 2 env GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request \
	GITHUB_EVENT_PATH="$PWD/missing.json" "$TEND_BIN" context
contains "$err" "missing.json): cannot open"
# workflow_dispatch with --pr: the option wins.
printf '{"inputs": {}}' >empty-inputs.json
expect_rc 0 env GITHUB_ACTIONS=true GITHUB_EVENT_NAME=workflow_dispatch \
	GITHUB_EVENT_PATH="$PWD/empty-inputs.json" GITHUB_REPOSITORY=$repo \
	"$TEND_BIN" context --pr 12
contains "$out" "number: 12"
contains "$out" "can_write: false"

# GitLab CI: merge request pipeline, merged results, job token.
sha_c=cccccccccccccccccccccccccccccccccccccccc
sha_h=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
sha_b=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
job=glcbt-FAKE0401jobTokenValue
pat=glpat-FAKE0401personalToken
gitlab() {
	env GITLAB_CI=true CI_SERVER_URL=https://gitlab.example.com \
		CI_API_V4_URL=https://gitlab.example.com/api/v4 \
		CI_PROJECT_ID=42 CI_PROJECT_PATH=group/sub/proj \
		CI_MERGE_REQUEST_IID=5 CI_PIPELINE_SOURCE=merge_request_event \
		CI_COMMIT_SHA=$sha_c CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=$sha_h \
		CI_MERGE_REQUEST_DIFF_BASE_SHA=$sha_b \
		CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature \
		CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main \
		CI_MERGE_REQUEST_SOURCE_PROJECT_ID=77 \
		CI_MERGE_REQUEST_PROJECT_ID=42 \
		CI_SERVER_TLS_CA_FILE=/etc/ca.pem CI_JOB_TOKEN=$job "$@"
}
expect_rc 0 gitlab "$TEND_BIN" context --json -vv
printf '%s' "$out" >gitlab.json
node -e '
const g = JSON.parse(require("fs").readFileSync("gitlab.json", "utf8"));
const want = { forge: "gitlab", ci: true, project_id: "42",
	repository: "group/sub/proj", number: 5,
	api_url: "https://gitlab.example.com/api/v4",
	server_url: "https://gitlab.example.com",
	event: "merge_request_event", head_sha: process.argv[1],
	base_sha: process.argv[2], head_ref: "feature", base_ref: "main",
	fork: true, token: "CI_JOB_TOKEN", can_write: false };
for (const [k, v] of Object.entries(want))
	if (g[k] !== v) {
		console.error(k + " is " + JSON.stringify(g[k]));
		process.exit(1);
	}' "$sha_h" "$sha_b" || fail "GitLab context"
not_contains "$out$err" "$job"
expect_rc 0 gitlab env GITLAB_TOKEN=$pat \
	CI_MERGE_REQUEST_SOURCE_BRANCH_SHA= "$TEND_BIN" context -vv
contains "$out" "token: GITLAB_TOKEN"
contains "$out" "can_write: -"
contains "$out" "head_sha: $sha_c"
not_contains "$out$err" "$pat"
not_contains "$out$err" "$job"
expect_rc 2 gitlab env CI_MERGE_REQUEST_IID=five "$TEND_BIN" context
contains "$err" "CI_MERGE_REQUEST_IID is not a positive integer: 'five'"

# A developer's checkout: the forge and repository from origin's URL.
new_repo gh
(cd gh && git remote add origin git@github.com:octo/app.git)
expect_rc 0 env GITHUB_TOKEN=$token "$TEND_BIN" context -C gh --pr 3
contains "$out" "forge: github"
contains "$out" "ci: false"
contains "$out" "repository: octo/app"
contains "$out" "number: 3"
contains "$out" "event: local"
contains "$out" "token: GITHUB_TOKEN"
not_contains "$out$err" "$token"
new_repo gl
(cd gl && git remote add origin \
	"https://me:hunter2FAKEpassword@gitlab.example.com/group/sub/proj.git")
mkdir gl/deep
expect_rc 0 "$TEND_BIN" context -C gl/deep --mr 4 -vv
contains "$out" "forge: gitlab"
contains "$out" "api_url: https://gitlab.example.com/api/v4"
contains "$out" "repository: group/sub/proj"
not_contains "$out$err" "hunter2FAKEpassword"
# Outside any repository, with nothing asked: no forge, not an error.
mkdir plain
expect_rc 0 "$TEND_BIN" context -C plain
contains "$out" "forge: none"

# Bad options.
expect_rc 2 "$TEND_BIN" context --pr abc
contains "$err" "--pr"
expect_rc 2 "$TEND_BIN" context --pr 0
expect_rc 2 "$TEND_BIN" context --pr 1 --mr 2
expect_rc 2 "$TEND_BIN" context --pr 1 --repo nope
contains "$err" "repository 'nope' is not OWNER/NAME"
expect_rc 2 "$TEND_BIN" context extra
expect_rc 0 "$TEND_BIN" context --help
contains "$out" "usage: tend context"
