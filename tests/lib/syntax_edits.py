#!/usr/bin/env python3
"""Breaking and harmless edits of source files, for measuring the syntax
check (tests/integration/t0307-syntax-suite.sh, tests/bench/syntax_real.sh).

  syntax_edits.py edit KIND SEED DIR EXPECT.json [--prebroken]
      Edit every file under DIR in place with one edit of KIND (a file KIND
      does not apply to is left alone) and write, per edited file, the
      lines a report must lie within 3 lines of. KIND is one of KINDS, or
      "blank" (a harmless empty line) and "comment" (a harmless comment at
      the end), which expect nothing. --prebroken only appends a line the
      grammar cannot parse (a stray ')'; in shell, a here-document followed
      by '&'), to make a base with a parse error.
  syntax_edits.py score KIND EXPECT.json REPORT.json...
      Read `tend review --format json` reports and print, per language, how
      many edits were found within 3 lines, the misses, and every syntax
      finding on a file without an expected edit (a false alarm). Prints a
      last line "found F of N" and "false F".

Edits are chosen by construction to be syntax errors in the file's
language (a `return` typo only where the language cannot read it as a
declaration or a call); where the language's own tool is at hand (Python's
compile(), `bash -n`, `node --check`) and accepts the file, an edit counts
only when the tool rejects it. SEED makes the choice of line repeatable.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

LANGS = {
    ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".hpp": "cpp",
    ".hh": "cpp", ".py": "python", ".js": "javascript", ".mjs": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".go": "go", ".rs": "rust",
    ".java": "java", ".rb": "ruby", ".sh": "bash", ".bash": "bash",
}
BRACES = {"c", "cpp", "javascript", "typescript", "go", "rust", "java"}
CLOSERS = {
    "ruby": {"end"}, "bash": {"fi", "done", "esac"},
}
COMMENT = {"python": "#", "ruby": "#", "bash": "#"}
# What --prebroken appends: a stray ')'; in shell, a here-document followed
# by '&', valid shell that tree-sitter-bash 0.23 cannot parse (a stray ')'
# would turn its whole file into one ERROR).
PREBROKEN = {"bash": ["cat <<EOF &", "prebroken", "EOF", "wait"]}


def lang_of(path):
    ext = os.path.splitext(path)[1].lower()
    if ext in LANGS:
        return LANGS[ext]
    try:
        with open(path, "rb") as f:
            first = f.readline().decode("utf-8", "replace")
    except OSError:
        return None
    if first.startswith("#!"):
        if re.search(r"\b(ba|da)?sh\b", first):
            return "bash"
        if "python" in first:
            return "python"
        if "ruby" in first:
            return "ruby"
        if "node" in first:
            return "javascript"
    return None


def closer(lang, stripped):
    if lang in BRACES:
        return stripped in ("}", "};")
    return stripped in CLOSERS.get(lang, ())


def in_python_string(lines):
    """Per line: is it inside a triple-quoted string or brackets?"""
    inside, depth, out = False, 0, []
    for line in lines:
        out.append(inside or depth > 0)
        code = line.split("#")[0] if '"' not in line and "'" not in line \
            else line
        n = line.count('"""') + line.count("'''")
        if n % 2:
            inside = not inside
        if not inside and '"' not in line and "'" not in line:
            depth += code.count("(") + code.count("[") + code.count("{")
            depth -= code.count(")") + code.count("]") + code.count("}")
            depth = max(depth, 0)
    return out


def heredocs(lang, lines):
    """Per line: is it the body of a shell here-document?"""
    out, end = [], None
    for line in lines:
        out.append(end is not None)
        if end is not None:
            if line.strip() == end:
                end = None
            continue
        if lang == "bash":
            m = re.search(r"<<-?\s*['\"]?(\w+)", line)
            if m and "<<<" not in line:
                end = m.group(1)
    return out


def comments(lang, lines):
    """Per line: is it inside a block comment, raw string or template?"""
    out, close = [], None
    for line in lines:
        out.append(close is not None)
        if lang not in BRACES:
            continue
        rest = line
        while True:
            if close is not None:
                j = rest.find(close)
                if j < 0:
                    break
                rest, close = rest[j + len(close):], None
                out[-1] = True
                continue
            m = re.search(r'/\*|R"([^(\s]*)\(|`', rest)
            if not m:
                break
            tok = m.group(0)
            close = ("*/" if tok == "/*" else "`" if tok == "`"
                     else ")" + m.group(1) + '"')
            rest = rest[m.end():]
            out[-1] = True
    return out


def candidates(kind, lang, lines):
    """(index, new_lines, expected lines 1-based) for each possible edit."""
    out = []
    body = [a or b for a, b in zip(heredocs(lang, lines),
                                   comments(lang, lines))]
    for i, line in enumerate(lines):
        s = line.strip()
        if body[i] or "/*" in line or "*/" in line or "//" in line:
            continue
        if kind == "del-close" and closer(lang, s):
            # the report may sit on the line above or below the gap
            out.append((i, lines[:i] + lines[i + 1:], [max(i, 1), i + 1]))
        elif kind == "dup-close" and closer(lang, s) and lang != "bash":
            out.append((i, lines[:i + 1] + [line] + lines[i + 1:],
                        [i + 1, i + 2]))
        elif kind == "typo":
            if lang in ("javascript", "typescript", "rust"):
                ok = re.match(r"\s*return [\w(\"'!-].*;\s*$", line)
            elif lang == "java":
                ok = re.match(r"\s*return (null|true|false);\s*$", line)
            elif lang in ("go", "python"):
                ok = re.match(r"\s*return [\w(\"'!-]", line)
            else:
                ok = None
            if ok:
                new = line.replace("return", "retrun", 1)
                out.append((i, lines[:i] + [new] + lines[i + 1:], [i + 1]))
        elif kind == "unterminated" and lang in BRACES - {"rust"} | {"python"}:
            if (line.count('"') == 2 and "\\" not in line and "'" not in line
                    and "`" not in line and not s.startswith(("//", "#", "*"))
                    and re.search(r'"[^"]*"', line) and "R\"" not in line):
                j = line.rindex('"')
                new = line[:j] + line[j + 1:]
                out.append((i, lines[:i] + [new] + lines[i + 1:], [i + 1]))
        elif kind == "paren" and lang == "bash":
            if re.match(r"\s*\w+\(\) \{$", line):
                new = line.replace("()", "(", 1)
                out.append((i, lines[:i] + [new] + lines[i + 1:], [i + 1]))
        elif kind == "paren":
            if (re.search(r"\w\([^()]*\)[;{ ]*$", line) and
                    line.count("(") == line.count(")") == 1 and
                    not s.startswith(("//", "#", "*", "/*")) and
                    '"' not in line and "'" not in line and
                    not (lang == "bash" and "$(" in line)):
                j = line.rindex(")")
                new = line[:j] + line[j + 1:]
                out.append((i, lines[:i] + [new] + lines[i + 1:], [i + 1]))
    if lang == "python" and kind in ("colon", "indent"):
        skip = in_python_string(lines)
        prev = None
        for i, line in enumerate(lines):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            ind = len(line) - len(line.lstrip())
            if (kind == "colon" and not skip[i] and re.match(
                    r"\s*(def|if|elif|for|while|class|with|try|else|"
                    r"except|finally)\b[^#]*:\s*$", line)
                    and line.count("(") == line.count(")")):
                new = line.rstrip()[:-1]
                out.append((i, lines[:i] + [new] + lines[i + 1:], [i + 1]))
            if (kind == "indent" and prev is not None and not skip[i] and
                    not skip[prev] and
                    len(lines[prev]) - len(lines[prev].lstrip()) == ind and
                    not lines[prev].rstrip().endswith((":", ",", "\\", "(",
                                                       "[", "{")) and
                    not s.startswith((")", "]", "}", "@", "else", "elif",
                                      "except", "finally"))):
                out.append((i, lines[:i] + ["    " + line] + lines[i + 1:],
                            [i + 1]))
            prev = i
    return out


def compiles(lang, lines):
    """True or False by the language's own tool, None when there is none."""
    # judge the edit, not the break --prebroken appended
    tail = PREBROKEN.get(lang, [")"])
    body = [x for x in lines]
    while body and body[-1] == "":
        body.pop()
    if body[-len(tail):] == tail:
        lines = body[:-len(tail)]
    text = "\n".join(lines)
    if lang == "python":
        try:
            compile(text, "edit.py", "exec")
            return True
        except (SyntaxError, ValueError):
            return False
    tool = {"bash": ["bash", "-n"], "javascript": ["node", "--check"]}
    if lang not in tool or not shutil.which(tool[lang][0]):
        return None
    suffix = ".mjs" if lang == "javascript" else ".sh"
    with tempfile.NamedTemporaryFile("w", suffix=suffix) as f:
        f.write(text)
        f.flush()
        r = subprocess.run(tool[lang] + [f.name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return r.returncode == 0


def pick(lang, lines, cands, rng):
    """A candidate the language's tool rejects, when it accepts the base."""
    rng.shuffle(cands)
    if not cands or compiles(lang, lines) is not True:
        return cands[0] if cands else None
    for c in cands[:8]:
        if compiles(lang, c[1]) is False:
            return c
    return None


def read_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.split("\n")


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines))


def cmd_edit(kind, seed, root, expect_path, prebroken):
    expect = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            lang = lang_of(path)
            lines = read_lines(path) if lang else None
            if not lines:
                continue
            rng = random.Random("%s:%s:%s" % (seed, kind, rel))
            if prebroken:
                end = len(lines) - (1 if lines[-1] == "" else 0)
                bad = PREBROKEN.get(lang, [")"])
                write_lines(path, lines[:end] + bad + lines[end:])
                continue
            if kind == "blank":
                # not after a line continued with '\', where an empty
                # line ends a macro or a statement early
                spots = [i for i in range(len(lines))
                         if i == 0 or not lines[i - 1].endswith("\\")]
                i = rng.choice(spots)
                write_lines(path, lines[:i] + [""] + lines[i:])
                continue
            if kind == "comment":
                mark = COMMENT.get(lang, "//")
                end = len(lines) - (1 if lines[-1] == "" else 0)
                write_lines(path, lines[:end] + [mark + " reviewed"] +
                            lines[end:])
                continue
            chosen = pick(lang, lines, candidates(kind, lang, lines), rng)
            if not chosen:
                continue
            i, new, want = chosen
            write_lines(path, new)
            expect[rel] = {"lang": lang, "lines": want,
                           "edit": lines[i].strip()[:60]}
    with open(expect_path, "w") as f:
        json.dump(expect, f, indent=1, sort_keys=True)


def cmd_score(kind, expect_path, reports):
    with open(expect_path) as f:
        expect = json.load(f)
    found = {}
    for r in reports:
        with open(r) as f:
            d = json.load(f)
        for x in d.get("findings", []):
            if x.get("rule_id") == "structure/syntax-error":
                found.setdefault(x["path"], []).append(x)
    per = {}
    misses, false = [], []
    for path, e in sorted(expect.items()):
        n, hit = per.setdefault(e["lang"], [0, 0]), False
        n[0] += 1
        for x in found.get(path, []):
            if min(abs(x["line"] - w) for w in e["lines"]) <= 3:
                hit = True
        if hit:
            n[1] += 1
        else:
            got = ["%d: %s" % (x["line"], x["message"])
                   for x in found.get(path, [])]
            misses.append("%s:%s %s [%s] got %s" % (
                path, e["lines"][0], kind, e["edit"], got or "nothing"))
    for path, xs in sorted(found.items()):
        if path not in expect:
            for x in xs:
                false.append("%s:%d %s" % (path, x["line"], x["message"]))
    total = sum(n for n, _ in per.values())
    hits = sum(h for _, h in per.values())
    for lang, (n, h) in sorted(per.items()):
        print("%-12s %-12s found %3d of %3d" % (kind, lang, h, n))
    for m in misses:
        print("miss  " + m)
    for m in false:
        print("false " + m)
    print("found %d of %d" % (hits, total))
    print("false %d" % len(false))


def main(argv):
    if len(argv) >= 5 and argv[1] == "edit":
        cmd_edit(argv[2], argv[3], argv[4], argv[5],
                 "--prebroken" in argv[6:])
    elif len(argv) >= 4 and argv[1] == "score":
        cmd_score(argv[2], argv[3], argv[4:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
