#!/bin/sh
# component-sync.sh - copy scripts/install-release.sh and
# scripts/release-sums into the GitLab component, templates/tend.yml.
#
#   sh scripts/component-sync.sh [-c] [TEMPLATE [INSTALL_SCRIPT [SUMS]]]
#
# A component is one YAML file that GitLab includes by itself: a job from
# it cannot read tend's other files. So the component carries both as
# here-documents in its script, between the lines
#   cat >"..." <<'TEND_INSTALL_RELEASE'  ...  TEND_INSTALL_RELEASE
#   cat >"..." <<'TEND_RELEASE_SUMS'     ...  TEND_RELEASE_SUMS
# and this script rewrites what is between them, indented like the opening
# line. Run it after editing either file (scripts/pin-release.sh does);
# tests/integration/t0403-release-download.sh fails while they differ.
# With -c it changes nothing and exits 1 when TEMPLATE is out of date.
set -eu
check=""
if [ "${1:-}" = -c ]; then
	check=1
	shift
fi
template=${1:-templates/tend.yml}
script=${2:-scripts/install-release.sh}
sums=${3:-scripts/release-sums}
for f in "$template" "$script" "$sums"; do
	[ -f "$f" ] || { echo "component-sync.sh: no file $f" >&2; exit 2; }
done
# GitLab reads $[[ ... ]] in a component as an input; the copies must not
# hold it, nor the lines that end the here-documents.
if grep -q -e '\$\[\[' -e '^TEND_INSTALL_RELEASE$' -e '^TEND_RELEASE_SUMS$' \
	"$script" "$sums"; then
	echo "component-sync.sh: $script or $sums holds '\$[[' or a" \
		"here-document end line" >&2
	exit 2
fi

tmp=$(mktemp "${TMPDIR:-/tmp}/component-sync.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk -v script="$script" -v sums="$sums" '
	function emit(file, indent,    line) {
		while ((getline line < file) > 0)
			print (line == "" ? "" : indent line)
		close(file)
	}
	skip != "" {
		if ($0 == skip) {
			print
			skip = ""
		}
		next
	}
	/<<'\''TEND_INSTALL_RELEASE'\''$/ || /<<'\''TEND_RELEASE_SUMS'\''$/ {
		print
		match($0, /^ */)
		indent = substr($0, 1, RLENGTH)
		if ($0 ~ /TEND_INSTALL_RELEASE/) {
			emit(script, indent)
			skip = indent "TEND_INSTALL_RELEASE"
			n_script++
		} else {
			emit(sums, indent)
			skip = indent "TEND_RELEASE_SUMS"
			n_sums++
		}
		next
	}
	{ print }
	END {
		if (skip != "") {
			print "component-sync.sh: no line " skip > "/dev/stderr"
			exit 2
		}
		if (n_script < 1 || n_sums < 1) {
			print "component-sync.sh: no here-documents to fill" \
				> "/dev/stderr"
			exit 2
		}
	}' "$template" >"$tmp"

if cmp -s "$tmp" "$template"; then
	exit 0
fi
if [ -n "$check" ]; then
	echo "component-sync.sh: $template is out of date; run" \
		"sh scripts/component-sync.sh" >&2
	exit 1
fi
cat "$tmp" >"$template"
echo "component-sync.sh: updated $template"
