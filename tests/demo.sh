#!/bin/sh
# demo.sh - the first thing a newcomer runs (`make demo`): make a small git
# repository with a feature branch whose change has real problems in it, and
# run `tend review --local` on it. No forge, no model, no network.
set -u
tend=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(mktemp -d "${TMPDIR:-/tmp}/tend-demo.XXXXXX")
cd "$dir" || exit 2

git init -q -b main . 2>/dev/null || { git init -q . && git checkout -q -b main; }
git config user.name "tend demo"
git config user.email "demo@example.invalid"
mkdir -p src web
cat > src/parse.c <<'C'
#include <stdio.h>

int parse(const char *s)
{
	return s[0] == '#';
}
C
cat > web/app.js <<'JS'
export function total(items) {
  return items.reduce((a, b) => a + b.price, 0);
}
JS
printf 'print("hello")\n' > tool.py
git add -A && git commit -qm "initial version"

git checkout -q -b feature
cat > src/parse.c <<'C'
#include <stdio.h>

int parse(const char *s)
{
<<<<<<< HEAD
	return s[0] == '#';
=======
	return s && s[0] == '#';
>>>>>>> fix-null
}
C
cat > web/app.js <<'JS'
export function total(items) {
  console.log("items", items);
  debugger;
  return items.reduce((a, b) => a + b.price, 0);
}
JS
mkdir -p web/test
cat > web/test/app.test.js <<'JS'
describe.only("total", () => {
  it("adds prices", () => {});
});
JS
printf 'def main():\n    breakpoint()\n    print("hello")\n' > tool.py
printf 'DATABASE_URL=postgres://app:hunter2@db/app\n' > .env
printf '{"lockfileVersion": 3}\n' > package-lock.json
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' > web/logo.png
git add -A && git commit -qm "feature: null check, debug output, config"

echo "\$ cd $dir"
echo "\$ git log --oneline main..feature"
git log --oneline main..feature
echo "\$ tend review --local --no-llm"
"$tend" review --local --no-llm
rc=$?
echo
echo "(exit status $rc: 1 means findings at or above the fail level, 'error' by default)"
echo "Try: $tend review --local -C $dir --format json"
[ $rc -le 1 ]
