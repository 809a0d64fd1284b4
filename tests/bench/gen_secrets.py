#!/usr/bin/env python3
"""gen_secrets.py - a large change for the secrets benchmark.

    gen_secrets.py DIR MEGABYTES

Writes DIR/repo, a git repository whose branch `feature` adds MEGABYTES of
realistic code in files of about 100 KiB (Python, JavaScript, Go, C, YAML),
with lines that hold the words secret rules look for (token, password,
key, URLs with and without credentials, Authorization headers) and, every
few thousand lines, a made-up secret of one of several formats. Also
writes DIR/all.txt, the same added text in one file for ripgrep, and
DIR/patterns.txt, the `secrets` pack's patterns read from
review/pack_secrets.c, one per line. Deterministic: the same arguments give
the same bytes.
"""
import os
import random
import re
import subprocess
import sys

rng = random.Random(42)
B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
URL = B62 + "_-"
WORDS = ("user account order item price total cache client server request "
         "response handler config value index count name path file buffer "
         "result error status message event queue worker session data "
         "record field table column stream reader writer parser token key "
         "secret password auth login retry timeout limit offset page").split()


def r(alpha, n):
    return "".join(rng.choice(alpha) for _ in range(n))


def ident():
    return "_".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def camel():
    w = [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
    return w[0] + "".join(x.capitalize() for x in w[1:])


SECRETS = [
    lambda: "AKIA" + r(B32, 16),
    lambda: "ghp_" + r(B62, 36),
    lambda: "glpat-" + r(URL, 20),
    lambda: "xoxb-%s-%s-%s" % (r("0123456789", 12), r("0123456789", 13),
                               r(B62, 24)),
    lambda: "sk_live_" + r(B62, 24),
    lambda: "npm_" + r(B62, 36),
    lambda: "AIza" + r(URL, 35),
    lambda: "dop_v1_" + r(HEX, 64),
    lambda: "SG.%s.%s" % (r(URL, 22), r(URL, 43)),
    lambda: "sk-proj-%sT3BlbkFJ%s" % (r(URL, 40), r(URL, 40)),
]


def secret_line(lang):
    s = rng.choice(SECRETS)()
    if lang in ("python", "yaml"):
        return "%s = \"%s\"" % (ident().upper(), s)
    return "const %s = \"%s\";" % (camel(), s)


def py_line():
    k = rng.random()
    if k < 0.03:
        return "    %s_token = request.headers.get(\"X-%s\")" % (
            ident(), camel())
    if k < 0.05:
        return "    password = os.environ[\"%s_PASSWORD\"]" % ident().upper()
    if k < 0.07:
        return "    url = \"https://api.%s.io/v1/%s?key=%s\"" % (
            rng.choice(WORDS), ident(), camel())
    if k < 0.2:
        return "def %s(%s, %s):" % (ident(), ident(), ident())
    if k < 0.3:
        return "    # %s the %s before the %s" % (
            rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS))
    return "    %s = %s(%s, %d)" % (ident(), ident(), ident(),
                                    rng.randint(0, 999))


def js_line():
    k = rng.random()
    if k < 0.03:
        return "  headers: { Authorization: `Bearer ${%s}` }," % camel()
    if k < 0.05:
        return "  const apiKey = process.env.%s_API_KEY;" % ident().upper()
    if k < 0.07:
        return "  fetch(\"http://localhost:%d/%s\");" % (
            rng.randint(1000, 9999), camel())
    if k < 0.2:
        return "export function %s(%s, %s) {" % (camel(), camel(), camel())
    if k < 0.3:
        return "  // %s %s %s" % (rng.choice(WORDS), rng.choice(WORDS),
                                 rng.choice(WORDS))
    return "  const %s = await %s.%s(%s);" % (camel(), camel(), camel(),
                                             camel())


def go_line():
    k = rng.random()
    if k < 0.03:
        return "\ttoken, err := %s.%s(ctx, secretName)" % (camel(), camel())
    if k < 0.2:
        return "func (s *%s) %s(ctx context.Context) error {" % (
            camel().capitalize(), camel().capitalize())
    return "\t%s := %s.%s(%s, %d)" % (camel(), camel(), camel().capitalize(),
                                      camel(), rng.randint(0, 99))


def c_line():
    k = rng.random()
    if k < 0.03:
        return "\tif (strcmp(key, \"%s\") == 0)" % ident()
    if k < 0.2:
        return "static int %s(struct %s *%s, size_t n)" % (ident(), ident(),
                                                         ident())
    return "\t%s = %s(%s, %s);" % (ident(), ident(), ident(),
                                   rng.randint(0, 4096))


def yaml_line():
    k = rng.random()
    if k < 0.05:
        return "  %s_secret: ${{ secrets.%s }}" % (ident(), ident().upper())
    if k < 0.08:
        return "  database_url: postgres://app:${DB_PASSWORD}@db/app"
    return "  %s: %s" % (ident(), rng.choice(WORDS + ["true", "42", "\"x\""]))


LANGS = [("py", "python", py_line), ("js", "javascript", js_line),
         ("go", "go", go_line), ("c", "c", c_line), ("yml", "yaml", yaml_line)]


def pack_patterns(src):
    """The pattern literals of every rule in pack_secrets.c."""
    text = open(src).read()
    out = []
    # literals, with the comments that may sit between them
    for m in re.finditer(r'\.pattern\s*=\s*((?:\s*(?:/\*.*?\*/\s*)*'
                         r'"(?:[^"\\]|\\.)*")+)\s*,', text, re.S):
        body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
        lits = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
        raw = "".join(lits)
        out.append(bytes(raw, "utf-8").decode("unicode_escape"))
    return out


def main():
    dest, mb = sys.argv[1], float(sys.argv[2])
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                        ".."))
    repo = os.path.join(dest, "repo")
    os.makedirs(repo)
    git = ["git", "-C", repo, "-c", "user.name=b", "-c",
           "user.email=b@example.com"]
    subprocess.run(git[:3] + ["init", "-q", "-b", "main"], check=True)
    with open(os.path.join(repo, "README"), "w") as f:
        f.write("bench\n")
    with open(os.path.join(repo, ".tend.yml"), "w") as f:
        f.write("checks:\n  disable: [hygiene, risky, structure]\n")
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    subprocess.run(git + ["checkout", "-qb", "feature"], check=True)

    target = int(mb * 1024 * 1024)
    total = nfile = nsecrets = 0
    every = 3000
    with open(os.path.join(dest, "all.txt"), "w") as all_txt:
        while total < target:
            ext, lang, gen = LANGS[nfile % len(LANGS)]
            path = os.path.join(repo, "src", "m%03d" % (nfile // 100),
                                "f%05d.%s" % (nfile, ext))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            lines = []
            size = 0
            while size < 100 * 1024:
                line = secret_line(lang) if rng.randrange(every) == 0 \
                    else gen()
                nsecrets += line.count("\"") and any(
                    p in line for p in ("AKIA", "ghp_", "glpat-", "xoxb-",
                                        "sk_live_", "npm_", "AIza", "dop_v1_",
                                        "SG.", "T3BlbkFJ"))
                lines.append(line)
                size += len(line) + 1
            body = "\n".join(lines) + "\n"
            with open(path, "w") as f:
                f.write(body)
            all_txt.write(body)
            total += len(body)
            nfile += 1
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "feature"], check=True)
    with open(os.path.join(dest, "patterns.txt"), "w") as f:
        for p in pack_patterns(os.path.join(root, "review",
                                            "pack_secrets.c")):
            f.write(p + "\n")
    print("gen_secrets: %d files, %.1f MB, about %d secrets"
          % (nfile, total / 1048576, nsecrets))


if __name__ == "__main__":
    main()
