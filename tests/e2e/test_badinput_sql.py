"""test_badinput_sql.py - the SQL half of the bad-input catalogue (tests/badinput/*.cases).

Each .cases file is one area (profiles, function arguments, virtual table arguments, models and
templates, selectors). It runs in one sqlite3 shell with the extension loaded, against the shared
rockset-local, and every case's output is compared exactly with its expected text. The format:

    # comment (only between blocks)
    -- file: NAME        the lines up to the next directive are written to @TMP@/NAME first
    -- setup             SQL run before the cases (its output is not compared)
    -- case: ID          SQL of one case, up to "-- expect:"
    -- expect:           the exact output of the case (may be empty)
    -- teardown          SQL run after the cases (output not compared)

@URL@ @PORT@ @KEY@ @TMP@ @ROOT@ @B@ are replaced as in tests/sql/ (in expected text too). The
shell's error lines are normalised so cases do not depend on script line numbers:
"Parse error near line 7: X" and "Runtime error near line 7: X" become "error: X", and the two
context lines the shell prints under a parse error are dropped.

Besides one check per case, each file gets "<area>/shell_survived" (the shell ran to the end: no
crash, no hang past the timeout) and, under RS_VALGRIND=1 (the shell then runs under memcheck),
"<area>/no_memory_errors". Under `make check-asan` the sanitizers' logs are judged by mk/check.sh.
Needs $B (build dir), $RS_TEST_URL, $RS_TEST_KEY, $RS_TEST_OUT from tests/run.sh.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rl  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TIMEOUT_S = 600 if os.environ.get("RS_VALGRIND") == "1" else 180
DIRECTIVE = re.compile(r"^-- (file: .+|setup|case: .+|expect:|teardown)\s*$")
ERROR_LINE = re.compile(r"^(?:Parse error|Runtime error|Error)(?: near line \d+)?: ")

rl.set_prefix("badinput")


def parse_cases(path):
    """-> (files {name: text}, setup sql, [(id, sql, expected lines)], teardown sql)."""
    files, cases, setup, teardown = {}, [], [], []
    kind, name, body, sql_of_case = None, None, [], None

    def close():
        nonlocal sql_of_case
        text = "\n".join(body).rstrip("\n")
        if kind == "file":
            files[name] = text + "\n"
        elif kind == "setup":
            setup.append(text)
        elif kind == "teardown":
            teardown.append(text)
        elif kind == "case":
            sql_of_case = text
        elif kind == "expect":
            lines = text.split("\n") if text.strip() else []
            cases.append((name, sql_of_case, lines))

    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            m = DIRECTIVE.match(line)
            if not m:
                if kind is None or (kind in ("setup", "teardown", "case") and line.startswith("#")):
                    continue
                body.append(line)
                continue
            close()
            word = m.group(1)
            body = []
            if word.startswith("file: "):
                kind, name = "file", word[6:].strip()
            elif word.startswith("case: "):
                kind, name = "case", word[6:].strip()
            elif word == "expect:":
                if kind != "case":
                    raise ValueError(f"{path}: '-- expect:' without a case before it")
                kind = "expect"
            else:
                kind = word
    close()
    return files, "\n".join(setup), cases, "\n".join(teardown)


def substitute(text, tmp):
    port = rl.URL.rsplit(":", 1)[-1]
    for k, v in (("@URL@", rl.URL), ("@PORT@", port), ("@KEY@", rl.KEY), ("@TMP@", tmp),
                 ("@ROOT@", ROOT), ("@B@", rl.B)):
        text = text.replace(k, v)
    return text


def normalise(lines):
    out, skip = [], 0
    for line in lines:
        if skip:
            skip -= 1
            if "error here" in line:
                skip = 0
            continue
        if ERROR_LINE.match(line):
            if line.startswith("Parse error"):
                skip = 2
            line = ERROR_LINE.sub("error: ", line, count=1)
        out.append(line)
    return out


def split_output(text):
    got, cur = {}, None
    for line in text.split("\n"):
        if line.startswith("-- case: ") or line in ("-- loaded", "-- teardown", "-- end",
                                                    "-- setup"):
            cur = line[len("-- case: "):] if line.startswith("-- case: ") else line
            got[cur] = []
        elif cur is not None:
            got[cur].append(line)
    for k in got:
        while got[k] and got[k][-1] == "":
            got[k].pop()
    return got


def run_area(path):
    area = os.path.basename(path)[:-len(".cases")]
    files, setup, cases, teardown = parse_cases(path)
    tmp = os.path.join(rl.OUT, f"badinput_{area}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for name, text in files.items():
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            f.write(substitute(text, tmp))
    ids = [c[0] for c in cases]
    dups = sorted({i for i in ids if ids.count(i) > 1})
    rl.check(f"{area}/case_ids_unique", not dups, f"duplicate ids: {dups}")
    parts = [".print -- loaded", "SELECT 'loaded ' || rockset_version();", ".print -- setup", setup]
    for cid, sql, _exp in cases:
        parts += [f".print -- case: {cid}", sql]
    parts += [".print -- teardown", teardown, ".print -- end", ""]
    script = substitute("\n".join(parts), tmp)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ROCKSET_", "DBT_"))}
    env.update({"ROCKSET_APIKEY": rl.KEY, "ROCKSET_APISERVER": rl.URL, "HOME": tmp})
    cmd = ["sqlite3", "-cmd", f".load {os.path.join(os.path.abspath(rl.B), 'rockset_ext')}",
           ":memory:"]
    if os.environ.get("RS_VALGRIND") == "1":
        cmd = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--keep-debuginfo=yes",
               "--error-exitcode=99", f"--suppressions={ROOT}/tests/valgrind.supp"] + cmd
    log = os.path.join(rl.OUT, f"badinput_{area}.out")
    try:
        proc = subprocess.run(cmd, input=script.encode(), cwd=tmp, env=env, timeout=TIMEOUT_S,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        text, rc, hung = proc.stdout.decode("utf-8", "replace"), proc.returncode, False
    except subprocess.TimeoutExpired as exc:
        text, rc, hung = (exc.stdout or b"").decode("utf-8", "replace"), None, True
    with open(log, "w", encoding="utf-8") as f:
        f.write(text)
    got = split_output(text)
    loaded = got.get("-- loaded", [])
    if not rl.check(f"{area}/extension_loaded", loaded[-1:] and loaded[-1].startswith("loaded "),
                    f"the extension did not load: {loaded!r}"):
        return len(cases)
    for cid, _sql, exp in cases:
        exp = [substitute(line, tmp) for line in exp]
        have = normalise(got.get(cid, ["<case missing from the output>"]))
        rl.check(f"{area}/{cid}", have == exp,
                 f"expected {exp!r}, got {have!r} (full output: {log})")
    rl.check(f"{area}/shell_survived", not hung and rc is not None and 0 <= rc < 128
             and "-- end" in got,
             f"hung={hung} exit={rc}; see {log}")
    if os.environ.get("RS_VALGRIND") == "1":
        rl.check(f"{area}/no_memory_errors", rc != 99, f"valgrind reported errors; see {log}")
    return len(cases)


def main():
    total = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "badinput", "*.cases"))):
        total += run_area(path)
    rl.check("catalogue_not_empty", total > 0, "no cases found in tests/badinput/*.cases")
    rl.done()


if __name__ == "__main__":
    main()
