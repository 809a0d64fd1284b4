#!/bin/sh
# github-openapi-check.sh LOG.json [LOG.json...]
#
# Checks every request in the request logs of the fake servers
# (fakegithub.py, fakehttp.py) against GitHub's OpenAPI description, with
# github-openapi-check.js: the operation must exist, the query parameters
# must be the operation's, the JSON body must fit its requestBody schema.
# Prints one line per violation and "openapi: N requests checked, N
# invalid"; exits 1 if any request is invalid, 2 if the check cannot run.
#
# The description (@octokit/openapi) and the validator (ajv, ajv-formats)
# come from the npm registry at pinned versions, installed once into
# $TEND_TEST_CACHE/npm-openapi (default build/test-cache/npm-openapi) and
# reused offline after. No npm, node or registry is a failure, not a skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || {
	echo "usage: github-openapi-check.sh LOG.json [LOG.json...]" >&2
	exit 2
}

pkgs="@octokit/openapi@23.0.2 ajv@8.20.0 ajv-formats@3.0.1"
root=${TEND_TEST_CACHE:-$here/../../build/test-cache}
mkdir -p "$root" || exit 2
cache=$(cd "$root" && pwd)/npm-openapi
if [ "$(cat "$cache/.installed" 2>/dev/null)" != "$pkgs" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "github-openapi-check: npm is needed to install $pkgs" >&2
		exit 2
	fi
	tmp=$cache.tmp.$$
	rm -rf "$tmp" && mkdir -p "$tmp" || exit 2
	printf '{ "name": "tend-openapi-check", "private": true }\n' \
		>"$tmp/package.json"
	# Installed from inside the directory, not with --prefix: --prefix
	# also moves npm's global config, and with it the registry's CA file.
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && npm install --no-audit --no-fund \
		--no-update-notifier $pkgs) >"$tmp.log" 2>&1; then
		tail -20 "$tmp.log" >&2
		rm -rf "$tmp" "$tmp.log"
		echo "github-openapi-check: cannot install $pkgs from the" \
			"npm registry" >&2
		exit 2
	fi
	rm -f "$tmp.log"
	printf '%s\n' "$pkgs" >"$tmp/.installed"
	# Another run may have installed it meanwhile: keep either copy.
	rm -rf "$cache" 2>/dev/null
	mv "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
fi
if ! command -v node >/dev/null 2>&1; then
	echo "github-openapi-check: node is needed to run ajv" >&2
	exit 2
fi
exec node "$here/github-openapi-check.js" "$cache/node_modules" "$@"
