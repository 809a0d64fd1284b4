"""ciemu.py - emulates the parts of GitHub's and GitLab's runners that
action.yml, actions/gitlab-ci.yml and the GitLab component
(templates/tend.yml) use, for tests/integration/t0402-ci-files.sh and
t0403-release-download.sh (which describe what is emulated).

    ciemu.py gh-check ACTION_DIR
    ciemu.py gh-run ACTION_DIR WORKSPACE CACHE_STORE RESULT LOG [INPUT=V...]
    ciemu.py gh-check-workflow WORKFLOW
    ciemu.py gl-check TEMPLATE
    ciemu.py gl-run TEMPLATE PROJECT_DIR CACHE_STORE RESULT LOG [VAR=V...]
    ciemu.py gl-check-component COMPONENT
    ciemu.py gl-jobs COMPONENT RESULT [input:NAME=V...] [VAR=V...]
    ciemu.py gl-run-component COMPONENT JOB PROJECT_DIR RESULT LOG
             [input:NAME=V...] [VAR=V...]

RESULT files hold one line per value (see write_result). Nothing here talks
to GitHub or GitLab."""
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
                   "args": "", "token": "${{ github.token }}",
                   "release-url": ""}
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
    gh_check_download(action_dir, steps, ids)


SECRET_VARS = ("GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN",
               "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY",
               "TEND_GITHUB_TOKEN", "TEND_GITLAB_TOKEN",
               "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")


def gh_check_download(action_dir, steps, ids):
    """The release download: a step of its own, before anything is built,
    holding no secret and unsetting the runner's; the cache and the build
    only when it asks for them; tend from one or the other."""
    with open(os.path.join(action_dir, "action.yml")) as f:
        if re.search(r"\bsecrets\.[A-Za-z_]", f.read()):
            die("action.yml names a secret")
    order = [s.get("id") for s in steps]
    for sid in ("key", "download", "cache", "build", "run"):
        if sid not in ids:
            die("no step with id '%s'" % sid)
    if not (order.index("key") < order.index("download") <
            order.index("cache") < order.index("build") <
            order.index("run")):
        die("the steps are not key, download, cache, build, ..., run")
    dl = ids["download"]
    if "if" in dl:
        die("the download step must always run")
    for k, v in (dl.get("env") or {}).items():
        refs = gh_expr_refs(v)
        if re.search(r"TOKEN|KEY|SECRET", k) or any(
                re.search(r"token|secret", r) for r in refs):
            die("the download step's env has %s: %s; it must hold no "
                "secret" % (k, v))
        for r in refs:
            if not re.match(r"^(inputs\.release-url|github\.action_repository"
                            r"|steps\.key\.outputs\.[\w-]+)$", r):
                die("the download step's env takes %s" % r)
    script = re.sub(r"\\\n\s*", " ", dl["run"])
    m = re.search(r"^\s*unset ([^\n]*)$", script, re.M)
    if not m or set(SECRET_VARS) - set(m.group(1).split()):
        die("the download step does not unset the secrets first: %s" %
            ", ".join(sorted(set(SECRET_VARS) -
                             set(m.group(1).split() if m else []))))
    if script.index(m.group(0)) > script.index("install-release.sh"):
        die("the download step runs the installer before unsetting secrets")
    if "scripts/release-sums" not in script:
        die("the download step does not check against scripts/release-sums")
    want_if = "steps.download.outputs.build == 'true'"
    for s in steps:
        if s.get("id") in ("cache", "build") or (
                "uses" in s and "/cache/save@" in s["uses"]):
            if not str(s.get("if", "")).startswith(want_if):
                die("step '%s' must run only when the download says build "
                    "(if: %s)" % (s.get("name"), want_if))
    env = ids["run"].get("env") or {}
    if env.get("TEND_DOWNLOADED") != "${{ steps.download.outputs.tend }}" \
            or env.get("TEND_BUILT") != "${{ steps.build.outputs.tend }}":
        die("the run step must take tend from steps.download.outputs.tend "
            "or steps.build.outputs.tend")


# owner/repo[/path]@<40 hex>, or a container image by digest.
PINNED = re.compile(r"^(?:[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}"
                    r"|docker://[^@\s]+@sha256:[0-9a-f]{64})$")


def gh_check_workflow(path):
    """The release workflow: on a v* tag; no permissions but what each job
    asks for, and a write token only for the job that publishes, which
    builds nothing; no expression inside a script; no secret; every
    `uses:` pinned by commit; both architectures built in debian:12."""
    wf = load(path)
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    if on != {"push": {"tags": ["v*"]}}:
        die("the release workflow must run on tags v* only: %r" % on)
    if wf.get("permissions") != {}:
        die("top-level permissions must be {} (each job asks for its own)")
    with open(path) as f:
        if re.search(r"\bsecrets\.[A-Za-z_]", f.read()):
            die("the release workflow names a secret")
    jobs = wf["jobs"]
    steps = []
    writers = []
    for name, job in jobs.items():
        perms = job.get("permissions")
        if not isinstance(perms, dict):
            die("job %s has no permissions of its own" % name)
        if any(v == "write" for v in perms.values()):
            writers.append(name)
        for i, s in enumerate(job["steps"]):
            steps.append(s)
            if "run" in s and "${{" in s["run"]:
                die("job %s step %d: an expression inside run:" % (name, i))
            env = s.get("env") or {}
            if "GH_TOKEN" in env and name != "publish":
                die("job %s gets a token" % name)
    if writers != ["publish"]:
        die("only the publish job may write: %s" % writers)
    if jobs["publish"].get("needs") != "build":
        die("publish must wait for build")
    if "make" in str([s.get("run", "") for s in jobs["publish"]["steps"]]):
        die("the publish job builds")
    build = jobs["build"]
    runners = [m["runner"] for m in build["strategy"]["matrix"]["include"]]
    archs = [m["arch"] for m in build["strategy"]["matrix"]["include"]]
    if sorted(runners) != ["ubuntu-24.04-arm", "ubuntu-latest"] or \
            sorted(archs) != ["aarch64", "x86_64"]:
        die("build must run on ubuntu-latest (x86_64) and ubuntu-24.04-arm "
            "(aarch64): %s %s" % (runners, archs))
    if build.get("container") != "debian:12":
        die("build must run in a debian:12 container")
    text = "\n".join(s.get("run", "") for s in build["steps"])
    if not re.search(r"\bmake\b.*\bdist\b", text) or \
            not re.search(r"\bmake\b.*\bdeb\b", text):
        die("build must run make dist and make deb")
    pub = "\n".join(s.get("run", "") for s in jobs["publish"]["steps"])
    for what in ("gh release upload", "scripts/pin-release.sh",
                 "gh pr create"):
        if what not in pub:
            die("publish does not run %s" % what)
    gh_pins(path, steps, same_cache=False)


def gh_pins(path, steps, same_cache=True):
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
    if same_cache and len(shas) != 1:
        die("actions/cache/restore and /save are not the same commit")


class GhContext:
    def __init__(self, action_dir, workspace, inputs):
        self.action_dir = action_dir
        self.inputs = inputs
        self.steps = {}
        self.github = {"token": FAKE_TOKEN, "action_path": action_dir,
                       "workspace": workspace,
                       "action_repository": os.environ.get(
                           "CIEMU_ACTION_REPOSITORY", "octo/tend")}
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
        if "&&" in expr:
            return all(self.eval(e) for e in expr.split("&&"))
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
    return gl_job_doc(load(path), name)


def gl_job_doc(doc, name):
    if name not in doc:
        die("no job '%s'" % name)
    job = doc[name]
    ext = job.get("extends")
    if ext:
        for e in [ext] if isinstance(ext, str) else ext:
            job = gl_merge(gl_job_doc(doc, e), job)
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


def gl_variables(job):
    """A job's variables as the runner exports them. `expand: false` ones
    are taken as they are; others may not refer to variables, which the
    emulator does not expand."""
    out = {}
    for k, v in (job.get("variables") or {}).items():
        if isinstance(v, dict):
            val = "" if v.get("value") is None else str(v.get("value"))
            if v.get("expand", True) and "$" in val:
                die("variable %s refers to another variable; the emulator "
                    "does not expand those" % k)
            out[k] = val
            continue
        if "$" in str(v):
            die("variable %s refers to another variable; the emulator "
                "does not expand those" % k)
        out[k] = str(v)
    return out


def gl_run(path, project_dir, store, result, log, overrides):
    gl_run_job(gl_job(path, "tend-review"), project_dir, store, result, log,
               overrides)


def gl_run_job(job, project_dir, store, result, log, overrides):
    env = dict(os.environ)
    env.update(gl_variables(job))
    env.update(overrides)
    env.update({"GITLAB_CI": "true", "CI": "true",
                "CI_PROJECT_DIR": project_dir})
    # The cache: STORE/KEY holds the paths the last job saved; they are
    # extracted over the checkout before the script and saved after it.
    cache = job.get("cache") or {}
    key = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""),
                 str(cache.get("key", "default")))
    paths = [p.rstrip("/") for p in cache.get("paths", [])]
    if paths and store is None:
        die("a job with a cache needs a cache store")
    entry = os.path.join(store or "", re.sub(r"[^\w.-]", "_", key))
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
    af = job.get("allow_failure") or {}
    allowed = rc in af.get("exit_codes", []) if isinstance(af, dict) else af
    write_result(result, {"status": rc, "allowed": allowed})


# ---- GitLab CI/CD components -------------------------------------------

INPUT_REF = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]")


def gl_input_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def gl_component(path, given):
    """The component's jobs after GitLab's include: `spec:inputs:` checked
    against what the includer passes (types, regex, options, unknown or
    missing inputs are errors, as GitLab makes them), then every
    $[[ inputs.NAME ]] replaced: a value that is nothing but the reference
    takes the input's type, one inside a string its text."""
    with open(path) as f:
        docs = list(yaml.safe_load_all(f))
    if len(docs) != 2 or not isinstance(docs[0], dict) or \
            set(docs[0]) != {"spec"}:
        die("a component is a `spec:` document, then `---` and the jobs")
    spec = (docs[0]["spec"] or {}).get("inputs") or {}
    for name in given:
        if name not in spec:
            die("unknown input '%s'" % name)
    values = {}
    for name, d in spec.items():
        d = d or {}
        typ = d.get("type", "string")
        if name in given:
            v = given[name]
            if typ == "boolean":
                if v not in ("true", "false"):
                    die("input %s: '%s' is not a boolean" % (name, v))
                v = v == "true"
        elif "default" in d:
            v = d["default"]
        else:
            die("input %s is required" % name)
        if typ == "boolean" and not isinstance(v, bool):
            die("input %s: %r is not a boolean" % (name, v))
        if typ == "string":
            if not isinstance(v, str):
                die("input %s: %r is not a string" % (name, v))
            if "regex" in d and not re.search(d["regex"], v):
                die("input %s: '%s' does not match %s" %
                    (name, v, d["regex"]))
            if "options" in d and v not in d["options"]:
                die("input %s: '%s' is not one of %s" %
                    (name, v, d["options"]))
        values[name] = v

    def sub(node):
        if isinstance(node, dict):
            return {sub(k): sub(v) for k, v in node.items()}
        if isinstance(node, list):
            return [sub(v) for v in node]
        if not isinstance(node, str):
            return node
        for m in INPUT_REF.finditer(node):
            if m.group(1) not in values:
                die("$[[ inputs.%s ]] names no input" % m.group(1))
        m = INPUT_REF.fullmatch(node.strip())
        if m:
            return values[m.group(1)]
        out = INPUT_REF.sub(lambda m: gl_input_text(values[m.group(1)]),
                            node)
        if "$[[" in out:
            die("an interpolation the emulator does not know: %r" % node)
        return out
    return sub(docs[1]), docs


RULE_TOKEN = re.compile(r"\$\w+|\"[^\"]*\"|'[^']*'|==|!=|&&|\|\||\S+")


def gl_rule_if(expr, env):
    """rules:if with what the templates use: $VAR, "..." or '...', ==, !=,
    && and || (no parentheses, no regex)."""
    def value(tok):
        if tok.startswith("$"):
            return env.get(tok[1:])
        if tok[0] in "\"'" and tok[-1] == tok[0]:
            return tok[1:-1]
        die("rules:if: cannot read %r in %r" % (tok, expr))

    def term(toks):
        if len(toks) == 1:
            return bool(value(toks[0]))
        if len(toks) == 3 and toks[1] in ("==", "!="):
            eq = value(toks[0]) == value(toks[2])
            return eq if toks[1] == "==" else not eq
        die("rules:if: cannot read %r" % expr)
    toks = RULE_TOKEN.findall(expr)
    ors, cur = [[]], []
    for t in toks:
        if t == "||":
            ors[-1].append(cur)
            ors.append([])
            cur = []
        elif t == "&&":
            ors[-1].append(cur)
            cur = []
        else:
            cur.append(t)
    ors[-1].append(cur)
    return any(all(term(a) for a in ands) for ands in ors)


def gl_when(job, env):
    """What `rules:` make of a job: its `when`, or "never"."""
    rules = job.get("rules")
    if rules is None:
        return job.get("when", "on_success")
    for r in rules:
        if "if" not in r or gl_rule_if(str(r["if"]), env):
            return r.get("when", "on_success")
    return "never"


def gl_rule_env(job, overrides):
    env = dict(os.environ)  # stands for the pipeline's variables
    env.update(gl_variables(job))
    env.update(overrides)
    return env


def split_inputs(args):
    inputs, rest = {}, []
    for a in args:
        if a.startswith("input:"):
            k, _, v = a[len("input:"):].partition("=")
            inputs[k] = v
        else:
            rest.append(a)
    return inputs, pairs(rest)


def gl_jobs(path, result, args):
    """Which jobs a pipeline with these inputs and variables gets."""
    inputs, overrides = split_inputs(args)
    doc, _ = gl_component(path, inputs)
    report = {}
    for name in doc:
        if not name.startswith("."):
            job = gl_job_doc(doc, name)
            report[name] = gl_when(job, gl_rule_env(job, overrides))
    write_result(result, {"jobs": report})


def gl_run_component(path, name, project_dir, result, log, args):
    inputs, overrides = split_inputs(args)
    doc, _ = gl_component(path, inputs)
    job = gl_job_doc(doc, name)
    when = gl_when(job, gl_rule_env(job, overrides))
    if when == "never":
        die("the pipeline would not have job %s" % name)
    gl_run_job(job, project_dir, None, result, log, overrides)


def heredoc(script, word):
    """The body of the here-document ended by WORD in SCRIPT."""
    m = re.search(r"<<'%s'\n(.*?)^%s$" % (word, word), script, re.S | re.M)
    if not m:
        die("no here-document %s" % word)
    return m.group(1)


def gl_check_component(path, tree):
    """The component's structure and the contracts its header states."""
    doc, docs = gl_component(path, {})
    spec = docs[0]["spec"]["inputs"]
    want = {"stage": "test", "image": "debian:12", "version": "",
            "release_url": "", "tend_repo": "", "tend_ref": "",
            "fail_level": "", "args": "", "review": True, "fix": False}
    for name, default in want.items():
        if name not in spec or (spec[name] or {}).get("default") != default:
            die("input %s must default to %r" % (name, default))
    for key in doc:
        if not (key.startswith(".") or key.startswith("tend-")):
            die("the component defines '%s' at the top level; it must only "
                "add its own jobs" % key)
    # Inputs reach scripts through variables, never spliced into them.
    for name, job in docs[1].items():
        for part in ("script", "before_script", "after_script"):
            for line in job.get(part) or []:
                if "$[[" in line:
                    die("job %s: an input inside a script (injection); "
                        "pass it through variables:" % name)
        for k, v in (job.get("variables") or {}).items():
            if "$[[" in str(v) and not (isinstance(v, dict) and
                                         v.get("expand") is False):
                die("job %s: variable %s takes an input without "
                    "expand: false" % (name, k))
    review = gl_job_doc(doc, "tend-review")
    if review.get("image") != "debian:12" or review.get("stage") != "test":
        die("tend-review: image and stage do not come from the inputs")
    if str((review.get("variables") or {}).get("GIT_DEPTH")) != "0":
        die("GIT_DEPTH must be 0: tend needs the merge base")
    art = review.get("artifacts") or {}
    if art.get("reports", {}).get("codequality") != \
            "gl-code-quality-report.json" or art.get("when") != "always":
        die("tend-review must always keep the Code Quality report")
    if 1 not in (review.get("allow_failure") or {}).get("exit_codes", []):
        die("tend-review: allow_failure.exit_codes must contain 1")
    get = review["script"][0]
    for name in ("tend-review", "tend-fix", "tend-tasks", "tend-inbox"):
        job = gl_job_doc(doc, name)
        if job.get("cache"):
            die("%s: a cache, which a merge request's pipeline can fill" %
                name)
        if job["script"][0] != get or "tend_sum" not in job["script"][1]:
            die("%s must get tend and check its sha256 as tend-review "
                "does" % name)
        cmd = {"tend-review": "review", "tend-fix": "fix",
               "tend-tasks": "tasks", "tend-inbox": "inbox"}[name]
        if '"$tend" %s' % cmd not in job["script"][-1]:
            die("%s does not run tend %s" % (name, cmd))
    if gl_job_doc(doc, "tend-inbox").get("resource_group") != "tend-inbox":
        die("tend-inbox must run one at a time (resource_group)")
    # The installer and the checksums are tend's own files, as they are.
    for word, rel in (("TEND_INSTALL_RELEASE", "scripts/install-release.sh"),
                      ("TEND_RELEASE_SUMS", "scripts/release-sums")):
        with open(os.path.join(tree, rel)) as f:
            if heredoc(get, word) != f.read():
                die("the component's copy of %s differs; run sh "
                    "scripts/component-sync.sh" % rel)
    # The installer runs with the secrets unset.
    flat = re.sub(r"\\\n\s*", " ", get)
    m = re.search(r"\(unset ([^\n]*)\n\s*exec sh \"\$work/install-release"
                  r"\.sh\"", flat)
    if not m or set(SECRET_VARS[:9]) - set(m.group(1).split()):
        die("the component does not run the installer with the secrets "
            "unset")


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
    elif cmd == "gh-check-workflow":
        gh_check_workflow(args[0])
    elif cmd == "gl-check":
        gl_check(args[0])
    elif cmd == "gl-run":
        gl_run(args[0], args[1], args[2], args[3], args[4], pairs(args[5:]))
    elif cmd == "gl-check-component":
        gl_check_component(args[0], args[1] if len(args) > 1 else
                           os.path.dirname(os.path.dirname(
                               os.path.abspath(args[0]))))
    elif cmd == "gl-jobs":
        gl_jobs(args[0], args[1], args[2:])
    elif cmd == "gl-run-component":
        gl_run_component(args[0], args[1], args[2], args[3], args[4],
                         args[5:])
    else:
        die("unknown command " + cmd)


main()
