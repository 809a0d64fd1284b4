#!/bin/sh
# Rules from checks.rules in .tend.yml run next to the built-in packs; a bad
# pattern names the rule, the PCRE2 message and the offset.
. "$TEND_TESTS/integration/lib.sh"

new_repo r
cd r
cat > .tend.yml <<'YML'
checks:
  rules:
    - id: no-printf-debug
      pattern: '\bprintf\s*\(\s*"DEBUG'
      languages: [c]
      severity: warning
      message: "debug print left in"
YML
git add .tend.yml && git commit -qm config
git checkout -q -b f
printf 'int main(void)\n{\n\tprintf("DEBUG %%d\\n", 1);\n}\n' > m.c
printf 'printf("DEBUG not c")\n' > notes.txt
git add -A && git commit -qm f

expect_rc 0 "$TEND_BIN" review --local
contains "$out" "m.c:3:2: warning: debug print left in [no-printf-debug]"
not_contains "$out" "notes.txt:"
expect_rc 1 "$TEND_BIN" review --local --fail-level warning

git checkout -q main
cat > .tend.yml <<'YML'
checks:
  rules:
    - id: broken
      pattern: 'abc(def'
      message: "never compiles"
YML
git commit -qam broken
git checkout -q f && git rebase -q main
expect_rc 2 "$TEND_BIN" review --local
contains "$err" "broken"
contains "$err" "offset"

# Built-in rules can be turned off by id or pack.
git checkout -q main
printf 'checks:\n  disable: [hygiene]\n' > .tend.yml && git commit -qam disable
git checkout -q f && git rebase -q main
printf '<<<<<<< HEAD\n' > c.txt && git add c.txt && git commit -qm c
expect_rc 0 "$TEND_BIN" review --local
not_contains "$out" "c.txt:1"
