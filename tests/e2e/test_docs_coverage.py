#!/usr/bin/env python3
"""test_docs_coverage.py - docs/reference.md documents everything a user can type.

Loads $B/rockset_ext.so and lists what it registers (pragma_function_list, pragma_module_list);
every rockset* function and module must appear in docs/reference.md as `name(` or `name`. Also
every flag in `rockset-local --help`, every column of the model tables (from
sql/rockset_schema.sql, in the "Model tables" section), every profile key and every
rockset_config key (both read from the extension's own "valid keys" error messages, so a new key
fails this test until it is documented), and every relative link of the docs pages must resolve.
A self-check proves the checker reports a name that is missing.

Prints PASS/FAIL lines (tests/run.sh counts them)."""
import os
import re
import sqlite3
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B = os.environ["B"]
REFERENCE = os.path.join(ROOT, "docs/reference.md")
failures = 0


def check(name, cond, detail=""):
    global failures
    if cond:
        print(f"PASS docs/{name}")
    else:
        failures += 1
        print(f"FAIL docs/{name}: {detail}")


def undocumented(names, text):
    """The names that do not appear in text as `name` or `name(...`."""
    return sorted(n for n in names if not re.search(r"`" + re.escape(n) + r"[`( ]", text))


def section(text, title):
    """The text of the '## title' section (up to the next '## ')."""
    start = text.index("## " + title)
    end = text.find("\n## ", start + 3)
    return text[start:] if end < 0 else text[start:end]


def open_db():
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(os.path.join(B, "rockset_ext"))
    db.enable_load_extension(False)
    return db


def valid_keys(message):
    m = re.search(r"\(valid keys: ([^)]*)\)", message or "")
    return m.group(1).split(", ") if m else []


def error_of(db, sql, *args):
    try:
        db.execute(sql, args).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None


def test_functions_and_modules(db, text):
    functions = [r[0] for r in db.execute(
        "SELECT DISTINCT name FROM pragma_function_list WHERE name LIKE 'rockset%' ORDER BY 1")]
    modules = [r[0] for r in db.execute(
        "SELECT name FROM pragma_module_list WHERE name LIKE 'rockset%' ORDER BY 1")]
    check("extension_registers_functions", len(functions) >= 10, repr(functions))
    check("extension_registers_modules", "rockset" in modules and "rockset_query" in modules,
          repr(modules))
    for name in functions:
        check(f"function_{name}", not undocumented([name], text), f"{name} is not in reference.md")
    for name in modules:
        check(f"module_{name}", not undocumented([name], text), f"{name} is not in reference.md")
    missing = undocumented(functions, text.replace("rockset_seed", "rockset_s_e_e_d"))
    check("self_check_reports_missing_function", missing == ["rockset_seed"], repr(missing))


def test_server_flags(text):
    proc = subprocess.run([os.path.join(B, "rockset-local"), "--help"], capture_output=True,
                          text=True, timeout=30)
    flags = sorted(set(re.findall(r"--[a-z][a-z-]*", proc.stdout + proc.stderr)))
    check("server_help_lists_flags", len(flags) >= 10, repr(flags))
    flag_text = section(text, "rockset-local flags")
    missing = undocumented(flags, flag_text)
    check("server_flags_documented", missing == [], f"undocumented: {missing}")


def test_model_tables(text):
    db = sqlite3.connect(":memory:")
    with open(os.path.join(ROOT, "sql/rockset_schema.sql")) as f:
        db.executescript(f.read())
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
    check("schema_has_tables", len(tables) == 10, repr(tables))
    models_text = section(text, "Model tables")
    for table in tables:
        columns = [r[0] for r in db.execute("SELECT name FROM pragma_table_info(?)", (table,))]
        missing = undocumented([table] + columns, models_text)
        check(f"table_{table}_columns", missing == [], f"undocumented: {missing}")


def test_profile_and_config_keys(db, text):
    work = tempfile.mkdtemp(prefix="rs_docs_")
    path = os.path.join(work, "profiles.yml")
    with open(path, "w") as f:
        f.write("rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                "      api_key: x\n      no_such_key: 1\n")
    keys = valid_keys(error_of(db, "SELECT rockset_connect(?)", path))
    os.unlink(path)
    os.rmdir(work)
    check("profile_keys_listed_by_error", len(keys) >= 10, repr(keys))
    missing = undocumented(keys, section(text, "Profile keys"))
    check("profile_keys_documented", missing == [], f"undocumented: {missing}")
    keys = valid_keys(error_of(db, "SELECT rockset_config('no_such_setting')"))
    check("config_keys_listed_by_error", len(keys) >= 8, repr(keys))
    missing = undocumented(keys, section(text, "Functions"))
    check("config_keys_documented", missing == [], f"undocumented: {missing}")


def test_links():
    broken = []
    for page in ("docs/reference.md", "docs/semantics.md", "README.md"):
        with open(os.path.join(ROOT, page)) as f:
            for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", f.read()):
                if not os.path.exists(os.path.join(ROOT, os.path.dirname(page), target)):
                    broken.append(f"{page} -> {target}")
    check("relative_links_resolve", broken == [], repr(broken))


def main():
    with open(REFERENCE) as f:
        text = f.read()
    db = open_db()
    for test in (lambda: test_functions_and_modules(db, text), lambda: test_server_flags(text),
                 lambda: test_model_tables(text), lambda: test_profile_and_config_keys(db, text),
                 test_links):
        try:
            test()
        except Exception as e:  # one broken scenario is a failure, not the end of the file
            check("scenario", False, f"raised {type(e).__name__}: {e}")
    db.close()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
