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
# The description (@octokit/openapi: its tarball, checked against a pinned
# sha512, of which two files are kept) and the validator (ajv,
# ajv-formats) come from the npm registry at pinned versions, once, into
# $TEND_TEST_CACHE/npm-openapi (default build/test-cache/npm-openapi) and
# reused offline after. No npm, node or registry is a failure, not a skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || {
	echo "usage: github-openapi-check.sh LOG.json [LOG.json...]" >&2
	exit 2
}

pkgs="ajv@8.20.0 ajv-formats@3.0.1"
# The description: only the two files the check reads are kept (the
# package holds 390 MB of variants); its tarball is pinned by hash.
spec=@octokit/openapi@23.0.2
spec_sha512=pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg==
root=${TEND_TEST_CACHE:-$here/../../build/test-cache}
mkdir -p "$root" || exit 2
cache=$(cd "$root" && pwd)/npm-openapi
if [ "$(cat "$cache/.installed" 2>/dev/null)" != "$pkgs $spec" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "github-openapi-check: npm is needed to install $pkgs" \
			"$spec" >&2
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
		--no-update-notifier $pkgs &&
		npm pack --silent --no-update-notifier "$spec") \
		>"$tmp.log" 2>&1; then
		tail -20 "$tmp.log" >&2
		rm -rf "$tmp" "$tmp.log"
		echo "github-openapi-check: cannot fetch $pkgs $spec from" \
			"the npm registry" >&2
		exit 2
	fi
	tgz=$tmp/$(tail -1 "$tmp.log")
	rm -f "$tmp.log"
	got=$(python3 -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tgz") || got=
	if [ "$got" != "$spec_sha512" ]; then
		echo "github-openapi-check: $spec's tarball does not match its" \
			"pinned sha512 (got '$got')" >&2
		rm -rf "$tmp"
		exit 2
	fi
	ghes=$(tar -tzf "$tgz" | sed -n \
		's|^package/generated/\(ghes-[0-9]*\.[0-9]*\.json\)$|\1|p' |
		sort -t. -k1,1 -k2,2n | tail -1)
	dest=$tmp/node_modules/@octokit/openapi
	mkdir -p "$dest" &&
		tar -xzf "$tgz" -C "$dest" --strip-components=1 \
			package/LICENSE package/generated/api.github.com.json \
			${ghes:+"package/generated/$ghes"} || {
		echo "github-openapi-check: cannot unpack $tgz" >&2
		rm -rf "$tmp"
		exit 2
	}
	rm -f "$tgz"
	printf '%s\n' "$pkgs $spec" >"$tmp/.installed"
	# Another run may have installed it meanwhile: keep either copy.
	rm -rf "$cache" 2>/dev/null
	mv "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
fi
if ! command -v node >/dev/null 2>&1; then
	echo "github-openapi-check: node is needed to run ajv" >&2
	exit 2
fi
exec node "$here/github-openapi-check.js" "$cache/node_modules" "$@"
