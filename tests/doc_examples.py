#!/usr/bin/python3
"""tests/doc_examples.py - run every example of the project's Markdown files and compare what it
prints with what the document says it prints, so that an example that drifts from the code fails
`make check`.

usage: doc_examples.py [-v] FILE.md...   (top_srcdir and top_builddir from the environment)

What counts as an example, by the fence's language tag:

  console  lines starting with "$ " are commands (a trailing backslash continues one); the lines
           after a command, up to the next command, are what it prints on standard output
  sh       a script; run with `sh -e`; what it prints is the ```output block right after it
           (if there is none, the script must simply succeed)
  c        a complete program; compiled against the build tree's library and run; its output is
           the ```output block right after it
  python   a doctest session (">>> " lines with their output)

Untagged blocks and other tags (text, sql, output on its own) are listings, not examples. An
example that cannot run in the test suite (it installs packages, needs ../shared/data, runs for
minutes) says so on the line before its fence: <!-- not run: REASON --> ; the runner lists them.

Comparison: trailing blanks are ignored, and a line "..." in the expected output stands for any
number of lines. Output that is JSON (one or more values, line breaks anywhere) is compared as
JSON values. Numbers with a fraction part may differ by up to TOLERANCE (absolute), so that
retraining the default model does not break the documents unless a figure moves visibly;
integers, strings, names and verdicts must match exactly. In doctests, examples round their
floats themselves.

Commands run in a scratch folder holding links to the source tree's top-level entries and to the
build tree's `fakejob`, with PYTHONPATH set to the build tree's bindings and the build tree's
programs first on PATH, so examples read like a user's session in a built checkout.
"""
import doctest
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOLERANCE = 0.05
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")


def blocks(path):
    """Yield (line number, tag, text, reason not run or None, following output block or None)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    found = []
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        tag, start = m.group(1), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        reason = NOT_RUN.search(lines[k]) if k >= 0 else None
        found.append([start + 1, tag, "\n".join(lines[start + 1:j]) + "\n",
                      reason.group(1) if reason else None, j])
        i = j + 1
    # attach ```output blocks to the example right before them
    out = []
    for n, b in enumerate(found):
        if b[1] == "output":
            continue
        nxt = found[n + 1] if n + 1 < len(found) else None
        following = None
        if nxt and nxt[1] == "output":
            between = lines[b[4] + 1:nxt[0] - 1]
            if all(not x.strip() for x in between):
                following = nxt[2]
        out.append((b[0], b[1], b[2], b[3], following))
    return out


def json_values(text):
    """The JSON values that make up `text` (whitespace anywhere between), or None."""
    dec = json.JSONDecoder()
    vals, i, n = [], 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return vals if vals else None
        if text[i] not in "{[":
            return None
        try:
            v, i = dec.raw_decode(text, i)
        except ValueError:
            return None
        vals.append(v)


def same_json(a, b, where="$"):
    """None when a (expected) matches b (actual), else a description of the first difference."""
    if isinstance(a, bool) or isinstance(b, bool):
        return None if a is b else f"{where}: {a!r} != {b!r}"
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
                math.isfinite(a) and math.isfinite(b) and abs(a - b) <= TOLERANCE:
            return None
        return f"{where}: {a!r} != {b!r} (tolerance {TOLERANCE})"
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            d = same_json(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        for n, (x, y) in enumerate(zip(a, b)):
            d = same_json(x, y, f"{where}[{n}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r} != {b!r}"


NUM = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")


def same_line(want, got):
    """Lines compared with numbers that have a fraction part within TOLERANCE."""
    want, got = want.rstrip(), got.rstrip()
    if want == got:
        return True
    wt, gt = NUM.split(want), NUM.split(got)
    wn, gn = NUM.findall(want), NUM.findall(got)
    if len(wn) != len(gn) or len(wt) != len(gt):
        return False
    # the text around the numbers must match, blanks collapsed (columns may shift)
    if any(" ".join(x.split()) != " ".join(y.split()) for x, y in zip(wt, gt)):
        return False
    return all(abs(float(x) - float(y)) <= TOLERANCE for x, y in zip(wn, gn))


def same_output(want, got):
    """None when `got` is what `want` documents, else a description of the difference."""
    jw = json_values(want)
    if jw is not None:
        jg = json_values(got)
        if jg is None:
            return "documented JSON, got:\n" + got[:2000]
        return same_json(jw, jg)
    wl = want.rstrip("\n").split("\n") if want.strip() else []
    gl = got.rstrip("\n").split("\n") if got.strip() else []

    def match(i, j):
        if i == len(wl):
            return j == len(gl)
        if wl[i].strip() in ("...", "…"):
            return any(match(i + 1, k) for k in range(j, len(gl) + 1))
        return j < len(gl) and same_line(wl[i], gl[j]) and match(i + 1, j + 1)

    if match(0, 0):
        return None
    return "expected:\n" + "\n".join(wl) + "\ngot:\n" + "\n".join(gl)


def console_commands(text):
    """[(command, expected output)] of a console block."""
    cmds, cur, out = [], None, []
    lines = text.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            if cur is not None:
                cmds.append((cur, "\n".join(out) + ("\n" if out else "")))
            cur, out = line[2:], []
            while cur.endswith("\\") and i + 1 < len(lines):
                i += 1
                cur = cur[:-1] + "\n" + lines[i]
        elif cur is not None:
            out.append(line)
        i += 1
    if cur is not None:
        cmds.append((cur, "\n".join(out) + ("\n" if out else "")))
    return cmds


class Runner:
    def __init__(self, srcdir, builddir, verbose):
        self.src, self.build, self.verbose = srcdir, builddir, verbose
        self.tmp = tempfile.mkdtemp(prefix="fj-doc-")
        self.work = os.path.join(self.tmp, "work")
        os.mkdir(self.work)
        for name in os.listdir(srcdir):
            if name.startswith(".") or name in ("fakejob",):
                continue
            os.symlink(os.path.join(srcdir, name), os.path.join(self.work, name))
        os.symlink(os.path.join(builddir, "fakejob"), os.path.join(self.work, "fakejob"))
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.path.join(builddir, "bindings", "python")
        self.env["PATH"] = builddir + os.pathsep + self.env.get("PATH", "")
        self.env.pop("FAKEJOB_MODEL", None)
        self.env.pop("COLUMNS", None)
        self.env["LC_ALL"] = "C.UTF-8"
        self.failures = 0
        self.ran = 0
        self.skipped = []

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def sh(self, script, stdin=None):
        p = subprocess.run(["sh", "-e", "-c", script], cwd=self.work, env=self.env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")

    def fail(self, where, msg):
        self.failures += 1
        print(f"FAIL: {where}: {msg}")

    def check(self, where, rc, out, err, want):
        self.ran += 1
        if rc != 0:
            self.fail(where, f"exit {rc}\n{err[-1500:]}")
            return
        if want is None:
            if self.verbose:
                print(f"ok: {where} (ran)")
            return
        d = same_output(want, out)
        if d:
            self.fail(where, d)
        elif self.verbose:
            print(f"ok: {where}")

    def example(self, path, line, tag, text, output):
        where = f"{os.path.relpath(path, self.src)}:{line}"
        if tag == "console":
            cmds = console_commands(text)
            if not cmds:
                self.fail(where, "a console block without a '$ ' command")
            for cmd, want in cmds:
                rc, out, err = self.sh(cmd)
                self.check(f"{where}: $ {cmd.splitlines()[0]}", rc, out, err, want)
        elif tag == "sh":
            rc, out, err = self.sh(text)
            self.check(where, rc, out, err, output)
        elif tag == "c":
            if output is None:
                self.fail(where, "a C example needs an ```output block after it")
                return
            exe = os.path.join(self.tmp, f"example{line}")
            src = exe + ".c"
            with open(src, "w", encoding="utf-8") as f:
                f.write(text)
            libs = os.path.join(self.build, ".libs")
            cc = os.environ.get("CC", "cc")
            san = os.environ.get("SAN_CFLAGS", "").split()
            p = subprocess.run([cc, *san, "-std=c11", "-Wall", "-Werror", "-I",
                                os.path.join(self.src, "libfakejob"), src, "-o", exe, "-L", libs,
                                "-Wl,-rpath," + libs, "-lfakejob"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                self.fail(where, "does not compile:\n" + p.stdout.decode("utf-8", "replace"))
                return
            rc, out, err = self.sh(exe)
            self.check(where, rc, out, err, output)
        elif tag == "python":
            if os.environ.get("DOC_SKIP_PYTHON"):
                self.skipped.append(f"{where} (python): {os.environ['DOC_SKIP_PYTHON']}")
                return
            if ">>> " not in text:
                self.fail(where, "a Python example must be a doctest session (>>> lines)")
                return
            script = ("import doctest, sys\n"
                      "t = doctest.DocTestParser().get_doctest(sys.stdin.read(), {}, 'x', 'x', 0)\n"
                      "r = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE"
                      " | doctest.ELLIPSIS)\n"
                      "r.run(t)\n"
                      "sys.exit(1 if r.failures else 0)\n")
            py = os.environ.get("PYTHON3", "/usr/bin/python3") or "/usr/bin/python3"
            env = dict(self.env)
            if os.environ.get("DOC_PRELOAD"):
                env["LD_PRELOAD"] = os.environ["DOC_PRELOAD"]
            p = subprocess.run([py, "-c", script], input=text.encode(), cwd=self.work,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=300)
            self.ran += 1
            if p.returncode != 0:
                self.fail(where, p.stdout.decode("utf-8", "replace")[-3000:])
            elif self.verbose:
                print(f"ok: {where}")

    def document(self, path):
        for line, tag, text, reason, output in blocks(path):
            if tag not in ("console", "sh", "c", "python"):
                continue
            where = f"{os.path.relpath(path, self.src)}:{line}"
            if reason:
                self.skipped.append(f"{where} ({tag}): {reason}")
                continue
            self.example(path, line, tag, text, output)


def main(argv):
    verbose = "-v" in argv
    files = [a for a in argv if a != "-v"]
    src = os.path.abspath(os.environ.get("top_srcdir", "."))
    build = os.path.abspath(os.environ.get("top_builddir", "."))
    r = Runner(src, build, verbose)
    try:
        for f in files:
            r.document(f if os.path.isabs(f) else os.path.join(src, f))
    finally:
        r.close()
    for s in r.skipped:
        print(f"not run: {s}")
    print(f"{r.ran} examples run, {r.failures} failed, {len(r.skipped)} marked not run")
    return 1 if r.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
