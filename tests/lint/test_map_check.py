#!/usr/bin/env python3
"""test_map_check.py - the map check (map_check.py) passes on the tree and fails, with the exact
line, on each kind of drift planted in a copy of it: a forbidden include, a file on no row, a row
naming a missing file, a call chain naming a function its file does not have, and a module header
declaring what another module defines."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CHECK = os.path.join(HERE, "map_check.py")


def run(root):
    p = subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True)
    return p.returncode, p.stdout.splitlines()


def line_of(text):
    """The line of docs/architecture.md that holds text (so the expectations follow the map)."""
    with open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if text in line:
                return no
    raise AssertionError(text)


def report(name, ok, why=""):
    print(f"PASS lint/{name}" if ok else f"FAIL lint/{name}: {why}", flush=True)


def copy_tree(dst):
    for part in ("src", "ext"):
        shutil.copytree(os.path.join(ROOT, part), os.path.join(dst, part))
    os.makedirs(os.path.join(dst, "docs"))
    shutil.copy(os.path.join(ROOT, "docs", "architecture.md"), os.path.join(dst, "docs"))


def edit(path, old, new):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert old in text, (path, old)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new, 1))


def planted(name, plant, expect):
    """Copy the tree, plant one drift, and expect exactly the line `expect` (and a failure)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy_tree(tmp)
        plant(tmp)
        rc, out = run(tmp)
    fails = [line for line in out if line.startswith("FAIL ")]
    ok = rc == 1 and fails == [expect]
    report(f"map_catches_{name}", ok, f"exit {rc}, lines {fails!r}, expected [{expect!r}]")


def main():
    rc, out = run(ROOT)
    report("map_holds_on_the_tree", rc == 0 and out and out[-1].startswith("PASS lint/map"),
           " | ".join(out[:5]))

    planted("server_include_in_the_client",
            lambda t: edit(os.path.join(t, "src/api/http.c"), '#include "http.h"',
                           '#include "http.h"\n#include "server/store.h"'),
            'FAIL lint/map: include: src/api/http.c includes "server/store.h" '
            f"(src/server/store.h); its row (docs/architecture.md line {line_of('| `src/api/` |')}) may include: the base, "
            "libcurl, libyaml")
    planted("sqlite_in_the_core",
            lambda t: edit(os.path.join(t, "src/scan/schema.c"), '#include "schema.h"',
                           '#include "schema.h"\n#include <sqlite3.h>'),
            "FAIL lint/map: include: src/scan/schema.c includes <sqlite3.h>; its row "
            f"(docs/architecture.md line {line_of('| `src/scan/` |')}) may include: the base")

    def stray(t):
        with open(os.path.join(t, "src/scan/stray.c"), "w") as fh:
            fh.write("int stray(void);\nint stray(void) {\n    return 0;\n}\n")
    planted("file_on_no_row", stray,
            "FAIL lint/map: on-map: src/scan/stray.c is on no row of the map "
            "(docs/architecture.md)")
    planted("row_naming_a_missing_file",
            lambda t: os.remove(os.path.join(t, "src/names.c")),
            f"FAIL lint/map: on-map: docs/architecture.md line {line_of('| `names.{c,h}` |')} names src/names.c, which "
            "matches no file")
    planted("chain_naming_a_renamed_function",
            lambda t: [edit(os.path.join(t, "src/server/query_exec.c"), "void qx_run(", "void qx_go("),
                       edit(os.path.join(t, "src/server/query_exec.h"), "void qx_run(", "void qx_go(")],
            f"FAIL lint/map: chain: docs/architecture.md line {line_of(' qx_run ')}: qx_run is not in "
            "src/server/query_exec.c")
    planted("header_declaring_another_modules_function",
            lambda t: edit(os.path.join(t, "src/server/queries.h"), "#endif",
                           "int qx_validate_twin(int x);\n#endif")
            or edit(os.path.join(t, "src/server/query_exec.c"), "void qx_run(",
                    "int qx_validate_twin(int x) {\n    return x;\n}\n\nvoid qx_run("),
            "FAIL lint/map: decl: qx_validate_twin is declared in src/server/queries.h but "
            "defined in src/server/query_exec.c: a header declares what its own module defines")


if __name__ == "__main__":
    main()
