#!/bin/bash
# Modern Bash the syntax check must accept.
set -euo pipefail

declare -A seen=()
files=(one.txt "two words.txt" three.txt)

usage() {
	cat <<EOF
usage: $0 [-v] FILE...
EOF
}

count_lines() {
	local f=$1 n=0
	while IFS= read -r _; do
		n=$((n + 1))
	done < "$f"
	echo "$n"
}

for f in "${files[@]}"; do
	if [[ -z ${seen[$f]:-} ]]; then
		seen[$f]=1
	fi
done

case ${1:-} in
-v | --verbose)
	verbose=1
	;;
-h)
	usage
	exit 0
	;;
*)
	verbose=0
	;;
esac

if [ "$verbose" -eq 1 ]; then
	printf '%s\n' "${!seen[@]}"
fi

result=$(printf '%s\n' "${files[@]}" | sort | uniq -c)
echo "${result:-none}"
