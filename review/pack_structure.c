/*
 * pack_structure.c - the built-in `structure` pack: tree-sitter query rules
 * for mistakes that a regex cannot see reliably because they depend on
 * where a token sits in the syntax: an assignment that is an if's whole
 * condition, a catch block with nothing in it, a default argument that is
 * a mutable literal.
 *
 * The pack is a table; review/structure.c compiles it. As with the regex
 * packs, precision comes before recall: each rule flags a shape that is a
 * bug or a leftover nearly every time, and carries complete example files
 * it must and must not flag, which the unit tests run (and which must
 * parse without syntax errors, so the examples stay honest about the
 * grammar).
 *
 * A rule has one language; rules shared by C and C++, or by JavaScript and
 * TypeScript, are written once as a macro and instantiated per language,
 * because the grammars name some nodes differently.
 */
#include <stddef.h>

#include "review/rules.h"
#include "review/structure.h"

/* `if (x = y)` in C; the C++ grammar wraps conditions in condition_clause. */
#define STRUCT_ASSIGN_MSG \
	"assignment used as the whole condition of an if: this assigns " \
	"and tests the assigned value, which is usually a typo for '=='; " \
	"if the assignment is meant, write it on its own line or wrap it " \
	"in a second pair of parentheses"

/*
 * Plain left-hand sides only: the C++ grammar reads `a < b || c >= d` as
 * a template followed by '=', an assignment that is not there.
 */
#define STRUCT_C_LVALUE \
	"[(identifier) (field_expression) (subscript_expression) " \
	"(pointer_expression argument: (identifier))]"
#define STRUCT_CPP_LVALUE \
	"[(identifier) (field_expression) (subscript_expression) " \
	"(qualified_identifier) (pointer_expression argument: (identifier))]"

#define STRUCT_EMPTY_IF_MSG \
	"if statement with an empty body: the ';' right after the " \
	"condition ends the if, so the block below runs unconditionally"

/*
 * The ';' on the same line as the condition's closing parenthesis: a ';'
 * alone on the next line, usually with a comment, is deliberate. The
 * condition's parentheses are matched by recursion.
 */
#define STRUCT_EMPTY_IF_SAME_LINE \
	"\"^if\\\\s*(?:constexpr\\\\s*)?(\\\\((?:[^()]++|(?1))*\\\\))" \
	"[ \\\\t]*;\""

#define STRUCT_EMPTY_IF(lang_, id_, ex_true_, ex_false_) \
	{ \
		.id = "structure/" id_ "-empty-if-body", \
		.language = lang_, \
		.query = "((if_statement consequence: " \
			 "(expression_statement) @body) @_if " \
			 "(#eq? @body \";\") " \
			 "(#match? @_if " STRUCT_EMPTY_IF_SAME_LINE "))", \
		.message = STRUCT_EMPTY_IF_MSG, \
		.severity = REVIEW_SEV_WARNING, \
		.examples_true = REVIEW_STRV(ex_true_), \
		.examples_false = REVIEW_STRV(ex_false_), \
	}

/* JavaScript and TypeScript share these. */
#define STRUCT_JS_EMPTY_CATCH(lang_, id_) \
	{ \
		.id = "structure/" id_ "-empty-catch", \
		.language = lang_, \
		.query = "(catch_clause \"catch\" @catch body: " \
			 "(statement_block) @_body " \
			 "(#match? @_body \"^\\\\{\\\\s*\\\\}$\"))", \
		.message = "empty catch block: the error is swallowed " \
			   "without a trace; handle it, log it, or say in " \
			   "a comment inside the block why ignoring it is " \
			   "safe", \
		.severity = REVIEW_SEV_WARNING, \
		.examples_true = REVIEW_STRV( \
			"try { run(); } catch (e) {}\n", \
			"function f() {\n  try {\n    g();\n  } catch {\n" \
			"  }\n}\n"), \
		.examples_false = REVIEW_STRV( \
			"try { run(); } catch (e) { report(e); }\n", \
			"try { run(); } catch (e) {\n  // optional feature\n" \
			"}\n", \
			"try { run(); } finally {}\n"), \
	}

#define STRUCT_JS_NAN(lang_, id_) \
	{ \
		.id = "structure/" id_ "-compare-nan", \
		.language = lang_, \
		.query = "((binary_expression left: (identifier) @_n " \
			 "operator: [\"==\" \"===\" \"!=\" \"!==\"]) @cmp " \
			 "(#eq? @_n \"NaN\"))\n" \
			 "((binary_expression " \
			 "operator: [\"==\" \"===\" \"!=\" \"!==\"] " \
			 "right: (identifier) @_n) @cmp (#eq? @_n \"NaN\"))", \
		.message = "comparison with NaN: NaN is not equal to " \
			   "anything, itself included, so this is always " \
			   "false (or always true with !=); use " \
			   "Number.isNaN(x)", \
		.severity = REVIEW_SEV_ERROR, \
		.examples_true = REVIEW_STRV( \
			"if (x === NaN) { reset(); }\n", \
			"const bad = NaN != y;\n"), \
		.examples_false = REVIEW_STRV( \
			"if (Number.isNaN(x)) { reset(); }\n", \
			"const NaNs = 1; if (x === NaNs) {}\n", \
			"const y = NaN;\n"), \
	}

static const struct review_query_spec review_pack_structure_rules[] = {
	/* C and C++ */
	{
		.id = "structure/c-assign-in-if",
		.language = "c",
		.query = "(if_statement condition: (parenthesized_expression "
			 "(assignment_expression left: " STRUCT_C_LVALUE
			 " operator: \"=\") @assign))",
		.message = STRUCT_ASSIGN_MSG,
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"int f(int a, int b)\n{\n\tif (a = b)\n"
			"\t\treturn 1;\n\treturn 0;\n}\n"),
		.examples_false = REVIEW_STRV(
			"int f(int a, int b)\n{\n\tif ((a = b))\n"
			"\t\treturn 1;\n\tif (a == b)\n\t\treturn 2;\n"
			"\tif ((a = b) != 0)\n\t\treturn 3;\n"
			"\tif (a += b)\n\t\treturn 4;\n\treturn 0;\n}\n"),
	},
	{
		.id = "structure/cpp-assign-in-if",
		.language = "cpp",
		.query = "(if_statement condition: (condition_clause value: "
			 "(assignment_expression left: " STRUCT_CPP_LVALUE
			 " operator: \"=\") @assign))",
		.message = STRUCT_ASSIGN_MSG,
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"int f(int a, int b) {\n  if (a = b) return 1;\n"
			"  return 0;\n}\n"),
		.examples_false = REVIEW_STRV(
			"int f(int a, int b) {\n  if ((a = b)) return 1;\n"
			"  if (auto p = g()) return 2;\n"
			"  if (int n = a; n == b) return 3;\n"
			"  if (*p < a || *p >= v.size()) return 4;\n"
			"  return a == b;\n}\n"),
	},
	STRUCT_EMPTY_IF("c", "c",
			"void f(int x)\n{\n\tif (x);\n\t{\n\t\tg();\n\t}\n}\n",
			"void f(int x)\n{\n\tif (x)\n\t\tg();\n"
			"\tif (x) {\n\t}\n\twhile (x--);\n"
			"\tif (x)\n\t\t; /* on purpose */\n}\n"),
	STRUCT_EMPTY_IF("cpp", "cpp",
			"void f(int x) {\n  if (g(x) && (x > 1));\n  g();\n}\n",
			"void f(int x) {\n  if (x) g();\n  for (;;);\n}\n"),

	/* Python */
	{
		.id = "structure/py-bare-except",
		.language = "python",
		.query = "(except_clause \"except\" @except . (block))",
		.message = "bare 'except:' also catches KeyboardInterrupt "
			   "and SystemExit, so Ctrl-C and sys.exit() stop "
			   "working inside the try; catch Exception (or "
			   "something narrower) instead",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"try:\n    f()\nexcept:\n    log()\n",
			"def g():\n    try:\n        f()\n"
			"    except ValueError:\n        pass\n"
			"    except:\n        raise\n"),
		.examples_false = REVIEW_STRV(
			"try:\n    f()\nexcept Exception:\n    log()\n",
			"try:\n    f()\nexcept (A, B) as e:\n    log(e)\n",
			"try:\n    f()\nfinally:\n    g()\n"),
	},
	{
		.id = "structure/py-except-pass",
		.language = "python",
		.query = "(except_clause value: [(identifier) @type "
			 "(as_pattern . (identifier) @type)] "
			 "(block . (pass_statement) .) "
			 "(#any-of? @type \"Exception\" \"BaseException\"))",
		.message = "'except Exception: pass' silently swallows every "
			   "error, bugs included; catch the exceptions you "
			   "expect, or at least log what was ignored",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"try:\n    f()\nexcept Exception:\n    pass\n",
			"try:\n    f()\n"
			"except BaseException as e:\n    pass\n"),
		.examples_false = REVIEW_STRV(
			"try:\n    f()\nexcept KeyError:\n    pass\n",
			"try:\n    f()\nexcept Exception:\n    log()\n    "
			"pass\n",
			"try:\n    f()\nexcept Exception as e:\n    log(e)\n"),
	},
	{
		.id = "structure/py-compare-none",
		.language = "python",
		.query = "(comparison_operator operators: [\"==\" \"!=\"] "
			 "(none)) @cmp\n"
			 "(comparison_operator (none) "
			 "operators: [\"==\" \"!=\"]) @cmp",
		.message = "comparison to None with == or !=: it calls the "
			   "object's __eq__, which may say anything (numpy "
			   "arrays, ORMs); use 'is None' or 'is not None'",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"if x == None:\n    pass\n",
			"ok = None != y\n"),
		.examples_false = REVIEW_STRV(
			"if x is None:\n    pass\n",
			"ok = y is not None\n",
			"ok = x == 'None'\n"),
	},
	{
		.id = "structure/py-is-literal",
		.language = "python",
		.query = "(comparison_operator operators: [\"is\" \"is not\"] "
			 "[(string) (integer) (float)]) @cmp\n"
			 "(comparison_operator [(string) (integer) (float)] "
			 "operators: [\"is\" \"is not\"]) @cmp",
		.message = "'is' with a literal compares identity, which "
			   "depends on interning and differs between Python "
			   "versions (a SyntaxWarning since 3.8); use == or !=",
		.severity = REVIEW_SEV_ERROR,
		.examples_true = REVIEW_STRV(
			"if x is 'a':\n    pass\n",
			"ok = n is not 1000\n"),
		.examples_false = REVIEW_STRV(
			"if x is None:\n    pass\n",
			"ok = x == 'a'\n",
			"ok = x is True\n"),
	},
	{
		.id = "structure/py-mutable-default",
		.language = "python",
		.query = "(default_parameter value: [(list) (dictionary) "
			 "(set)] @value)\n"
			 "(typed_default_parameter value: [(list) (dictionary) "
			 "(set)] @value)",
		.message = "mutable default argument: the default is built "
			   "once, when the function is defined, and shared by "
			   "every call that does not pass it; default to None "
			   "and create the value inside the function",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"def f(x, acc=[]):\n    acc.append(x)\n"
			"    return acc\n",
			"def g(opts: dict = {}):\n    return opts\n",
			"class A:\n    def m(self, seen={1, 2}):\n"
			"        return seen\n"),
		.examples_false = REVIEW_STRV(
			"def f(x, acc=None):\n    return acc or []\n",
			"def g(opts=(), n=0, s=''):\n    return opts\n",
			"f(acc=[])\n"),
	},

	/* JavaScript and TypeScript */
	STRUCT_JS_EMPTY_CATCH("javascript", "js"),
	STRUCT_JS_EMPTY_CATCH("typescript", "ts"),
	STRUCT_JS_NAN("javascript", "js"),
	STRUCT_JS_NAN("typescript", "ts"),

	/* Java */
	{
		.id = "structure/java-empty-catch",
		.language = "java",
		.query = "(catch_clause \"catch\" @catch body: (block) @_body "
			 "(#match? @_body \"^\\\\{\\\\s*\\\\}$\"))",
		.message = "empty catch block: the exception is swallowed "
			   "without a trace; handle it, log it, or say in a "
			   "comment inside the block why ignoring it is safe",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"class A {\n  void f() {\n    try {\n      g();\n"
			"    } catch (Exception e) {\n    }\n  }\n}\n"),
		.examples_false = REVIEW_STRV(
			"class A {\n  void f() {\n    try {\n      g();\n"
			"    } catch (IOException e) {\n"
			"      // closing anyway\n    }\n  }\n}\n",
			"class A {\n  void f() {\n    try {\n      g();\n"
			"    } catch (Exception e) {\n"
			"      log(e);\n    }\n  }\n}\n"),
	},
	{
		.id = "structure/java-string-identity",
		.language = "java",
		.query = "(binary_expression left: (string_literal) "
			 "operator: [\"==\" \"!=\"]) @cmp\n"
			 "(binary_expression operator: [\"==\" \"!=\"] "
			 "right: (string_literal)) @cmp",
		.message = "== on a string literal compares references, not "
			   "contents, so equal strings can compare unequal; "
			   "use \"literal\".equals(s)",
		.severity = REVIEW_SEV_ERROR,
		.examples_true = REVIEW_STRV(
			"class A {\n  boolean f(String s) {\n"
			"    return s == \"yes\";\n  }\n}\n",
			"class A {\n  boolean f(String s) {\n"
			"    return \"no\" != s;\n  }\n}\n"),
		.examples_false = REVIEW_STRV(
			"class A {\n  boolean f(String s) {\n"
			"    return \"yes\".equals(s) || s == null;\n  }\n}\n"),
	},

	/* Go */
	{
		.id = "structure/go-defer-in-loop",
		.language = "go",
		.query = "(for_statement body: (block (defer_statement) "
			 "@defer))",
		.message = "defer inside a loop runs when the function "
			   "returns, not at the end of each iteration, so "
			   "resources pile up until then; move the body into "
			   "a function or release explicitly",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"package p\n\nfunc f(names []string) {\n"
			"\tfor _, n := range names {\n"
			"\t\tfh := open(n)\n\t\tdefer fh.Close()\n\t}\n}\n"),
		.examples_false = REVIEW_STRV(
			"package p\n\nfunc f(names []string) {\n"
			"\tfor _, n := range names {\n"
			"\t\tfunc() {\n\t\t\tfh := open(n)\n"
			"\t\t\tdefer fh.Close()\n\t\t}()\n\t}\n"
			"\tdefer done()\n}\n"),
	},
	{
		.id = "structure/go-empty-error-check",
		.language = "go",
		.query = "(if_statement condition: (binary_expression "
			 "left: (identifier) @_err operator: \"!=\" "
			 "right: (nil)) @cond consequence: (block) @_body "
			 "(#eq? @_err \"err\") "
			 "(#match? @_body \"^\\\\{\\\\s*\\\\}$\"))",
		.message = "'if err != nil {}' with an empty body: the error "
			   "is checked and then ignored; return or handle it",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"package p\n\nfunc f() {\n\terr := g()\n"
			"\tif err != nil {\n\t}\n}\n"),
		.examples_false = REVIEW_STRV(
			"package p\n\nfunc f() error {\n\terr := g()\n"
			"\tif err != nil {\n\t\treturn err\n\t}\n"
			"\treturn nil\n}\n",
			"package p\n\nfunc f() {\n\tif err := g(); err != nil "
			"{\n\t\t// best effort\n\t}\n}\n"),
	},

	/* Rust */
	{
		.id = "structure/rust-todo-macro",
		.language = "rust",
		.query = "(macro_invocation macro: [(identifier) @_m "
			 "(scoped_identifier name: (identifier) @_m)] "
			 "(#any-of? @_m \"todo\" \"unimplemented\")) @call",
		.message = "todo!() or unimplemented!() panics when reached; "
			   "finish the code path or return an error",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"fn f() -> u32 {\n    todo!()\n}\n",
			"fn g() {\n    std::unimplemented!(\"later\");\n}\n"),
		.examples_false = REVIEW_STRV(
			"fn f() -> u32 {\n    // todo!() later\n    1\n}\n",
			"fn todo() {}\nfn g() {\n    todo();\n"
			"    println!(\"todo\");\n}\n"),
	},
	{
		.id = "structure/rust-dbg-macro",
		.language = "rust",
		.query = "(macro_invocation macro: [(identifier) @_m "
			 "(scoped_identifier name: (identifier) @_m)] "
			 "(#eq? @_m \"dbg\")) @call",
		.message = "dbg!() left in: it prints to stderr in every "
			   "build, release included; remove it or use the "
			   "project's logging",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"fn f(x: u32) -> u32 {\n    dbg!(x) + 1\n}\n"),
		.examples_false = REVIEW_STRV(
			"fn f(x: u32) -> u32 {\n    log::debug!(\"{}\", x);\n"
			"    x + 1\n}\n"),
	},

	/* Ruby */
	{
		.id = "structure/ruby-rescue-exception",
		.language = "ruby",
		.query = "(rescue exceptions: (exceptions (constant) @class "
			 "(#eq? @class \"Exception\")))",
		.message = "'rescue Exception' also catches SignalException "
			   "and SystemExit, so interrupts and exit stop "
			   "working; rescue StandardError (a bare rescue) or "
			   "something narrower",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"begin\n  work\nrescue Exception => e\n  log(e)\nend\n",
			"def f\n  work\nrescue IOError, Exception\n"
			"  nil\nend\n"),
		.examples_false = REVIEW_STRV(
			"begin\n  work\nrescue StandardError => e\n"
			"  log(e)\nend\n",
			"begin\n  work\nrescue MyException\n  nil\nend\n"),
	},

	/* Bash */
	{
		.id = "structure/bash-unquoted-args",
		.language = "bash",
		.query = "(command argument: (simple_expansion "
			 "(special_variable_name) @_v) @arg (#eq? @_v \"@\"))\n"
			 "(for_statement value: (simple_expansion "
			 "(special_variable_name) @_v) @arg (#eq? @_v \"@\"))",
		.message = "unquoted $@ splits arguments that contain spaces "
			   "and expands wildcards in them; write \"$@\"",
		.severity = REVIEW_SEV_WARNING,
		.examples_true = REVIEW_STRV(
			"#!/bin/sh\nexec prog $@\n",
			"for a in $@; do\n  echo \"$a\"\ndone\n"),
		.examples_false = REVIEW_STRV(
			"#!/bin/sh\nexec prog \"$@\"\n",
			"for a in \"$@\"; do\n  echo \"$a\"\ndone\n",
			"echo \"$#\" $1\n"),
	},
	{
		.id = "structure/bash-rm-unquoted-root",
		.language = "bash",
		.query = "(command name: (command_name) @_rm argument: "
			 "(concatenation . [(simple_expansion) (expansion)] "
			 "@_var . (word) @_rest) @arg "
			 "(#eq? @_rm \"rm\") (#match? @_rest \"^/\") "
			 "(#not-match? @_var \":[?]\"))",
		.message = "rm on an unquoted variable followed by '/': when "
			   "the variable is empty or unset this deletes from "
			   "the file system root; quote it and guard it, as "
			   "in \"${dir:?}\"/",
		.severity = REVIEW_SEV_ERROR,
		.examples_true = REVIEW_STRV(
			"rm -rf $BUILD/\n",
			"rm -rf ${PREFIX}/lib\n"),
		.examples_false = REVIEW_STRV(
			"rm -rf \"${BUILD:?}\"/x\n",
			"rm -rf ${BUILD:?}/x\n",
			"rm -f $file\n",
			"cp $SRC/ dest\n"),
	},
};

const struct review_query_pack review_pack_structure = {
	.name = "structure",
	.summary = "syntax-aware checks: assignments as conditions, "
		   "swallowed exceptions, mutable defaults, risky shell",
	.rules = review_pack_structure_rules,
	.nr_rules = sizeof(review_pack_structure_rules) /
		    sizeof(review_pack_structure_rules[0]),
};
