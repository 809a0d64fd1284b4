/*
 * pack_hygiene.c - the built-in `hygiene` rule pack: things that should
 * never be merged whatever the project's taste: unresolved merge conflicts,
 * debugging leftovers, focused tests that silently skip the rest of a
 * suite, and files whose names say they hold secrets.
 *
 * The pack is a table; review/rules.c compiles it. Every rule here aims at
 * precision over recall: a review tool that cries wolf gets switched off,
 * so a rule only fires on text that is almost never intended. Each rule
 * carries examples it must and must not flag; the unit tests run them.
 *
 * Comment lines are skipped with `exclude_line`, which runs only on lines
 * that matched, rather than with a lookahead at every line start, which
 * would make the pattern some twenty times slower.
 */
#include <stddef.h>

#include "review/rules.h"

/* Languages where a line of seven '=' is never valid code. */
#define HYGIENE_CODE_LANGS \
	"c", "cpp", "csharp", "go", "rust", "java", "kotlin", "scala", \
	"swift", "objc", "javascript", "typescript", "php", "dart"

#define HYGIENE_JS_LANGS "javascript", "typescript", "vue", "svelte"

/* Lines that start as comments. */
#define HYGIENE_SLASH_COMMENT "^[ \\t]*(?://|/?\\*)"
#define HYGIENE_HASH_COMMENT "^[ \\t]*#"

static const struct review_rule_spec review_pack_hygiene_rules[] = {
	{
		.id = "hygiene/merge-conflict-marker",
		.pattern = "^(?:<{7}|>{7}|\\|{7})(?=[ \\t]|$)",
		.message = "merge conflict marker: the conflict was not "
			   "resolved, so this file will not build or will "
			   "carry both versions; resolve the conflict and "
			   "delete the marker lines",
		.severity = REVIEW_SEV_ERROR,
		.keywords = REVIEW_STRV("<<<<<<<", ">>>>>>>", "|||||||"),
		.examples_true = REVIEW_STRV(
			"<<<<<<< HEAD", ">>>>>>> feature/login",
			"||||||| merged common ancestors", "<<<<<<<",
			"int a;\n<<<<<<< HEAD\r\nint b;"),
		.examples_false = REVIEW_STRV(
			"<<<<<<<< eight is not a marker",
			"x <<<<<<< HEAD", "// >>>>>>> in a comment",
			"a << b", "=======", ">>>>>>>>>>"),
	},
	{
		.id = "hygiene/merge-conflict-separator",
		.pattern = "^={7}$",
		.message = "merge conflict separator (=======) left in code: "
			   "the conflict was not resolved; pick one side, "
			   "then delete the separator and the <<<<<<< and "
			   ">>>>>>> lines",
		.severity = REVIEW_SEV_ERROR,
		.languages = REVIEW_STRV(HYGIENE_CODE_LANGS),
		.keywords = REVIEW_STRV("======="),
		.examples_true = REVIEW_STRV(
			"=======", "int a;\n=======\r\nint b;"),
		.examples_false = REVIEW_STRV(
			"========", "a ======= b", " =======", "======"),
	},
	{
		.id = "hygiene/js-console-log",
		.pattern = "\\bconsole\\.(?:log|debug|trace|dir|table)"
			   "[ \\t]*\\(",
		.exclude_line = HYGIENE_SLASH_COMMENT,
		.message = "console.log() left in: debugging output ends up in "
			   "users' consoles and logs; remove it or use the "
			   "project's logger",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(HYGIENE_JS_LANGS),
		.keywords = REVIEW_STRV("console."),
		.examples_true = REVIEW_STRV(
			"console.log('here', x);",
			"  if (x) console.debug(x)",
			"foo(); console.table(rows);"),
		.examples_false = REVIEW_STRV(
			"// console.log(x)", " * console.log(x) in a doc",
			"logger.log(x)", "myconsole.log(x)",
			"console.error('failed', err)"),
	},
	{
		.id = "hygiene/js-debugger",
		.pattern = "(?<![\\w.$'\"`])debugger\\b"
			   "(?=[ \\t]*(?:;|//|/\\*|$))",
		/* comments, and the word inside a string literal */
		.exclude_line = HYGIENE_SLASH_COMMENT "|"
				"(['\"`])[^'\"`]*\\bdebugger\\b[^'\"`]*\\1",
		.message = "debugger statement left in: it pauses execution "
			   "whenever developer tools are open; remove it",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV(HYGIENE_JS_LANGS),
		.keywords = REVIEW_STRV("debugger"),
		.examples_true = REVIEW_STRV(
			"debugger;", "    debugger", "if (x) { debugger; }",
			"if (x) debugger // stop"),
		.examples_false = REVIEW_STRV(
			"// debugger;", "const debugger_url = 1;",
			"log('debugger;')", "startDebugger();",
			"log('stop the debugger;')", "x.debugger;",
			"debugger.attach()"),
	},
	{
		.id = "hygiene/python-debugger",
		.pattern = "\\b(?:[\\w.]*(?i:pdb)\\w*(?:\\(\\))?|pudb)"
			   "\\.set_trace\\(|"
			   "(?<![\\w.])breakpoint\\(\\)|"
			   "\\bIPython\\.embed\\(",
		.exclude_line = HYGIENE_HASH_COMMENT,
		.message = "debugger call left in: it stops the program and "
			   "waits for input, which hangs servers and CI jobs; "
			   "remove it",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV("python"),
		.keywords = REVIEW_STRV("set_trace(", "breakpoint()",
					"IPython.embed("),
		.examples_true = REVIEW_STRV(
			"import pdb; pdb.set_trace()", "    breakpoint()",
			"import ipdb; ipdb.set_trace()", "IPython.embed()",
			"pdb.Pdb().set_trace()", "import pudb; pudb.set_trace()"),
		.examples_false = REVIEW_STRV(
			"# breakpoint()", "    # import pdb; pdb.set_trace()",
			"def breakpoint(self):", "self.breakpoint()",
			"debugger.set_breakpoint(x)", "s = 'pdb'"),
	},
	{
		.id = "hygiene/ruby-debugger",
		.pattern = "\\bbinding\\.(?:pry|irb|break)\\b",
		.exclude_line = HYGIENE_HASH_COMMENT,
		.message = "debugger call left in: it stops the program and "
			   "waits for input, which hangs servers and CI jobs; "
			   "remove it",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV("ruby"),
		.keywords = REVIEW_STRV("binding."),
		.examples_true = REVIEW_STRV(
			"binding.pry", "x = 1; binding.irb", "  binding.break",
			"binding.pry if user.admin?"),
		.examples_false = REVIEW_STRV(
			"# binding.pry", "gem 'pry-byebug'",
			"my_binding.pryor", "binding.local_variables"),
	},
	{
		/* a statement of its own: the words are common in prose */
		.id = "hygiene/ruby-byebug",
		.pattern = "^[ \\t]*\\K(?:byebug|debugger)"
			   "(?=[ \\t]*(?:$|#|;|if\\b|unless\\b))",
		.message = "debugger call left in: it stops the program and "
			   "waits for input, which hangs servers and CI jobs; "
			   "remove it",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV("ruby"),
		.keywords = REVIEW_STRV("byebug", "debugger"),
		.examples_true = REVIEW_STRV(
			"  byebug", "debugger if ENV['DEBUG']", "\tbyebug # why",
			"def f\n  debugger\nend"),
		.examples_false = REVIEW_STRV(
			"# byebug", "gem 'byebug', group: :development",
			"def debugger_url; end", "Debugger.start",
			"require 'byebug'", "puts 'call the debugger'",
			"  attach debugger", "  @debugger = x"),
	},
	{
		.id = "hygiene/php-debug-dump",
		.pattern = "(?<![\\w$>:\\\\])(?<!function )(?:var_dump|dd)\\(",
		.exclude_line = "^[ \\t]*(?://|#|/?\\*)",
		.message = "var_dump()/dd() left in: it prints internals to the "
			   "response (dd() also ends the request); remove it "
			   "or log instead",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV("php"),
		.keywords = REVIEW_STRV("var_dump(", "dd("),
		.examples_true = REVIEW_STRV(
			"var_dump($user);", "  dd($request->all());",
			"if ($x) { var_dump($x); }"),
		.examples_false = REVIEW_STRV(
			"// var_dump($x);", "# dd($x);", "$this->dd($x);",
			"function dd($x) {", "Foo::dd($x);", "add($x);"),
	},
	{
		.id = "hygiene/java-system-out",
		.pattern = "\\bSystem\\.(?:out|err)\\.print(?:ln|f)?[ \\t]*\\(",
		.exclude_line = HYGIENE_SLASH_COMMENT,
		.message = "System.out/System.err print: often a debugging "
			   "leftover, and it bypasses the logging "
			   "configuration; use a logger, or ignore this in "
			   "command-line code",
		.severity = REVIEW_SEV_NOTE,
		.languages = REVIEW_STRV("java"),
		.keywords = REVIEW_STRV("System.out.print", "System.err.print"),
		.examples_true = REVIEW_STRV(
			"System.out.println(\"here\");",
			"    System.err.printf(\"%d\", x);"),
		.examples_false = REVIEW_STRV(
			"// System.out.println(x);", "logger.info(\"x\");",
			"MySystem.out.println(x);",
			" * System.out.println(x) in javadoc"),
	},
	{
		.id = "hygiene/c-debug-print",
		.pattern = "(?:\\bprintf[ \\t]*\\(|"
			   "\\bfprintf[ \\t]*\\([ \\t]*stderr[ \\t]*,|"
			   "\\b(?:std::)?cerr[ \\t]*<<)"
			   "[ \\t]*\"(?:(?:DEBUG|XXX|HERE|here)\\b|debug:)",
		.exclude_line = HYGIENE_SLASH_COMMENT,
		.message = "debug print left in: it writes noise to the "
			   "program's output; remove it or use the project's "
			   "logging",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV("c", "cpp"),
		.keywords = REVIEW_STRV("\"DEBUG", "\"XXX", "\"HERE", "\"here",
					"\"debug:"),
		.examples_true = REVIEW_STRV(
			"printf(\"DEBUG: x=%d\\n\", x);",
			"\tfprintf(stderr, \"debug: %s\\n\", s);",
			"std::cerr << \"HERE\" << std::endl;",
			"printf(\"here\\n\");"),
		.examples_false = REVIEW_STRV(
			"// printf(\"DEBUG %d\", x);",
			"fprintf(stderr, \"error: %s\\n\", msg);",
			"printf(\"Debugging tips\\n\");",
			"log_debug(\"x\");",
			"snprintf(b, n, \"DEBUG\");",
			"printf(\"where\\n\");"),
	},
	{
		.id = "hygiene/rust-dbg-macro",
		.pattern = "(?<![\\w:])dbg!\\(",
		.exclude_line = HYGIENE_SLASH_COMMENT,
		.message = "dbg! left in: it prints to stderr in every build, "
			   "release included; remove it",
		.severity = REVIEW_SEV_WARNING,
		.languages = REVIEW_STRV("rust"),
		.keywords = REVIEW_STRV("dbg!("),
		.examples_true = REVIEW_STRV(
			"let x = dbg!(a + b);", "    dbg!(&v);"),
		.examples_false = REVIEW_STRV(
			"// dbg!(x)", "my_dbg!(x)", "println!(\"{}\", x);"),
	},
	{
		.id = "hygiene/focused-test",
		.pattern = "\\b(?:describe|it|test|context|suite|specify|"
			   "fixture|scenario)\\.only[ \\t]*\\(|"
			   "(?<![\\w.$])(?:fdescribe|fit|fcontext)\\("
			   "[ \\t]*['\"`]",
		.exclude_line = HYGIENE_SLASH_COMMENT,
		.message = "focused test: .only()/fit()/fdescribe() makes the "
			   "runner skip every other test, so CI passes "
			   "without running the suite; remove the focus",
		.severity = REVIEW_SEV_ERROR,
		.languages = REVIEW_STRV(HYGIENE_JS_LANGS),
		.keywords = REVIEW_STRV(".only", "fdescribe(", "fit(",
					"fcontext("),
		.examples_true = REVIEW_STRV(
			"describe.only('suite', () => {",
			"  it.only(\"works\", async () => {",
			"fit('does x', () => {})",
			"test.describe.only('x', () => {})",
			"  fdescribe(`suite`, () => {"),
		.examples_false = REVIEW_STRV(
			"it('works', () => {})", "// it.only('x')",
			"model.fit(x, y)", "benefit(3)",
			"const only = items.only(x)", "fit(x)"),
	},
	{
		.id = "hygiene/focused-test-rspec",
		.pattern = "^[ \\t]*\\K(?:fdescribe|fcontext|fit|fspecify|"
			   "fexample|fscenario|ffeature)\\b"
			   "(?=[ \\t]*\\(?[ \\t]*['\"A-Z])|"
			   ",[ \\t]*\\K(?::focus\\b(?![ \\t]*=>[ \\t]*false)|"
			   "focus:[ \\t]*true\\b)",
		.exclude_line = HYGIENE_HASH_COMMENT,
		.message = "focused spec: fit/fdescribe or a :focus tag makes "
			   "RSpec run only this example when focus filtering "
			   "is on, so CI passes without the rest; remove the "
			   "focus",
		.severity = REVIEW_SEV_ERROR,
		.languages = REVIEW_STRV("ruby"),
		.paths = REVIEW_STRV("*_spec.rb", "spec/**"),
		.example_path = "spec/models/user_spec.rb",
		.examples_true = REVIEW_STRV(
			"  fit 'does x' do", "fdescribe User do",
			"  it 'works', focus: true do",
			"describe User, :focus do"),
		.examples_false = REVIEW_STRV(
			"  it 'fits' do", "  fit = compute_fit(x)",
			"# fit 'x' do", "  it 'works', focus: false do",
			"  it 'x', :focus => false do"),
	},
	{
		.id = "hygiene/env-file",
		.pattern = "(?:^|/)\\.env(?:\\.(?!(?:example|sample|template|"
			   "dist|defaults?|schema|tpl)$)[^/]+)?$",
		.message = "a .env file is being added: these hold API keys "
			   "and passwords, and once pushed they stay in the "
			   "history; remove it, add it to .gitignore, rotate "
			   "any secret it held, and commit a .env.example "
			   "instead",
		.severity = REVIEW_SEV_ERROR,
		.filename_rule = 1,
		.examples_true = REVIEW_STRV(
			".env", "app/.env.production", ".env.local"),
		.examples_false = REVIEW_STRV(
			".env.example", "config/.env.sample", ".env.template",
			".envrc", "docs/env.md", "src/.environment.ts"),
	},
	{
		.id = "hygiene/private-key-file",
		.pattern = "(?:^|/)(?:id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?|"
			   "[^/]*\\.(?:pem|key|ppk))$",
		.message = "a private key file is being added: anyone with "
			   "access to the repository can use it, and it stays "
			   "in the history; remove it, revoke the key, and "
			   "load keys from a secret store; if it is a public "
			   "certificate or a test fixture, disable this rule "
			   "for that path",
		.severity = REVIEW_SEV_ERROR,
		.filename_rule = 1,
		.examples_true = REVIEW_STRV(
			"id_rsa", ".ssh/id_ed25519", "deploy/server.key",
			"certs/ca.pem", "putty.ppk"),
		.examples_false = REVIEW_STRV(
			"id_rsa.pub", "src/keys.c", "docs/key.md", "monkey",
			"pem/README"),
	},
	{
		.id = "hygiene/keystore-file",
		.pattern = "(?:^|/)[^/]*\\.(?:p12|pfx|keystore|jks|bks)$",
		.message = "a key store is being added: it bundles private "
			   "keys, usually behind a weak or shared password; "
			   "remove it, rotate the keys, and provide it from a "
			   "secret store at build time",
		.severity = REVIEW_SEV_ERROR,
		.filename_rule = 1,
		.examples_true = REVIEW_STRV(
			"android/release.keystore", "cert.p12", "a/b.pfx",
			"server.jks"),
		.examples_false = REVIEW_STRV(
			"keystore.md", "src/KeyStore.java", "p12/notes.txt"),
	},
	{
		.id = "hygiene/credentials-file",
		.pattern = "(?:^|/)(?:credentials\\.json|\\.git-credentials|"
			   "\\.htpasswd|\\.netrc|\\.pgpass)$",
		.message = "a credentials file is being added: it holds "
			   "passwords or tokens in the clear, and once pushed "
			   "they stay in the history; remove it and rotate "
			   "what it held",
		.severity = REVIEW_SEV_ERROR,
		.filename_rule = 1,
		.examples_true = REVIEW_STRV(
			"credentials.json", "config/.git-credentials",
			".htpasswd", "home/.netrc", ".pgpass"),
		.examples_false = REVIEW_STRV(
			"credentials.json.example", "src/credentials.ts",
			"docs/netrc.md", "my-credentials.json"),
	},
};

const struct review_rule_pack review_pack_hygiene = {
	.name = "hygiene",
	.summary = "merge conflicts, debugging leftovers, focused tests, "
		   "secret-like files",
	.rules = review_pack_hygiene_rules,
	.nr_rules = sizeof(review_pack_hygiene_rules) /
		    sizeof(review_pack_hygiene_rules[0]),
};
