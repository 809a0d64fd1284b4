#!/bin/sh
# t0402-ci-files.sh - action.yml and actions/gitlab-ci.yml are real: they
# parse, have the structure their platforms need, and their scripts work
# when run the way GitHub's runner and GitLab's runner run them.
#
# Nothing here talks to GitHub or GitLab. A small emulator (ci.py, below;
# python3 with PyYAML, Debian's python3-yaml) plays each runner:
#
# GitHub: the action's steps run in order, as the runner runs composite
# steps: `${{ }}` expressions evaluated (inputs, steps, github, runner;
# anything else is an error, so the emulator never guesses), `if:`
# honoured, each `run:` under `bash --noprofile --norc -eo pipefail` in the
# workspace with fresh GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and
# GITHUB_STEP_SUMMARY files, the first failing step ending the action.
# GITHUB_ACTION_PATH is a copy of this source tree (git ls-files, tracked
# and untracked-not-ignored). The two `uses:` steps are emulated:
# actions/cache/restore and actions/cache/save copy the cached path to and
# from a directory that stands for the cache service.
#   1. cold: empty cache; the build step builds the copy for real (about
#      ten seconds: the copy gets the main tree's compiled tree-sitter
#      grammars, mtimes kept, since compiling those takes minutes), then
#      tend reviews a branch with a planted merge-conflict marker: exit 1
#      passes through, outputs set.
#   2. warm: a fresh "runner" (the copy's build/release removed); the
#      cache entry now holds $TEND_BIN (so the binary under test, say the
#      ASan build, is what runs); restore hits, nothing is installed or
#      built; inputs config, fail-level and quoted args take effect;
#   3. hostile inputs: shell syntax in `args` and `command` is never run;
#   4. a pull request on the fake GitHub (tests/lib/fakegithub.py): the
#      default token input reaches tend, tend publishes, and the outputs
#      findings and summary-url are set (tend writes them for pull
#      requests; runs 1-3 use --local, which publishes nothing).
# In every run the pull request's tree holds a "tend" of its own
# (build/release/tend and ./tend) that must never run.
# Statically, every `uses:` of another repository in action.yml is pinned
# by a 40-hex commit with a `# vX.Y.Z` comment.
# apt-get and sudo are shims on PATH: `sudo` logs and runs its command
# (it is only reached when the test does not run as root), and `apt-get`
# fails the test if called, so nothing is ever installed from here.
#
# GitLab: `tend-review` is resolved through `extends`, its variables
# exported (an override passed to the emulator stands for a project CI/CD
# variable, which GitLab ranks above the job's), and its `script:` run by
# `bash -eo pipefail` in a fresh clone of the merge request (the project
# directory), as the runner does. The cache is emulated too: a directory
# per cache key whose paths are extracted over the checkout before the
# script and saved after it (`when: always`), so one job's saved cache is
# the next job's, and a test can poison it as a merge request's pipeline
# could. TEND_REPO is a local stand-in for tend's repository whose
# install-deps.sh and Makefile log their runs and "build" by copying
# $TEND_BIN. What a merge request plants (a script that leaves a mark in
# planted.log, then runs tend) must never run:
#   A. committed at the cache's path (which the old template ran), cold
#      cache: tend is built outside the project and reviews; the cache then
#      holds the build and its grammar tarballs;
#   B. warm cache, TEND_SHA256 = the build's hash: the cached copy runs,
#      nothing is installed or built;
#   C. warm cache, no TEND_SHA256: built again (nothing vouches for it);
#   D. the cache poisoned, no TEND_SHA256: built again, cache cleaned;
#   E. the cache poisoned, TEND_SHA256 set: the mismatch is reported and
#      tend is built;
#   F. TEND_BIN: refused when relative, inside the project (also through a
#      symlink) or with another sha256 than TEND_SHA256; else it runs;
#   G. TEND_REPO into the project (path, file://, symlink, relative) or a
#      TEND_REF that is a commit of the merge request: refused, no build;
#   H. the placeholder TEND_REPO stops the job with exit 2.
# The review gets TEND_ARGS="--local --no-llm" (merge-request publishing
# needs a forge, which other tests fake).
. "$TEND_TESTS/integration/lib.sh"

src=$(cd "$TEND_TESTS/.." && pwd)
top=$PWD
python3 -c 'import yaml' 2>/dev/null ||
	fail "python3 cannot import yaml: install python3-yaml"
[ -f "$src/action.yml" ] || fail "no action.yml"
[ -f "$src/actions/gitlab-ci.yml" ] || fail "no actions/gitlab-ci.yml"

cat >ci.py <<'PY'
"""Emulates the parts of GitHub's and GitLab's runners these files use."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

FAKE_TOKEN = "ghs_t0402FakeTokenNotASecret000000000000"


def die(msg):
    sys.exit("ci.py: " + msg)


def write_result(path, report):
    """One line per node: dotted path (list items by index), a tab, and
    the value (JSON for mappings and lists, newlines as \\n)."""
    lines = []

    def walk(prefix, v):
        if isinstance(v, dict):
            items = v.items()
        elif isinstance(v, list):
            items = enumerate(v)
        else:
            lines.append("%s\t%s" % (prefix, str(v).replace("\n", "\\n")))
            return
        if prefix:
            lines.append("%s\t%s" % (prefix, json.dumps(v)))
        for k, sub in items:
            walk("%s.%s" % (prefix, k) if prefix else str(k), sub)
    walk("", report)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


# ---- GitHub ------------------------------------------------------------

EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def gh_expr_refs(value):
    """Every ${{ }} expression inside a string, list or mapping."""
    if isinstance(value, str):
        return [m.strip() for m in EXPR.findall(value)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in gh_expr_refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in gh_expr_refs(v)]
    return []


def gh_check(action_dir):
    meta = load(os.path.join(action_dir, "action.yml"))
    for key in ("name", "description", "inputs", "outputs", "runs"):
        if key not in meta:
            die("action.yml has no '%s'" % key)
    runs = meta["runs"]
    if runs.get("using") != "composite":
        die("runs.using is %r, not composite" % runs.get("using"))
    steps = runs["steps"]
    ids = {s["id"]: s for s in steps if "id" in s}
    want_inputs = {"command": "review", "config": "", "fail-level": "",
                   "args": "", "token": "${{ github.token }}"}
    for name, default in want_inputs.items():
        if name not in meta["inputs"]:
            die("input '%s' missing" % name)
        if str(meta["inputs"][name].get("default", "")) != default:
            die("input '%s' defaults to %r, want %r" %
                (name, meta["inputs"][name].get("default"), default))
    used = set()
    token_steps = []
    for i, s in enumerate(steps):
        name = s.get("name", "step %d" % i)
        if "run" in s:
            if "${{" in s["run"]:
                die("step '%s': an expression inside run: (script "
                    "injection); pass it through env:" % name)
            if "shell" not in s:
                die("step '%s': composite run steps need shell:" % name)
        elif "uses" in s:
            if not re.match(r"^actions/cache/(restore|save)@",
                            s["uses"]):
                die("step '%s': unexpected uses: %s" % (name, s["uses"]))
        else:
            die("step '%s' has neither run nor uses" % name)
        refs = gh_expr_refs({k: v for k, v in s.items() if k != "run"})
        if "if" in s and "${{" not in str(s["if"]):
            refs.append(str(s["if"]))
        for r in refs:
            for m in re.finditer(r"\binputs\.([A-Za-z0-9_-]+)", r):
                used.add(m.group(1))
                if m.group(1) == "token":
                    token_steps.append(s)
            for m in re.finditer(r"\bsteps\.([A-Za-z0-9_-]+)\.", r):
                if m.group(1) not in ids:
                    die("step '%s' refers to unknown step id '%s'" %
                        (name, m.group(1)))
            if "github.action_path" in r:
                die("step '%s' uses github.action_path, wrong in "
                    "container jobs; use $GITHUB_ACTION_PATH" % name)
    unused = set(meta["inputs"]) - used
    if unused:
        die("inputs never used: %s" % ", ".join(sorted(unused)))
    if len(token_steps) != 1 or token_steps[0].get("env", {}).get(
            "GITHUB_TOKEN") != "${{ inputs.token }}":
        die("exactly one step, the one running tend, must get "
            "GITHUB_TOKEN: ${{ inputs.token }}")
    if token_steps[0].get("id") != "run":
        die("the token goes to a step other than 'run'")
    for name, out in meta["outputs"].items():
        refs = gh_expr_refs(out.get("value", ""))
        if len(refs) != 1:
            die("output '%s' is not one expression" % name)
        m = re.match(r"^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$",
                     refs[0])
        if not m or m.group(1) not in ids:
            die("output '%s' is not wired to an existing step" % name)
    for name in ("findings", "summary-url", "exit-code"):
        if name not in meta["outputs"]:
            die("output '%s' missing" % name)
    gh_pins(os.path.join(action_dir, "action.yml"), steps)


# owner/repo[/path]@<40 hex>, or a container image by digest.
PINNED = re.compile(r"^(?:[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}"
                    r"|docker://[^@\s]+@sha256:[0-9a-f]{64})$")


def gh_pins(path, steps):
    """Every `uses:` of another repository names a full commit SHA (a tag or
    branch can be moved to other code) and says its version in a comment on
    the same line, as `# v1.2.3`. Local actions (./...) are the caller's."""
    with open(path) as f:
        lines = [l for l in f.read().split("\n")
                 if not l.lstrip().startswith("#")]
    raw = {}
    for line in lines:
        m = re.match(r"^\s*(?:-\s+)?uses:\s*(['\"]?)([^\s'\"]+)\1(.*)$", line)
        if m:
            raw.setdefault(m.group(2), []).append(m.group(3))
        elif re.search(r"\buses\s*:", line):
            die("a uses: the check cannot read: %r" % line)
    used = [s["uses"] for s in steps if "uses" in s]
    if sorted(used) != sorted(u for u, c in raw.items() for _ in c):
        die("the uses: lines do not match the steps' uses")
    for u in used:
        if u.startswith("./"):
            continue
        if not PINNED.match(u):
            die("uses: %s is not pinned by a full commit SHA" % u)
        for comment in raw[u]:
            if not re.match(r"^\s+#\s*v\d+(\.\d+)*\s*$", comment):
                die("uses: %s has no '# vX.Y.Z' comment" % u)
    shas = {u.split("@", 1)[1] for u in used
            if u.startswith("actions/cache/")}
    if len(shas) != 1:
        die("actions/cache/restore and /save are not the same commit")


class GhContext:
    def __init__(self, action_dir, workspace, inputs):
        self.action_dir = action_dir
        self.inputs = inputs
        self.steps = {}
        self.github = {"token": FAKE_TOKEN, "action_path": action_dir,
                       "workspace": workspace}
        self.runner = {"os": "Linux", "arch": "X64",
                       "temp": os.environ.get("RUNNER_TEMP", "")}

    def lookup(self, path):
        parts = path.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            if parts[1] not in self.inputs:
                die("unknown input '%s'" % parts[1])
            return self.inputs[parts[1]]
        if parts[0] in ("github", "runner") and len(parts) == 2:
            ctx = getattr(self, parts[0])
            if parts[1] not in ctx:
                die("the emulator has no %s" % path)
            return ctx[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        die("the emulator does not know '%s'" % path)

    def eval(self, expr):
        expr = expr.strip()
        m = re.match(r"^([A-Za-z_][\w.-]*)\s*(==|!=)\s*'([^']*)'$", expr)
        if m:
            eq = str(self.lookup(m.group(1))) == m.group(3)
            return eq if m.group(2) == "==" else not eq
        if re.match(r"^[A-Za-z_][\w.-]*$", expr):
            return self.lookup(expr)
        die("the emulator does not understand '%s'" % expr)

    def interpolate(self, s):
        return EXPR.sub(lambda m: str(self.eval(m.group(1))), str(s))

    def condition(self, cond):
        m = re.match(r"^\s*\$\{\{(.*)\}\}\s*$", str(cond), re.S)
        v = self.eval(m.group(1) if m else str(cond))
        return bool(v) if not isinstance(v, str) else v != ""


def read_kv_file(path):
    """GITHUB_OUTPUT / GITHUB_ENV syntax: k=v and k<<DELIM ... DELIM."""
    out = {}
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or
                             line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            val = []
            while i < len(lines) and lines[i] != delim:
                val.append(lines[i])
                i += 1
            if i >= len(lines):
                die("unterminated %s<<%s in %s" % (key, delim, path))
            i += 1
            out[key] = "\n".join(val)
        elif "=" in line:
            key, val = line.split("=", 1)
            out[key] = val
        else:
            die("bad line %r in %s" % (line, path))
    return out


def gh_run(action_dir, workspace, store, result, log, given):
    meta = load(os.path.join(action_dir, "action.yml"))
    inputs = {}
    ctx = GhContext(action_dir, workspace, inputs)
    for name, spec in meta["inputs"].items():
        inputs[name] = ctx.interpolate(spec.get("default", ""))
    for name, val in given.items():
        if name not in inputs:
            die("no input '%s'" % name)
        inputs[name] = val
    env = dict(os.environ)
    env.update({"GITHUB_ACTIONS": "true", "CI": "true",
                "GITHUB_ACTION_PATH": action_dir,
                "GITHUB_WORKSPACE": workspace,
                "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"})
    env.pop("GITHUB_TOKEN", None)  # the runner does not export it
    tmp = tempfile.mkdtemp(prefix="gh-")
    summary = ""
    status = 0
    report = {"steps": []}
    with open(log, "a") as logf:
        for i, s in enumerate(meta["runs"]["steps"]):
            name = s.get("name", "step %d" % i)
            sid = s.get("id", "__%d" % i)
            if "if" in s and not ctx.condition(s["if"]):
                report["steps"].append([sid, "skipped"])
                continue
            logf.write("=== step: %s\n" % name)
            logf.flush()
            outputs = {}
            if "uses" in s:
                w = {k: ctx.interpolate(v) for k, v in s["with"].items()}
                entry = os.path.join(store, re.sub(r"[^\w.-]", "_",
                                                   w["key"]))
                if s["uses"].startswith("actions/cache/restore@"):
                    if os.path.exists(entry):
                        os.makedirs(os.path.dirname(w["path"]),
                                    exist_ok=True)
                        shutil.copy2(entry, w["path"])
                        outputs["cache-hit"] = "true"
                        logf.write("cache restored from key %s\n" % w["key"])
                    else:
                        logf.write("cache not found for key %s\n" % w["key"])
                else:
                    if not os.path.isfile(w["path"]):
                        die("cache save: no file at %s" % w["path"])
                    os.makedirs(store, exist_ok=True)
                    shutil.copy2(w["path"], entry)
                    logf.write("cache saved with key %s\n" % w["key"])
                rc = 0
            else:
                files = {}
                for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH",
                            "GITHUB_STEP_SUMMARY"):
                    files[var] = os.path.join(tmp, "%s.%d" % (var, i))
                    open(files[var], "w").close()
                senv = dict(env)
                senv.update(files)
                for k, v in (s.get("env") or {}).items():
                    senv[k] = ctx.interpolate(v)
                script = os.path.join(tmp, "step.%d.sh" % i)
                with open(script, "w") as f:
                    f.write(ctx.interpolate(s["run"]))
                cwd = workspace
                if "working-directory" in s:
                    cwd = os.path.join(workspace, ctx.interpolate(
                        s["working-directory"]))
                if s["shell"] != "bash":
                    die("the emulator runs shell: bash only")
                rc = subprocess.call(["bash", "--noprofile", "--norc",
                                      "-eo", "pipefail", script],
                                     cwd=cwd, env=senv, stdout=logf,
                                     stderr=logf, stdin=subprocess.DEVNULL)
                outputs = read_kv_file(files["GITHUB_OUTPUT"])
                env.update(read_kv_file(files["GITHUB_ENV"]))
                with open(files["GITHUB_PATH"]) as f:
                    for p in f.read().split("\n"):
                        if p:
                            env["PATH"] = p + os.pathsep + env["PATH"]
                            report.setdefault("path", []).append(p)
                with open(files["GITHUB_STEP_SUMMARY"]) as f:
                    summary += f.read()
            ctx.steps[sid] = outputs
            report["steps"].append([sid, "failure" if rc else "success"])
            logf.write("=== step %s: exit %d, outputs %s\n" %
                       (name, rc, json.dumps(outputs)))
            if rc:
                status = rc
                break
    report["status"] = status
    report["outputs"] = {name: ctx.interpolate(o["value"])
                         for name, o in meta["outputs"].items()}
    report["step_outputs"] = ctx.steps
    report["summary"] = summary
    write_result(result, report)


# ---- GitLab ------------------------------------------------------------

def gl_merge(base, over):
    """`extends`: mappings merge deeply, anything else is replaced."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = gl_merge(out[k], v)
        else:
            out[k] = v
    return out


def gl_job(path, name):
    doc = load(path)
    job = doc[name]
    ext = job.get("extends")
    if ext:
        for e in [ext] if isinstance(ext, str) else ext:
            job = gl_merge(gl_job(path, e), job)
        job.pop("extends", None)
    return job


def gl_check(path):
    doc = load(path)
    for key in doc:
        if not (key.startswith(".") or key.startswith("tend-")):
            die("the template defines '%s' at the top level; an included "
                "template must only add its own jobs" % key)
    if ".tend-review" not in doc or "tend-review" not in doc:
        die("jobs .tend-review and tend-review are needed")
    if doc["tend-review"].get("extends") != ".tend-review":
        die("tend-review does not extend .tend-review")
    job = gl_job(path, "tend-review")
    v = job.get("variables", {})
    rules = job.get("rules", [])
    if not any(re.search(r'\$CI_PIPELINE_SOURCE\s*==\s*"merge_request_event"',
                         r.get("if", "")) for r in rules):
        die("no rule for merge_request_event pipelines")
    if job.get("image") != "$TEND_IMAGE" or v.get("TEND_IMAGE") != "debian:12":
        die("image must be $TEND_IMAGE, debian:12 by default")
    if str(v.get("GIT_DEPTH")) != "0":
        die("GIT_DEPTH must be 0: tend needs the merge base")
    for var in ("TEND_REF", "TEND_REPO", "TEND_SHA256", "TEND_BIN",
                "TEND_ARGS"):
        if var not in v:
            die("variable %s is not declared" % var)
    art = job.get("artifacts", {})
    if art.get("reports", {}).get("codequality") != \
            "gl-code-quality-report.json":
        die("artifacts.reports.codequality is not gl-code-quality-report.json")
    if art.get("when") != "always":
        die("artifacts.when must be always: the report matters most when "
            "the review fails")
    cache = job.get("cache", {})
    if "$TEND_REF" not in str(cache.get("key")) or \
            cache.get("when") != "always":
        die("cache must be keyed on $TEND_REF and saved always")
    if 1 not in job.get("allow_failure", {}).get("exit_codes", []):
        die("allow_failure.exit_codes must contain 1")
    # tend-fix: opt in, after a failed merge-request pipeline, the same
    # checked binary, no report of its own.
    if doc.get("tend-fix", {}).get("extends") != ".tend-review":
        die("tend-fix does not extend .tend-review")
    fix = gl_job(path, "tend-fix")
    frules = fix.get("rules", [])
    if not frules or not all(r.get("when") == "on_failure" and
                             '$TEND_FIX == "true"' in r.get("if", "") and
                             "merge_request_event" in r.get("if", "")
                             for r in frules):
        die("tend-fix must run only on a failed merge-request pipeline "
            "with TEND_FIX true")
    if fix.get("stage") != ".post" or fix.get("needs") is not None:
        die("tend-fix must run in .post, after the tests, without needs")
    if fix.get("artifacts") is not None:
        die("tend-fix writes no Code Quality report")
    if fix["script"][0] != job["script"][0]:
        die("tend-fix must get and check tend as tend-review does")
    if '"$tend" fix' not in fix["script"][-1] or \
            "tend_sum" not in fix["script"][-1]:
        die("tend-fix must run the checked binary's fix")
    # tend-inbox: opt in, on a schedule, the same checked binary.
    if doc.get("tend-inbox", {}).get("extends") != ".tend-review":
        die("tend-inbox does not extend .tend-review")
    ibx = gl_job(path, "tend-inbox")
    irules = ibx.get("rules", [])
    if not irules or not all('$TEND_INBOX == "true"' in r.get("if", "") and
                             '"schedule"' in r.get("if", "")
                             for r in irules):
        die("tend-inbox must run only on a schedule with TEND_INBOX true")
    if ibx["script"][0] != job["script"][0] or \
            '"$tend" inbox' not in ibx["script"][-1] or \
            "tend_sum" not in ibx["script"][-1]:
        die("tend-inbox must get, check and run tend as tend-review does")
    if ibx.get("resource_group") != "tend-inbox":
        die("tend-inbox must run one at a time (resource_group)")
    # tend-tasks: opt in, on a schedule, the same checked binary.
    if doc.get("tend-tasks", {}).get("extends") != ".tend-review":
        die("tend-tasks does not extend .tend-review")
    tasks = gl_job(path, "tend-tasks")
    trules = tasks.get("rules", [])
    if not trules or not all('$TEND_TASKS == "true"' in r.get("if", "") and
                             '"schedule"' in r.get("if", "")
                             for r in trules):
        die("tend-tasks must run only on a schedule with TEND_TASKS true")
    if tasks["script"][0] != job["script"][0]:
        die("tend-tasks must get and check tend as tend-review does")
    if '"$tend" tasks' not in tasks["script"][-1] or \
            "tend_sum" not in tasks["script"][-1] or \
            "CI_NODE_INDEX - 1" not in tasks["script"][-1]:
        die("tend-tasks must run the checked binary's tasks, sharded by "
            "parallel:")
    text = "\n".join(job.get("before_script", []) + job["script"])
    text = re.sub(r"\s+", " ", text.replace("\\\n", " "))
    if "--format codequality --output gl-code-quality-report.json" not in text:
        die("the script does not write the Code Quality report")


def gl_copy(src, dst):
    """Copies a cached path as the runner's archives keep it: symlinks
    stay symlinks, files already in the checkout are overwritten."""
    if os.path.isdir(src) and not os.path.islink(src):
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    else:
        if os.path.lexists(dst) and not os.path.isdir(dst):
            os.unlink(dst)
        shutil.copy2(src, dst, follow_symlinks=False)


def gl_run(path, project_dir, store, result, log, overrides):
    job = gl_job(path, "tend-review")
    env = dict(os.environ)
    for k, v in job.get("variables", {}).items():
        if "$" in str(v):
            die("variable %s refers to another variable; the emulator "
                "does not expand those" % k)
        env[k] = str(v)
    env.update(overrides)
    env.update({"GITLAB_CI": "true", "CI": "true",
                "CI_PROJECT_DIR": project_dir})
    # The cache: STORE/KEY holds the paths the last job saved; they are
    # extracted over the checkout before the script and saved after it.
    cache = job.get("cache", {})
    key = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""),
                 str(cache.get("key", "default")))
    entry = os.path.join(store, re.sub(r"[^\w.-]", "_", key))
    paths = [p.rstrip("/") for p in cache.get("paths", [])]
    for p in paths:
        if os.path.lexists(os.path.join(entry, p)):
            gl_copy(os.path.join(entry, p), os.path.join(project_dir, p))
    lines = job.get("before_script", []) + job["script"]
    script = os.path.join(tempfile.mkdtemp(prefix="gl-"), "job.sh")
    with open(script, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(log, "a") as logf:
        rc = subprocess.call(["bash", "--noprofile", "--norc", "-eo",
                              "pipefail", script], cwd=project_dir, env=env,
                             stdout=logf, stderr=logf,
                             stdin=subprocess.DEVNULL)
    if rc == 0 or cache.get("when") == "always":
        for p in paths:
            src = os.path.join(project_dir, p)
            dst = os.path.join(entry, p)
            if not os.path.lexists(src):
                continue
            if os.path.isdir(dst) and not os.path.islink(dst):
                shutil.rmtree(dst)
            elif os.path.lexists(dst):
                os.unlink(dst)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            gl_copy(src, dst)
    allowed = rc in job.get("allow_failure", {}).get("exit_codes", [])
    write_result(result, {"status": rc, "allowed": allowed})


def pairs(args):
    out = {}
    for a in args:
        k, _, v = a.partition("=")
        out[k] = v
    return out


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gh-check":
        gh_check(args[0])
    elif cmd == "gh-run":
        gh_run(args[0], args[1], args[2], args[3], args[4], pairs(args[5:]))
    elif cmd == "gl-check":
        gl_check(args[0])
    elif cmd == "gl-run":
        gl_run(args[0], args[1], args[2], args[3], args[4], pairs(args[5:]))
    else:
        die("unknown command " + cmd)


main()
PY

# get FILE KEY: a value from a result file written by ci.py.
get() {
	awk -F '\t' -v k="$2" '$1 == k { print substr($0, length(k) + 2); exit }' "$1"
}

# want FILE KEY VALUE
want() {
	got=$(get "$1" "$2")
	[ "$got" = "$3" ] || { cat ci.log >&2; fail "$2 is '$got', want '$3'"; }
}

# positive FILE KEY: the value is a number above zero.
positive() {
	got=$(get "$1" "$2")
	case $got in
	'' | *[!0-9]* | 0) cat ci.log >&2
		fail "$2 is '$got', want a count above 0 (tend writes" \
			"findings=N to \$GITHUB_OUTPUT in GitHub Actions)" ;;
	esac
}

# ---- the static structure of both files --------------------------------

python3 ci.py gh-check "$src" || fail "action.yml structure"
python3 ci.py gl-check "$src/actions/gitlab-ci.yml" ||
	fail "gitlab-ci.yml structure"

# ---- what the runners would see ----------------------------------------

# The repository under review: a branch with a merge-conflict marker and a
# line only the custom config's rule flags.
new_repo r
(cd r &&
	mkdir ci &&
	printf '%s\n' 'checks:' '  rules:' '    - id: planted-marker' \
		'      pattern: "PLANTED-MARKER"' '      severity: warning' \
		'      message: "planted marker"' >ci/tend.yml &&
	git add ci && git commit -qm config &&
	git checkout -q -b topic &&
	printf 'int x;\n<<<<<<< HEAD\nPLANTED-MARKER\n' >a.c &&
	git add a.c && git commit -qm topic) || fail "setup"
head=$(git -C r rev-parse HEAD)
base=$(git -C r rev-parse main)

# A pull_request event, and a forge nobody listens on: --local must not
# need it, and nothing may leave the machine.
cat >event.json <<EOF
{"action": "opened", "number": 1,
 "pull_request": {"number": 1,
  "head": {"sha": "$head", "ref": "topic", "repo": {"full_name": "octo/app"}},
  "base": {"sha": "$base", "ref": "main", "repo": {"full_name": "octo/app"}}},
 "repository": {"full_name": "octo/app"}}
EOF
export GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$top/event.json"
export GITHUB_REPOSITORY=octo/app GITHUB_SHA="$head"
export GITHUB_REF=refs/pull/1/merge GITHUB_HEAD_REF=topic GITHUB_BASE_REF=main
export GITHUB_API_URL=http://127.0.0.1:9 GITHUB_SERVER_URL=http://127.0.0.1:9
export RUNNER_TEMP="$top/runner-temp"
mkdir -p "$RUNNER_TEMP"

# sudo and apt-get shims.
mkdir shims
cat >shims/sudo <<EOF
#!/bin/sh
echo "sudo \$*" >>"$top/shims.log"
exec "\$@"
EOF
cat >shims/apt-get <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$top/shims.log"
echo "t0402: apt-get must not run in a test" >&2
exit 100
EOF
chmod +x shims/sudo shims/apt-get
: >shims.log
PATH=$top/shims:$PATH
export PATH

# What an attacker plants: a "tend" that leaves a mark, then behaves like
# tend, so the job would go green while it ran with the token.
cat >planted <<EOF
#!/bin/sh
echo "planted ran: \$*" >>"$top/planted.log"
exec "$TEND_BIN" "\$@"
EOF
chmod +x planted
bad=$(sha256sum <planted | cut -d' ' -f1)
# no_plant: nothing planted ever ran.
no_plant() {
	[ ! -e planted.log ] || { cat ci.log >&2
		fail "a binary from the checkout or the cache ran:" \
			"$(cat planted.log)"; }
}

# The action's directory: a copy of the source tree, mtimes kept, plus the
# main tree's compiled grammars (cache, objects, and the stamps they depend
# on) so the build compiles tend's own sources only.
copy_tree() { # DEST
	mkdir -p "$1" &&
		git -C "$src" ls-files -co --exclude-standard -z |
		(cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$1"
}
act=$top/action
copy_tree "$act" || fail "copy of the source tree"
g=$src/build/grammars
[ -d "$g/obj" ] || fail "no compiled grammars in $g: build tend first"
mkdir -p "$act/build/grammars/src"
cp -a "$g/cache" "$g/obj" "$act/build/grammars/" || fail "grammar copy"
for d in "$g"/src/*/; do
	n=$(basename "$d")
	mkdir -p "$act/build/grammars/src/$n"
	cp -p "$d/.stamp" "$act/build/grammars/src/$n/" || fail "stamp copy"
done
store=$top/cache-store

# The pull request's tree has a "tend" of its own in build/release/ and at
# the top, where a careless action might look: the action never runs those.
mkdir -p r/build/release
cp planted r/build/release/tend
cp planted r/tend

# 1. Cold: nothing cached; build for real, review, exit 1 passes through.
python3 ci.py gh-run "$act" "$top/r" "$store" res1.txt ci.log \
	args="--local --no-llm" || fail "emulator"
want res1.txt status 1
want res1.txt outputs.exit-code 1
want res1.txt steps.0 '["key", "success"]'
want res1.txt step_outputs.cache.cache-hit ""
want res1.txt steps.3.1 success            # the save step ran
want res1.txt steps.5 '["__5", "failure"]'  # the status step failed
want res1.txt path '["'"$act"'/build/release"]'
contains "$(cat ci.log)" "tend: built tend"
contains "$(cat ci.log)" "merge-conflict-marker"
[ -x "$act/build/release/tend" ] || fail "the action built no binary"
[ "$(ls "$store" | wc -l)" = 1 ] || fail "the build was not cached"
key=$(get res1.txt step_outputs.key.key)
case $key in tend-build-v1-Linux-X64-*-*) ;; *) fail "cache key '$key'" ;; esac
if [ "$(id -u)" = 0 ]; then
	[ ! -s shims.log ] || fail "sudo as root: $(cat shims.log)"
else
	grep -q '^sudo sh scripts/install-deps.sh build$' shims.log ||
		fail "install-deps.sh did not run through sudo"
fi
grep -q '^apt-get' shims.log && fail "apt-get ran: $(cat shims.log)"
no_plant

# 2. Warm: a fresh runner whose cache holds the binary under test.
rm -rf "$act/build/release"
cp "$TEND_BIN" "$store"/* || fail "cache seed"
: >shims.log
: >ci.log
mkdir "r/out dir"
python3 ci.py gh-run "$act" "$top/r" "$store" res2.txt ci.log \
	config=ci/tend.yml fail-level=none \
	args="--local --no-llm --output 'out dir/report.txt'" || fail "emulator"
want res2.txt status 0
want res2.txt outputs.exit-code 0
want res2.txt step_outputs.cache.cache-hit true
want res2.txt steps.3 '["__3", "skipped"]'
contains "$(cat ci.log)" "tend: using the cached build"
cmp -s "$TEND_BIN" "$act/build/release/tend" || fail "the cache was not used"
[ ! -s shims.log ] || fail "a cached build installed: $(cat shims.log)"
ls "$act/build/release" | grep -q '\.o$' && fail "a cached build compiled"
[ -f "r/out dir/report.txt" ] || fail "quoted args were split"
contains "$(cat "r/out dir/report.txt")" "[planted-marker]"
contains "$(cat "r/out dir/report.txt")" "[hygiene/merge-conflict-marker]"
no_plant

# 3. Hostile inputs: nothing in them is run; usage errors give exit 2.
: >ci.log
python3 ci.py gh-run "$act" "$top/r" "$store" res3.txt ci.log \
	args='--local $(touch pwned1) ; touch pwned2 `touch pwned3` && touch pwned4' ||
	fail "emulator"
want res3.txt status 2
want res3.txt outputs.exit-code 2
python3 ci.py gh-run "$act" "$top/r" "$store" res4.txt ci.log \
	command='review;touch pwned5' args=--local || fail "emulator"
want res4.txt status 2
want res4.txt outputs.exit-code 2
python3 ci.py gh-run "$act" "$top/r" "$store" res5.txt ci.log \
	args='--local "unterminated' || fail "emulator"
want res5.txt status 2
want res5.txt outputs.exit-code 2
contains "$(cat ci.log)" "unmatched quote"
found=$(find "$top" -name 'pwned*')
[ -z "$found" ] || fail "an input was executed: $found"

# 4. A pull request on the fake GitHub: the default token (the job's
# github.token, ci.py's FAKE_TOKEN) reaches tend, which publishes and sets
# the outputs, and exit 1 still passes through.
tok=ghs_t0402FakeTokenNotASecret000000000000
python3 "$TEND_TESTS/lib/fakegithub.py" --repo r --owner octo --name app \
	--pr 1:main:topic --token "$tok" --port-file gh.port --log gh.json \
	--timeout 120 --watch-parent >/dev/null 2>gh.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
while [ ! -s gh.port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s gh.port ] || { cat gh.err >&2; fail "fake GitHub did not start"; }
: >ci.log
GITHUB_API_URL=http://127.0.0.1:$(cat gh.port) \
GITHUB_SERVER_URL=https://github.example TEND_HTTP_BACKOFF_MS=10 \
	python3 ci.py gh-run "$act" "$top/r" "$store" res6.txt ci.log \
	args=--no-llm || fail "emulator"
kill $server 2>/dev/null
wait $server 2>/dev/null
want res6.txt status 1
want res6.txt outputs.exit-code 1
positive res6.txt outputs.findings
case $(get res6.txt outputs.summary-url) in
http*) ;;
*) cat ci.log >&2
	fail "summary-url is '$(get res6.txt outputs.summary-url)'" ;;
esac
contains "$(get res6.txt summary)" "finding"   # the step summary was written
no_plant
rm -rf r/build r/tend

# ---- GitLab ------------------------------------------------------------

gl=$src/actions/gitlab-ci.yml
export CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_IID=1
export CI_PROJECT_PATH=octo/app CI_PROJECT_ID=7
export CI_API_V4_URL=http://127.0.0.1:9/api/v4 CI_SERVER_URL=http://127.0.0.1:9
export CI_COMMIT_SHA=$head CI_MERGE_REQUEST_DIFF_BASE_SHA=$base
export CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main
unset GITHUB_EVENT_NAME GITHUB_EVENT_PATH GITHUB_REPOSITORY GITHUB_SHA \
	GITHUB_REF GITHUB_HEAD_REF GITHUB_BASE_REF GITHUB_API_URL \
	GITHUB_SERVER_URL

# codequality FILE: the report is a JSON array holding the planted finding.
codequality() {
	python3 - "$1" <<'PY' || fail "bad Code Quality report"
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list), "not an array"
names = [i["check_name"] for i in d]
assert "hygiene/merge-conflict-marker" in names, names
for i in d:
    assert i["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert i["location"]["path"] and i["fingerprint"]
PY
}

# The tend repository the job clones: a stand-in for tend's tree, whose
# scripts/install-deps.sh and Makefile log what they do and "build" by
# copying $TEND_BIN (so the binary under test is what runs, and a build
# takes no minutes; the GitHub runs above build tend's real tree). The
# log, gl-build.log, says when the job built instead of using the cache.
mkdir -p tendsrc/scripts
cat >tendsrc/scripts/install-deps.sh <<EOF
n=\$(ls build/grammars/cache 2>/dev/null | wc -l)
echo "install-deps \$* (\$n tarballs)" >>"$top/gl-build.log"
EOF
printf '%s\n' 'build/release/tend:' \
	"	echo 'make \$@' >>'$top/gl-build.log'" \
	'	mkdir -p build/release build/grammars/cache' \
	"	cp '$TEND_BIN' \$@" \
	'	echo grammar >build/grammars/cache/tree-sitter-x-1.0.0.tgz' \
	>tendsrc/Makefile
(cd tendsrc && git init -q && git add -A && git commit -qm tend) ||
	fail "tend repository"
rev=$(git -C tendsrc rev-parse HEAD)
sys=$(. /etc/os-release && printf '%s-%s' "${ID:-linux}" "${VERSION_ID:-0}")
name=tend-$rev-$sys
sum=$(sha256sum <"$TEND_BIN" | cut -d' ' -f1)
entry=$top/gl-store/tend-main/.tend-cache  # the cache, as the runner keeps it

# The merge request `evil` commits it where the old template looked for a
# cached binary, and as tools/tend.
(cd r && git checkout -q -b evil topic && mkdir -p .tend-cache tools &&
	cp ../planted ".tend-cache/$name" && cp ../planted tools/tend &&
	git add -f .tend-cache tools && git commit -qm evil &&
	git checkout -q topic) || fail "setup of the evil branch"
evil_base=$(git -C r rev-parse topic)

# gl_project DIR BRANCH: a fresh checkout of r at BRANCH, as a runner
# makes one for a merge request pipeline (origin/HEAD is main, the target,
# which `tend review --local` takes as its base).
gl_project() {
	rm -rf "$1" && git clone -q r "$1" && git -C "$1" checkout -q "$2" &&
		git -C "$1" remote set-head origin main || fail "checkout of $2"
	CI_COMMIT_SHA=$(git -C "$1" rev-parse HEAD)
	export CI_COMMIT_SHA
}

# gl RESULT DIR VAR=VALUE...: one tend-review job on a fresh runner whose
# cache is gl-store; the variables stand for project CI/CD variables.
gl() {
	res=$1 proj=$2
	shift 2
	python3 ci.py gl-run "$gl" "$top/$proj" "$top/gl-store" "$res" ci.log \
		TEND_ARGS="--local --no-llm" "$@" || fail "emulator"
}

# builds: how many times the job built tend.
builds() { grep -c '^make build/release/tend$' gl-build.log; }

# A. The merge request commits a binary where the cache keeps tend's,
# on a cold cache: it never runs; tend is built and the review happens.
: >ci.log
: >gl-build.log
gl_project p1 evil
gl gl1.txt p1 TEND_REPO="$top/tendsrc" TEND_REF=main
no_plant
want gl1.txt status 1
want gl1.txt allowed True
codequality p1/gl-code-quality-report.json
[ "$(builds)" = 1 ] || fail "tend was not built"
contains "$(cat ci.log)" "tend: built $name, sha256 $sum"
# The binary that ran is outside the project, and the cache now holds it
# and the build's grammar tarballs, not what the merge request committed.
set -- "$top"/tend-bin.*/tend
[ $# = 1 ] && cmp -s "$1" "$TEND_BIN" || fail "no tend outside the project"
cmp -s "$entry/$name" "$TEND_BIN" || fail "the cache does not hold the build"
[ -f "$entry/tree-sitter-x-1.0.0.tgz" ] || fail "grammar tarballs not cached"

# B. A warm cache and TEND_SHA256 naming the build (in capitals): the
# cached binary runs; nothing is installed or built.
: >ci.log
gl_project p2 topic
gl gl2.txt p2 TEND_REPO="$top/tendsrc" TEND_REF=main \
	TEND_SHA256="$(printf '%s' "$sum" | tr a-f A-F)"
want gl2.txt status 1
codequality p2/gl-code-quality-report.json
contains "$(cat ci.log)" "tend: using the cached $name (sha256 = TEND_SHA256)"
[ "$(builds)" = 1 ] || fail "a cached binary, yet tend was built"
[ "$(grep -c '^install-deps' gl-build.log)" = 1 ] ||
	fail "a cached binary, yet install-deps ran"
[ -z "$(git -C p2 status --porcelain --ignored=no -- .tend-cache)" ] ||
	fail ".tend-cache shows in git status"

# C. A warm cache without TEND_SHA256: nothing vouches for the cache, so
# tend is built again; the grammar tarballs come from the cache.
: >ci.log
gl_project p3 topic
gl gl3.txt p3 TEND_REPO="$top/tendsrc" TEND_REF=main
want gl3.txt status 1
codequality p3/gl-code-quality-report.json
contains "$(cat ci.log)" "not running the cached $name: TEND_SHA256 is not set"
[ "$(builds)" = 2 ] || fail "tend was not built again"
grep -q '^install-deps build (1 tarballs)$' gl-build.log ||
	fail "the cached grammar tarballs did not reach the build"

# D. A poisoned cache (what a merge request's own pipeline can save),
# without TEND_SHA256: never run; built again; the cache is clean after.
cp planted "$entry/$name"
: >ci.log
gl_project p4 topic
gl gl4.txt p4 TEND_REPO="$top/tendsrc" TEND_REF=main
no_plant
want gl4.txt status 1
codequality p4/gl-code-quality-report.json
[ "$(builds)" = 3 ] || fail "tend was not built again"
cmp -s "$entry/$name" "$TEND_BIN" || fail "the poisoned cache was kept"

# E. The same poison with TEND_SHA256 set: its hash differs, so it is
# refused and tend is built.
cp planted "$entry/$name"
: >ci.log
gl_project p5 topic
gl gl5.txt p5 TEND_REPO="$top/tendsrc" TEND_REF=main TEND_SHA256="$sum"
no_plant
want gl5.txt status 1
codequality p5/gl-code-quality-report.json
contains "$(cat ci.log)" "its sha256 is $bad, not TEND_SHA256; building tend"
[ "$(builds)" = 4 ] || fail "tend was not built again"
cmp -s "$entry/$name" "$TEND_BIN" || fail "the poisoned cache was kept"

# F. A prebuilt binary; the fail level from tend's own variable. One in
# the project directory (absolute, relative or through a symlink) or
# whose sha256 is not TEND_SHA256 is refused.
: >ci.log
gl_project p6 evil
ln -s tools p6/t
for bin in "$top/p6/tools/tend" tools/tend "$top/p6/t/tend"; do
	gl gl6.txt p6 TEND_BIN="$bin"
	want gl6.txt status 2
done
contains "$(cat ci.log)" "is inside the project directory"
contains "$(cat ci.log)" "TEND_BIN must be an absolute path"
cp planted planted-bin
gl gl6.txt p6 TEND_BIN="$top/planted-bin" TEND_SHA256="$sum"
want gl6.txt status 2
contains "$(cat ci.log)" "TEND_BIN's sha256 is $bad, not TEND_SHA256"
no_plant
gl gl6.txt p6 TEND_BIN="$TEND_BIN" TEND_SHA256="$sum" \
	TEND_REVIEW_FAIL_LEVEL=none
want gl6.txt status 0
codequality p6/gl-code-quality-report.json

# G. tend is never built from the merge request: not from a path into
# the project, not from a relative path, and not from a commit of the
# merge request reached through another URL (its head, or an earlier
# commit of it).
: >ci.log
gl_project p7 evil
ln -s "$top/p7" p7-link
for repo in "$top/p7" "file://$top/p7" "$top/p7-link" .; do
	gl gl7.txt p7 TEND_REPO="$repo" TEND_REF=main
	want gl7.txt status 2
done
contains "$(cat ci.log)" "is in the project directory"
contains "$(cat ci.log)" "TEND_REPO must be a URL or an absolute path"
git clone -q --mirror r mirror.git || fail "mirror"
for ref in evil "$evil_base"; do
	: >ci.log
	gl gl7.txt p7 TEND_REPO="$top/mirror.git" TEND_REF="$ref"
	want gl7.txt status 2
	contains "$(cat ci.log)" "of the merge request itself"
done
[ "$(builds)" = 4 ] || fail "tend was built from the merge request"
no_plant

# H. The placeholder repository stops the job with a clear message.
: >ci.log
gl_project p8 topic
python3 ci.py gl-run "$gl" "$top/p8" "$top/gl-store" gl8.txt ci.log ||
	fail "emulator"
want gl8.txt status 2
want gl8.txt allowed False
contains "$(cat ci.log)" "set TEND_REPO"
no_plant
exit 0
