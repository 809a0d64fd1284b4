#!/usr/bin/env python3
"""gitleaks_cases.py - reproduce the rule test cases of a gitleaks checkout.

    gitleaks_cases.py GITLEAKS_DIR OUT_DIR [SEED]

gitleaks keeps, next to each rule in cmd/generate/config/rules/*.go, the
texts the rule must flag (tps) and must not flag (fps), built in Go: string
literals, `utils.GenerateSampleSecrets(id, secret)` (one secret in some 30
assignment shapes), `secrets.NewSecret(regex)` (a random string that a
regex matches), fmt.Sprintf, append, loops. This script reads those files
and evaluates that subset of Go with a small interpreter, so every case is
built the way gitleaks builds it, with our own random strings (seeded:
same SEED, same files). Nothing of gitleaks is copied into tend: the cases
are made at run time from the checkout given.

It writes OUT_DIR/cases/<rule>/tp-N.txt and fp-N.txt (or the path a
ValidateWithPaths case names), OUT_DIR/cases.json (one record a case) and
prints, on stderr, the rules whose cases it could not build and why.

Deviations from gitleaks' generator (Go's reggen), which do not change
what a case looks like: random strings are drawn from ASCII only (Go folds
(?i)[a-z] to also include U+017F and U+212A); `*` and `+` repeat at most
once more than their minimum, as Generate(1) does.
"""
import base64
import json
import os
import random
import re
import sys

try:
    import re._parser as sre_parse
    import re._constants as sre_c
except ImportError:  # Python < 3.11
    import sre_parse
    import sre_constants as sre_c

RNG = random.Random(1)


class GoError(Exception):
    pass


# ---------------------------------------------------------------- lexer

TOK = re.compile(r"""
    (?P<ws>[ \t\r]+)
  | (?P<nl>\n)
  | (?P<lc>//[^\n]*)
  | (?P<bc>/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<rune>'(?:[^'\\\n]|\\.)+')
  | (?P<num>[0-9]+(?:\.[0-9]+)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\.\.|:=|\+=|==|!=|<=|>=|&&|\|\||\+\+|--|<-|[-+*/%&|^<>=!(){}\[\],;:.])
""", re.S | re.X)

GO_ESC = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'",
          "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def go_unquote(s):
    out, i, body = [], 0, s[1:-1]
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e in GO_ESC:
            out.append(GO_ESC[e])
            i += 2
        elif e == "x":
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif e == "u":
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        elif e == "U":
            out.append(chr(int(body[i + 2:i + 10], 16)))
            i += 10
        elif e in "01234567":
            out.append(chr(int(body[i + 1:i + 4], 8)))
            i += 4
        else:
            raise GoError("bad escape \\" + e)
    return "".join(out)


def lex(src):
    """Tokens as (kind, value), with Go's automatic semicolons."""
    toks, pos = [], 0
    while pos < len(src):
        m = TOK.match(src, pos)
        if not m:
            raise GoError("cannot lex at %r" % src[pos:pos + 20])
        pos = m.end()
        kind = m.lastgroup
        val = m.group()
        if kind in ("ws", "lc"):
            continue
        if kind == "bc":
            if "\n" in val:
                kind = "nl"
            else:
                continue
        if kind == "nl":
            if toks and (toks[-1][0] in ("id", "str", "num") or
                         toks[-1][1] in (")", "]", "}", "++", "--")):
                toks.append(("op", ";"))
            continue
        if kind == "raw":
            toks.append(("str", val[1:-1].replace("\r", "")))
        elif kind == "str":
            toks.append(("str", go_unquote(val)))
        elif kind == "rune":
            toks.append(("num", ord(go_unquote('"' + val[1:-1] + '"'))))
        else:
            toks.append((kind, val))
    toks.append(("op", ";"))
    toks.append(("eof", None))
    return toks


# ---------------------------------------------------------------- regex -> text

def go_regex_to_py(rx):
    fold = "(?i" in rx
    rx = re.sub(r"\(\?[imsU]+\)", "", rx)
    rx = rx.replace(r"\z", r"\Z")
    for cls, rep in (("[:alnum:]", "a-zA-Z0-9"), ("[:alpha:]", "a-zA-Z"),
                     ("[:digit:]", "0-9"), ("[:upper:]", "A-Z"),
                     ("[:lower:]", "a-z"), ("[:space:]", r"\s"),
                     ("[:xdigit:]", "0-9a-fA-F"), ("[:punct:]", "!-/:-@[-`{-~"),
                     ("[:print:]", " -~"), ("[:word:]", r"\w")):
        rx = rx.replace(cls, rep)
    return rx, fold


PRINTABLE = [chr(c) for c in range(33, 127)]
CATS = {
    sre_c.CATEGORY_DIGIT: "0123456789",
    sre_c.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    sre_c.CATEGORY_SPACE: " ",
    sre_c.CATEGORY_NOT_DIGIT: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    sre_c.CATEGORY_NOT_WORD: "-+=/.,;:!",
    sre_c.CATEGORY_NOT_SPACE: "abcdefghijklmnopqrstuvwxyz0123456789",
}


def charset(items, fold):
    neg, chars = False, set()
    for op, av in items:
        if op == sre_c.NEGATE:
            neg = True
        elif op == sre_c.LITERAL:
            chars.add(chr(av))
        elif op == sre_c.RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op == sre_c.CATEGORY:
            chars.update(CATS[av])
        else:
            raise GoError("char class op %s" % op)
    if fold:
        chars |= {c.swapcase() for c in chars if c.isascii()}
    if neg:
        chars = set(PRINTABLE) - chars
    return sorted(chars)


def gen(parsed, fold, out):
    for op, av in parsed:
        if op == sre_c.LITERAL:
            out.append(chr(av))
        elif op == sre_c.NOT_LITERAL:
            out.append(RNG.choice([c for c in PRINTABLE if ord(c) != av]))
        elif op == sre_c.ANY:
            out.append(RNG.choice(PRINTABLE))
        elif op == sre_c.IN:
            out.append(RNG.choice(charset(av, fold)))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT,
                    getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            if hi == sre_c.MAXREPEAT:
                hi = lo + 1
            for _ in range(RNG.randint(lo, hi)):
                gen(sub, fold, out)
        elif op == sre_c.SUBPATTERN:
            gen(av[-1], fold, out)
        elif op == sre_c.BRANCH:
            gen(RNG.choice(av[1]), fold, out)
        elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            pass
        else:
            raise GoError("regex op %s" % op)


SEEN = set()     # every random secret drawn and every sampled value


def new_secret(rx):
    py, fold = go_regex_to_py(rx)
    try:
        parsed = sre_parse.parse(py)
    except Exception as e:
        raise GoError("regex %r: %s" % (rx, e))
    out = []
    gen(parsed, fold, out)
    SEEN.add("".join(out))
    return "".join(out)


# ---------------------------------------------------------------- helpers

SAMPLE_SHAPES = [
    '{i}Token="{s}"', '{i}Token = "{s}"', "{i}Token={s}", "{i}Token = {s}",
    '{\n    "{i}_token": "{s}"\n}',
    '{"config.ini": "{I}_TOKEN={s}\\nBACKUP_ENABLED=true"}',
    "<{i}Token>\n    {s}\n</{i}Token>",
    "{i}_token: {s}", "{i}_token: '{s}'", '{i}_token: "{s}"',
    'string {i}Token = "{s}";', 'var {i}Token string = "{s}"',
    '{i}Token := "{s}"', "{i}Token := `{s}`", 'String {i}Token = "{s}";',
    'var {i}Token = "{s}"', '${i}Token .= "{s}"', "{i}Token = '{s}'",
    '{i}Token = "{s}"', 'System.setProperty("{I}_TOKEN", "{s}")',
    '  "{i}Token" => "{s}"',
    '{i}_TOKEN = "{s}"', '{i}_TOKEN := "{s}"', '{i}_TOKEN ::= "{s}"',
    '{i}_TOKEN :::= "{s}"', '{i}_TOKEN ?= "{s}"',
]


def sample_secrets(ident, secret):
    """The assignment shapes of gitleaks' GenerateSampleSecrets (issue
    #1222 there); the list is re-typed from its documentation, one shape
    a line, and checked against the checkout by shapes_from_checkout()."""
    SEEN.add(secret)
    return [s.replace("{i}", ident).replace("{I}", ident.upper())
             .replace("{s}", secret) for s in SAMPLE_SHAPES]


def shapes_from_checkout(root):
    """The shapes the checkout's generate.go holds, to warn when it moved."""
    p = os.path.join(root, "cmd/generate/config/utils/generate.go")
    try:
        src = open(p, encoding="utf-8").read()
    except OSError:
        return None
    body = src[src.find("samples := map[string]string{"):]
    body = body[:body.find("replacer")]
    found = []
    for line in body.splitlines():
        t = line.strip()
        if t.startswith("//") or ":" not in t:
            continue
        toks = [v for k, v in lex(t) if k == "str"]
        if len(toks) >= 2:
            found.append(toks[1])
    return found


def go_sprintf(fmt, *args):
    args = list(args)

    def sub(m):
        verb = m.group(2)
        if verb == "%":
            return "%"
        a = args.pop(0)
        if verb == "q":
            return json.dumps(a)
        if verb == "d":
            return str(int(a))
        return str(a) if not isinstance(a, bool) else ("true" if a else "false")
    return re.sub(r"%([-+# 0]*\d*)([sdvqx%])", sub, fmt)


class Struct(dict):
    def __init__(self, typ, **kw):
        super().__init__(**kw)
        self.typ = typ


class Rx(str):
    """A regexp.MustCompile() value: its source."""


class Func:
    def __init__(self, name, params, body):
        self.name, self.params, self.body = name, params, body


class Return(Exception):
    def __init__(self, value):
        self.value = value


class Continue(Exception):
    pass


class Break(Exception):
    pass


STOPWORDS = []


def contains_stopword(s):
    low = s.lower()
    for w in STOPWORDS:
        if w in low:
            return True, w
    return False, ""


def builtin(name, args, interp):
    u = "utils."
    if name == u + "Numeric":
        return Rx("[0-9]{%s}" % args[0])
    if name == u + "Hex":
        return Rx("[a-f0-9]{%s}" % args[0])
    if name == u + "AlphaNumeric":
        return Rx("[a-z0-9]{%s}" % args[0])
    if name == u + "AlphaNumericExtendedShort":
        return Rx("[a-z0-9_-]{%s}" % args[0])
    if name == u + "AlphaNumericExtended":
        return Rx(r"[a-z0-9=_\-]{%s}" % args[0])
    if name == u + "AlphaNumericExtendedLong":
        return Rx(r"[a-z0-9\/=_\+\-]{%s}" % args[0])
    if name == u + "Hex8_4_4_4_12":
        return Rx("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    if name in (u + "GenerateSemiGenericRegex", u + "GenerateUniqueTokenRegex",
                u + "MergeRegexps", "regexp.MustCompile"):
        return Rx(args[0] if args and isinstance(args[0], str) else "")
    if name == u + "GenerateSampleSecrets":
        return sample_secrets(args[0], args[1])
    if name == u + "GenerateSampleSecret":
        return '%s_api_token = "%s"' % (args[0], args[1])
    if name == u + "Validate":
        return ("validate", args[0], args[1] or [], args[2] or [])
    if name == u + "ValidateWithPaths":
        return ("paths", args[0], args[1] or {}, args[2] or {})
    if name == u + "GetEnvOrDefault":
        return args[1]
    if name == "secrets.NewSecret":
        return new_secret(args[0])
    if name == "fmt.Sprintf":
        return go_sprintf(*args)
    if name == "strings.ToUpper":
        return args[0].upper()
    if name == "strings.ToLower":
        return args[0].lower()
    if name == "strings.Repeat":
        return args[0] * args[1]
    if name == "strings.Join":
        return args[1].join(args[0])
    if name in ("strings.ReplaceAll", "strings.Replace"):
        return args[0].replace(args[1], args[2])
    if name.startswith("b64."):
        name = "base64." + name[4:]
    if name in ("base64.StdEncoding.EncodeToString",
                "base64.URLEncoding.EncodeToString"):
        b = base64.b64encode(args[0].encode("latin-1")).decode()
        return b if "Std" in name else b.replace("+", "-").replace("/", "_")
    if name == "base64.RawStdEncoding.EncodeToString":
        return base64.b64encode(args[0].encode("latin-1")).decode().rstrip("=")
    if name == "base64.RawURLEncoding.EncodeToString":
        return base64.urlsafe_b64encode(args[0].encode("latin-1")).decode().rstrip("=")
    if name == "append":
        base = list(args[0] or [])
        for a in args[1:]:
            base.append(a)
        return base
    if name == "len":
        return len(args[0])
    if name in ("string", "[]byte", "byte"):
        return args[0] if isinstance(args[0], str) else chr(args[0])
    if name.endswith(".MatchString") and isinstance(args[-1], str):
        rx = interp.last_recv
        py, _ = go_regex_to_py(rx)
        return re.search(py, args[-1]) is not None
    if name.endswith(".ContainsStopWord"):
        return contains_stopword(args[0])
    raise GoError("unknown function %s" % name)


# ---------------------------------------------------------------- interpreter

class Interp:
    def __init__(self):
        self.funcs = {}
        self.globals = {}
        self.pending_globals = []
        self.last_recv = None

    # --- parsing helpers on a token list
    def load(self, src):
        self.toks, self.i = lex(src), 0
        while self.peek()[0] != "eof":
            t = self.next()
            if t == ("id", "func"):
                self.parse_func()
            elif t[1] in ("var", "const"):
                self.parse_global_var()
            elif t[1] == "import":
                if self.peek()[1] == "(":
                    self.skip_group("(", ")")
                else:
                    self.next()
            elif t[1] in ("package", "type"):
                while self.peek()[1] != ";":
                    if self.peek()[1] == "{":
                        self.skip_group("{", "}")
                    else:
                        self.next()

    def peek(self, k=0):
        return self.toks[self.i + k]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, v):
        t = self.next()
        if t[1] != v:
            raise GoError("expected %r, got %r" % (v, t[1]))
        return t

    def skip_group(self, o, c):
        self.expect(o)
        depth, start = 1, self.i
        while depth:
            t = self.next()
            if t[0] == "eof":
                raise GoError("unbalanced " + o)
            if t[1] == o:
                depth += 1
            elif t[1] == c:
                depth -= 1
        return self.toks[start:self.i - 1]

    def parse_func(self):
        if self.peek()[1] == "(":      # a method: not needed
            self.skip_group("(", ")")
        name = self.next()[1]
        ptoks = self.skip_group("(", ")")
        params = [v for k, v in self.split_params(ptoks)]
        while self.peek()[1] != "{":
            self.next()
        body = self.skip_group("{", "}")
        self.funcs[name] = Func(name, params, body)

    @staticmethod
    def split_params(ptoks):
        out, cur = [], []
        for t in ptoks + [("op", ",")]:
            if t[1] == ",":
                if cur and cur[0][0] == "id":
                    out.append(cur[0])
                cur = []
            else:
                cur.append(t)
        return out

    def parse_global_var(self):
        if self.peek()[1] == "(":
            toks = self.skip_group("(", ")")
            # one declaration a line, separated by ';'
            cur, depth = [], 0
            for t in toks:
                if t[1] in "({[" and t[0] == "op":
                    depth += 1
                elif t[1] in ")}]" and t[0] == "op":
                    depth -= 1
                if t[1] == ";" and depth == 0:
                    if cur:
                        self.pending_globals.append(cur)
                    cur = []
                else:
                    cur.append(t)
            if cur:
                self.pending_globals.append(cur)
        else:
            start, depth = self.i, 0
            while True:
                t = self.next()
                if t[0] == "op" and t[1] in "({[":
                    depth += 1
                elif t[0] == "op" and t[1] in ")}]":
                    depth -= 1
                elif t[1] == ";" and depth == 0:
                    break
            self.pending_globals.append(self.toks[start:self.i - 1])

    def init_globals(self):
        for decl in self.pending_globals:
            name = decl[0][1]
            try:
                if ("op", "=") in decl:
                    k = decl.index(("op", "="))
                    self.globals[name] = self.eval_tokens(decl[k + 1:], {})
            except GoError as e:
                self.globals[name] = GoError(str(e))

    def eval_tokens(self, toks, env):
        saved = (self.toks, self.i)
        self.toks, self.i = list(toks) + [("op", ";"), ("eof", None)], 0
        try:
            return self.expr(env)
        finally:
            self.toks, self.i = saved

    def call(self, fn, args):
        env = dict(zip(fn.params, args))
        saved = (self.toks, self.i)
        self.toks, self.i = fn.body + [("op", ";"), ("eof", None)], 0
        try:
            self.block(env, top=True)
        except Return as r:
            return r.value
        finally:
            self.toks, self.i = saved
        return None

    # --- statements
    def block(self, env, top=False):
        while True:
            t = self.peek()
            if t[0] == "eof" or t[1] == "}":
                return
            if t[1] == ";":
                self.next()
                continue
            self.stmt(env)

    def body_tokens(self):
        return self.skip_group("{", "}")

    def run_body(self, toks, env):
        saved = (self.toks, self.i)
        self.toks, self.i = toks + [("op", ";"), ("eof", None)], 0
        try:
            self.block(env)
        finally:
            self.toks, self.i = saved

    def stmt(self, env):
        t = self.peek()
        if t == ("id", "return"):
            self.next()
            if self.peek()[1] == ";":
                raise Return(None)
            raise Return(self.expr(env))
        if t == ("id", "continue"):
            raise Continue()
        if t == ("id", "break"):
            raise Break()
        if t == ("id", "var") and self.peek(1)[1] == "(":
            self.next()
            toks = self.skip_group("(", ")")
            self.run_body(self.var_block(toks), env)
            return
        if t == ("id", "var"):
            self.next()
            name = self.next()[1]
            if self.peek()[1] == "=":
                self.next()
            else:
                typ = self.parse_type()
                if self.peek()[1] == "=":
                    self.next()
                else:
                    env[name] = [] if typ.startswith("[]") else (
                        {} if typ.startswith("map") else None)
                    return
            env[name] = self.expr(env)
            return
        if t == ("id", "for"):
            self.next()
            return self.for_stmt(env)
        if t == ("id", "if"):
            self.next()
            return self.if_stmt(env)
        # simple statement: lhs list then := / = / += / ++ or expression
        start = self.i
        names = []
        while self.peek()[0] == "id" and self.peek(1)[1] in (",", ":=", "=", "+=", "."):
            if self.peek(1)[1] == ".":
                break
            names.append(self.next()[1])
            if self.peek()[1] == ",":
                self.next()
                continue
            break
        op = self.peek()[1]
        if names and op in (":=", "=", "+="):
            self.next()
            val = self.expr(env)
            if len(names) > 1:
                vals = val if isinstance(val, tuple) else (val,)
                for n, v in zip(names, vals):
                    if n != "_":
                        env[n] = v
            elif op == "+=":
                env[names[0]] = self.lookup(names[0], env) + val
            elif names[0] != "_":
                if op == "=" and names[0] not in env and names[0] in self.globals:
                    self.globals[names[0]] = val
                else:
                    env[names[0]] = val
            return
        self.i = start
        # r.Field = value, or a call; evaluate and drop
        self.expr(env)
        if self.peek()[1] in ("=", "+="):
            self.next()
            self.expr(env)
        elif self.peek()[1] in ("++", "--"):
            self.next()

    @staticmethod
    def var_block(toks):
        """var ( a = x; b = y ) as the statements var a = x; var b = y."""
        out, fresh, depth = [], True, 0
        for t in toks:
            if fresh and t[1] != ";":
                out.append(("id", "var"))
                fresh = False
            out.append(t)
            if t[0] == "op" and t[1] in "({[":
                depth += 1
            elif t[0] == "op" and t[1] in ")}]":
                depth -= 1
            elif t[1] == ";" and depth == 0:
                fresh = True
        return out

    def if_stmt(self, env):
        j, depth = self.i, 0
        while True:                     # an init statement: if x := f(); x {
            t = self.toks[j]
            if t[0] == "op" and t[1] in "([":
                depth += 1
            elif t[0] == "op" and t[1] in ")]":
                depth -= 1
            elif depth == 0 and t[1] in ("{", ";"):
                break
            j += 1
        if self.toks[j][1] == ";":
            self.stmt(env)
            self.expect(";")
        cond = self.expr(env, no_lit=True)
        body = self.body_tokens()
        else_toks = None
        elif_at = None
        if self.peek() == ("id", "else"):
            self.next()
            if self.peek() == ("id", "if"):
                elif_at = True
            else:
                else_toks = self.body_tokens()
        if elif_at:
            if cond:
                # skip the else-if chain
                self.next()
                self.skip_if_chain(env)
                self.run_body(body, env)
                return
            self.next()
            return self.if_stmt(env)
        if cond:
            self.run_body(body, env)
        elif else_toks is not None:
            self.run_body(else_toks, env)

    def skip_if_chain(self, env):
        while self.peek()[1] != "{":
            self.next()
        self.body_tokens()
        if self.peek() == ("id", "else"):
            self.next()
            if self.peek() == ("id", "if"):
                self.next()
                self.skip_if_chain(env)
            else:
                self.body_tokens()

    def for_stmt(self, env):
        if self.peek()[1] == "{":
            body = self.body_tokens()
            for _ in range(10000):
                try:
                    self.run_body(body, env)
                except Continue:
                    continue
                except Break:
                    return
            raise GoError("endless for loop")
        names = []
        while self.peek()[1] != ":=":
            t = self.next()
            if t[0] == "id":
                names.append(t[1])
        self.next()
        self.expect("range")
        coll = self.expr(env, no_lit=True)
        body = self.body_tokens()
        if isinstance(coll, dict):
            items = list(coll.items())
        elif isinstance(coll, int):
            items = list(enumerate(range(coll)))
        else:
            items = list(enumerate(coll))
        for k, v in items:
            if len(names) > 0 and names[0] != "_":
                env[names[0]] = k
            if len(names) > 1 and names[1] != "_":
                env[names[1]] = v
            try:
                self.run_body(body, env)
            except Continue:
                continue
            except Break:
                break

    # --- expressions
    PREC = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3,
            ">=": 3, "+": 4, "-": 4, "|": 4, "*": 5, "/": 5, "%": 5}

    def expr(self, env, no_lit=False, prec=0):
        left = self.unary(env, no_lit)
        while True:
            t = self.peek()
            p = self.PREC.get(t[1]) if t[0] == "op" else None
            if p is None or p <= prec:
                return left
            self.next()
            right = self.expr(env, no_lit, p)
            left = self.binop(t[1], left, right)

    @staticmethod
    def binop(op, a, b):
        if op == "+":
            if isinstance(a, str) and isinstance(b, str):
                r = a + b
                return Rx(r) if isinstance(a, Rx) or isinstance(b, Rx) else r
            return a + b
        return {"-": lambda: a - b, "*": lambda: a * b, "/": lambda: a // b,
                "%": lambda: a % b, "==": lambda: a == b, "!=": lambda: a != b,
                "<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b,
                ">=": lambda: a >= b, "&&": lambda: a and b,
                "||": lambda: a or b}[op]()

    def unary(self, env, no_lit):
        t = self.peek()
        if t[1] in ("&", "*") and t[0] == "op":
            self.next()
            return self.unary(env, no_lit)
        if t[1] == "!":
            self.next()
            return not self.unary(env, no_lit)
        if t[1] == "-" and t[0] == "op":
            self.next()
            return -self.unary(env, no_lit)
        return self.primary(env, no_lit)

    def parse_type(self):
        """Skip a type; return its text."""
        out = []
        t = self.peek()
        if t[1] == "[":
            self.next()
            self.expect("]")
            return "[]" + self.parse_type()
        if t[1] == "*":
            self.next()
            return "*" + self.parse_type()
        if t[1] == "map":
            self.next()
            self.expect("[")
            k = self.parse_type()
            self.expect("]")
            return "map[%s]%s" % (k, self.parse_type())
        if t[1] == "struct":
            self.next()
            self.skip_group("{", "}")
            return "struct"
        out.append(self.next()[1])
        while self.peek()[1] == "." and self.peek(1)[0] == "id":
            self.next()
            out.append(self.next()[1])
        return ".".join(out)

    def composite(self, typ, env):
        self.expect("{")
        keyed, items, vals = {}, [], []
        while self.peek()[1] != "}":
            if self.peek()[1] == ";":
                self.next()
                continue
            if not typ.startswith(("map", "[]")) and \
                    self.peek()[0] == "id" and self.peek(1)[1] == ":" and \
                    self.peek()[1] not in env:
                v = self.next()[1]          # a struct's field name
            elif self.peek()[1] == "{":
                v = self.composite("", env)
            else:
                v = self.expr(env)
            if self.peek()[1] == ":":
                self.next()
                key = v
                if self.peek()[1] == "{":
                    val = self.composite("", env)
                else:
                    try:
                        val = self.expr(env)
                    except GoError as e:
                        val = GoError(str(e))
                        self.skip_to_comma()
                keyed[key] = val
            else:
                vals.append(v)
            if self.peek()[1] == ",":
                self.next()
        self.expect("}")
        if typ.startswith("map") or (keyed and typ == "") :
            return keyed
        if typ.startswith("[]"):
            return vals
        if keyed:
            return Struct(typ, **{str(k): v for k, v in keyed.items()})
        return vals

    def skip_to_comma(self):
        depth = 0
        while True:
            t = self.peek()
            if t[0] == "op" and t[1] in "({[":
                depth += 1
            elif t[0] == "op" and t[1] in ")}]":
                if depth == 0:
                    return
                depth -= 1
            elif t[1] == "," and depth == 0:
                return
            self.next()

    def lookup(self, name, env):
        if name in env:
            return env[name]
        if name in self.globals:
            v = self.globals[name]
            if isinstance(v, GoError):
                raise v
            return v
        if name in ("nil",):
            return None
        if name == "true":
            return True
        if name == "false":
            return False
        raise GoError("unknown name %s" % name)

    def primary(self, env, no_lit):
        t = self.peek()
        if t[0] == "str":
            self.next()
            val = t[1]
        elif t[0] == "num":
            self.next()
            val = int(t[1]) if isinstance(t[1], str) and "." not in t[1] else t[1]
            if isinstance(val, str):
                val = float(val)
        elif t[1] == "(":
            self.next()
            val = self.expr(env)
            self.expect(")")
        elif t[1] in ("[", "map"):
            typ = self.parse_type()
            if self.peek()[1] == "(":      # conversion: []byte(x)
                self.next()
                val = self.expr(env)
                self.expect(")")
            else:
                val = self.composite(typ, env)
        elif t[0] == "id":
            name = self.next()[1]
            while self.peek()[1] == "." and self.peek(1)[0] == "id" and \
                    name.split(".")[0] in ("utils", "secrets", "fmt",
                                           "strings", "base64", "b64", "regexp",
                                           "config", "StdEncoding",
                                           "RawURLEncoding", "URLEncoding",
                                           "RawStdEncoding") and \
                    name not in env:
                self.next()
                name += "." + self.next()[1]
            if self.peek()[1] == "{" and not no_lit and "." in name and \
                    name.split(".")[-1][:1].isupper():
                return self.suffixes(self.composite(name, env), env, no_lit)
            if self.peek()[1] == "(":
                args = self.args(env)
                val = self.apply(name, args)
            elif name.split(".")[0] in ("utils", "secrets", "fmt", "strings",
                                        "base64", "regexp", "config"):
                val = name
            else:
                val = self.lookup(name, env)
        else:
            raise GoError("unexpected %r" % (t[1],))
        return self.suffixes(val, env, no_lit)

    def apply(self, name, args):
        if name in self.funcs and "." not in name:
            return self.call(self.funcs[name], args)
        return builtin(name, args, self)

    def args(self, env):
        self.expect("(")
        out = []
        while self.peek()[1] != ")":
            if self.peek()[1] == ";":
                self.next()
                continue
            v = self.expr(env)
            if self.peek()[1] == "...":
                self.next()
                out.extend(v or [])
                out.append(SPREAD)
            else:
                out.append(v)
            if self.peek()[1] == ",":
                self.next()
        self.expect(")")
        return [a for a in out if a is not SPREAD]

    def suffixes(self, val, env, no_lit):
        while True:
            t = self.peek()
            if t[1] == "." and self.peek(1)[0] == "id":
                self.next()
                attr = self.next()[1]
                if self.peek()[1] == "(":
                    args = self.args(env)
                    self.last_recv = val
                    if attr == "MatchString":
                        py, _ = go_regex_to_py(val)
                        val = re.search(py, args[0]) is not None
                    elif attr == "ContainsStopWord":
                        val = contains_stopword(args[0])
                    elif attr == "String":
                        val = str(val)
                    else:
                        raise GoError("unknown method %s" % attr)
                elif isinstance(val, dict) and attr in val:
                    val = val[attr]
                else:
                    raise GoError("unknown field %s" % attr)
            elif t[1] == "[":
                self.next()
                lo = None if self.peek()[1] == ":" else self.expr(env)
                if self.peek()[1] == ":":
                    self.next()
                    hi = None if self.peek()[1] == "]" else self.expr(env)
                    self.expect("]")
                    val = val[lo:hi]
                else:
                    self.expect("]")
                    val = val[lo]
            else:
                return val


SPREAD = object()


# ---------------------------------------------------------------- driver

def rule_functions(root):
    """Rule constructors in the order cmd/generate/config/main.go calls them."""
    src = open(os.path.join(root, "cmd/generate/config/main.go"),
               encoding="utf-8").read()
    seen, out = set(), []
    for m in re.finditer(r"\brules\.([A-Z]\w*)\(", src):
        if m.group(1) not in seen:
            seen.add(m.group(1))
            out.append(m.group(1))
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: gitleaks_cases.py GITLEAKS_DIR OUT_DIR [SEED]")
    root, outdir = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        RNG.seed(int(sys.argv[3]))
    rdir = os.path.join(root, "cmd/generate/config/rules")
    if not os.path.isdir(rdir):
        sys.exit("gitleaks_cases: no %s: give the path of a gitleaks checkout"
                 % rdir)
    shapes = shapes_from_checkout(root)
    if shapes is not None and sorted(shapes) != sorted(SAMPLE_SHAPES):
        print("gitleaks_cases: warning: the checkout's GenerateSampleSecrets "
              "shapes differ from ours (%d there, %d here)"
              % (len(shapes), len(SAMPLE_SHAPES)), file=sys.stderr)
    interp = Interp()
    for fn in sorted(os.listdir(rdir)):
        if fn.endswith(".go") and not fn.endswith("_test.go"):
            try:
                interp.load(open(os.path.join(rdir, fn), encoding="utf-8").read())
            except GoError as e:
                print("gitleaks_cases: %s: %s" % (fn, e), file=sys.stderr)
    interp.init_globals()
    STOPWORDS.extend(w.lower() for w in (interp.globals.get("DefaultStopWords") or [])
                     if isinstance(w, str))
    cases, failed, unvalidated = [], [], []
    for name in rule_functions(root):
        if name not in interp.funcs:
            failed.append((name, "not found"))
            continue
        try:
            res = interp.call(interp.funcs[name], [])
        except (GoError, KeyError, IndexError, TypeError, ValueError) as e:
            failed.append((name, "%s: %s" % (type(e).__name__, e)))
            continue
        if not isinstance(res, tuple):
            unvalidated.append(name)
            continue
        kind, rule, tps, fps = res
        rid = rule.get("RuleID") if isinstance(rule, dict) else name
        if kind == "validate":
            tps = [(None, t) for t in tps]
            fps = [(None, t) for t in fps]
        else:
            tps = list(tps.items())
            fps = list(fps.items())
        for label, lst in (("tp", tps), ("fp", fps)):
            for n, (path, text) in enumerate(lst):
                cases.append({"rule": rid, "kind": label, "n": n,
                              "path": path, "text": text,
                              "secrets": sorted(x for x in SEEN
                                                if len(x) >= 12 and x in text)})
    os.makedirs(os.path.join(outdir, "cases"), exist_ok=True)
    for c in cases:
        sub = os.path.join("cases", c["rule"], "%s-%d" % (c["kind"], c["n"]))
        if c["path"]:
            sub = os.path.join(sub, c["path"].lstrip("/"))
        else:
            sub += ".txt"
        c["file"] = sub
        p = os.path.join(outdir, sub)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="") as f:
            f.write(c["text"])
            if not c["text"].endswith("\n"):
                f.write("\n")
    json.dump({"cases": cases, "failed": failed, "unvalidated": unvalidated},
              open(os.path.join(outdir, "cases.json"), "w"), indent=0)
    for name, why in failed:
        print("gitleaks_cases: cannot build the cases of %s: %s" % (name, why),
              file=sys.stderr)
    print("gitleaks_cases: %d rules, %d with cases, %d without (validate "
          "nothing), %d not reproduced; %d true and %d false cases"
          % (len(rule_functions(root)),
             len({c["rule"] for c in cases}), len(unvalidated), len(failed),
             sum(c["kind"] == "tp" for c in cases),
             sum(c["kind"] == "fp" for c in cases)), file=sys.stderr)


if __name__ == "__main__":
    main()
