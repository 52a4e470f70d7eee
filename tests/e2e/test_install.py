#!/usr/bin/env python3
"""test_install.py - `make install` / `make uninstall`, and an application built against the
installed files with pkg-config only.

Installs the build ($B) into a scratch DESTDIR with PREFIX=/opt/rs, checks the exact file list,
the .pc file (version, variables, flags) and that the installed static library defines only the
two public symbols; builds tests/embed/embed_app.c with tests/embed/Makefile, which takes all
its flags from `pkg-config --cflags --libs rockset_ext` (PKG_CONFIG_PATH and
PKG_CONFIG_SYSROOT_DIR point into the DESTDIR), runs it against the shared rockset-local
($RS_TEST_URL), loads the installed .so into the sqlite3 shell, then uninstalls and checks that
nothing is left.

Prints PASS/FAIL lines (tests/run.sh counts them)."""
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B = os.environ["B"]
URL = os.environ["RS_TEST_URL"]
KEY = os.environ["RS_TEST_KEY"]
PREFIX = "/opt/rs"
VERSION = re.search(r'#define RS_VERSION\s+"([^"]+)"',
                    open(os.path.join(ROOT, "src/version.h")).read()).group(1)
failures = 0

EXPECTED_FILES = [
    "opt/rs/bin/rockset-local",
    "opt/rs/include/rockset_ext.h",
    "opt/rs/lib/librockset_ext.a",
    "opt/rs/lib/pkgconfig/rockset_ext.pc",
    "opt/rs/lib/sqlite3/rockset_ext.so",
    "opt/rs/share/rockset_ext/rockset_schema.sql",
]


def check(name, cond, detail=""):
    global failures
    if cond:
        print(f"PASS install/{name}")
    else:
        failures += 1
        print(f"FAIL install/{name}: {detail}")


def run(args, env=None, cwd=ROOT):
    """(exit status, stdout, stderr) of a command; never raises for a non-zero status."""
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def files_under(top):
    found = []
    for base, _dirs, names in os.walk(top):
        for name in names:
            found.append(os.path.relpath(os.path.join(base, name), top))
    return sorted(found)


def make(target, stage):
    """make install-files (install without building: $B may have been built with other flags)
    or make uninstall, into the stage."""
    return run(["make", "--no-print-directory", "-s", f"B={B}", target, f"DESTDIR={stage}",
                f"PREFIX={PREFIX}"])


def pc_env(stage):
    env = dict(os.environ)
    env["PKG_CONFIG_PATH"] = os.path.join(stage, "opt/rs/lib/pkgconfig")
    env["PKG_CONFIG_SYSROOT_DIR"] = stage
    return env


def check_layout(stage):
    rc, _out, err = make("install-files", stage)
    check("make_install_succeeds", rc == 0, err[-800:])
    files = files_under(stage)
    ours = [f for f in files if "/share/doc/" not in f]
    check("installed_files", ours == EXPECTED_FILES, repr(files))
    docs = sorted(f for f in files if "/share/doc/rockset_ext/" in f)
    want_docs = sorted("opt/rs/share/doc/rockset_ext/" + d
                       for d in os.listdir(os.path.join(ROOT, "docs")) if d.endswith(".md"))
    check("installed_docs", docs == want_docs, repr(docs))
    modes = {f: os.stat(os.path.join(stage, f)).st_mode & 0o777 for f in ours}
    check("file_modes", modes["opt/rs/bin/rockset-local"] == 0o755 and
          modes["opt/rs/lib/sqlite3/rockset_ext.so"] == 0o755 and
          modes["opt/rs/include/rockset_ext.h"] == 0o644, repr(modes))
    with open(os.path.join(ROOT, "sql/rockset_schema.sql")) as a, \
            open(os.path.join(stage, "opt/rs/share/rockset_ext/rockset_schema.sql")) as b:
        check("schema_copied", a.read() == b.read())
    leaked = [f for f in files if stage.encode() in open(os.path.join(stage, f), "rb").read()]
    check("destdir_not_in_installed_files", leaked == [], repr(leaked))


def check_pkg_config(stage):
    env = pc_env(stage)
    rc, out, err = run(["pkg-config", "--modversion", "rockset_ext"], env=env)
    check("pc_version", (rc, out.strip()) == (0, VERSION), out + err)
    rc, out, err = run(["pkg-config", "--cflags", "rockset_ext"], env=env)
    check("pc_cflags", rc == 0 and f"-I{stage}/opt/rs/include" in out.split(), out + err)
    rc, out, err = run(["pkg-config", "--libs", "rockset_ext"], env=env)
    words = out.split()
    check("pc_libs", rc == 0 and f"-L{stage}/opt/rs/lib" in words and "-lrockset_ext" in words and
          {"-lsqlite3", "-lcurl", "-lcjson", "-lyaml", "-lm"} <= set(words), out + err)
    rc, out, err = run(["pkg-config", "--variable=extension", "rockset_ext"], env=env)
    check("pc_extension_variable", out.strip() == f"{stage}/opt/rs/lib/sqlite3/rockset_ext",
          out + err)
    rc, out, err = run(["nm", "-g", "--defined-only",
                        os.path.join(stage, "opt/rs/lib/librockset_ext.a")])
    symbols = sorted(line.split()[-1] for line in out.splitlines() if line.count(" ") >= 2)
    check("static_lib_exports_two_symbols",
          symbols == ["rockset_ext_register", "sqlite3_rocksetext_init"], repr(symbols[:20]))


def sanitizer_flags():
    """The sanitizers $B was built with (make asan): the app must link their runtimes too."""
    rc, out, _ = run(["nm", os.path.join(B, "librockset_ext.a")])
    flags = []
    if "__asan_" in out:
        flags.append("-fsanitize=address")
    if "__ubsan_" in out:
        flags.append("-fsanitize=undefined")
    return flags


def check_embed_app(stage, work):
    env = pc_env(stage)
    cc = " ".join([os.environ.get("CC", "cc")] + sanitizer_flags())
    rc, out, err = run(["make", "--no-print-directory", "-C", "tests/embed", f"OUT={work}",
                        f"CC={cc}"], env=env)
    app = os.path.join(work, "embed_app")
    check("embed_app_builds_with_pkg_config", rc == 0 and os.path.exists(app), out + err)
    if rc != 0:
        return
    rc, out, _ = run(["ldd", app])
    check("embed_app_links_sqlite_not_the_so", "libsqlite3" in out and "rockset_ext" not in out,
          out)
    app_env = {"PATH": os.environ["PATH"], "HOME": work, "ROCKSET_APISERVER": URL,
               "ROCKSET_APIKEY": KEY}
    app_env.update({k: v for k, v in os.environ.items()
                    if k in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")})
    rc, out, err = run([app], env=app_env, cwd=work)
    want = (f"rockset_ext {VERSION}\nconnected: server {URL}, workspace commons, from environment\n"
            "42|embedded\n")
    check("embed_app_queries_rockset", (rc, out, err) == (0, want, ""), repr((rc, out, err)))
    rc, out, err = run([app, "SELECT rockset_init()",
                        "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema "
                        "WHERE type = 'table' ORDER BY name)"], env=app_env, cwd=work)
    want = (f"rockset_ext {VERSION}\nrockset_init: rockset_models, rockset_sources, rockset_vars, "
            "rockset_tests, rockset_unit_tests, rockset_macros, rockset_seeds, rockset_hooks, "
            "rockset_analyses, rockset_run_results are ready\n"
            "rockset_analyses,rockset_hooks,rockset_macros,rockset_models,rockset_run_results,"
            "rockset_seeds,rockset_sources,rockset_tests,rockset_unit_tests,rockset_vars\n")
    check("embed_app_model_tables", (rc, out) == (0, want), repr((rc, out, err)))
    rc, out, err = run([app, "SELECT rockset_nope()"], env=app_env, cwd=work)
    check("embed_app_reports_errors",
          (rc, out, err) == (1, f"rockset_ext {VERSION}\n", "error: no such function: rockset_nope\n"),
          repr((rc, out, err)))
    if KEY in out + err:
        check("embed_app_never_prints_key", False, "the key was printed")


def check_installed_so_and_server(stage, work):
    so = os.path.join(stage, "opt/rs/lib/sqlite3/rockset_ext")
    rc, out, err = run(["sqlite3", "-cmd", f".load {so}", ":memory:",
                        "SELECT rockset_version()"], cwd=work)
    check("installed_so_loads_in_shell", (rc, out) == (0, VERSION + "\n"), out + err)
    rc, out, err = run([os.path.join(stage, "opt/rs/bin/rockset-local"), "--help"])
    check("installed_server_runs", rc == 0 and (out + err).startswith("usage: rockset-local"),
          repr((rc, out[:200], err[:200])))


def check_uninstall(stage):
    rc, _out, err = make("uninstall", stage)
    check("make_uninstall_succeeds", rc == 0, err[-800:])
    left = files_under(stage)
    check("uninstall_removes_every_file", left == [], repr(left))
    dirs = sorted(os.path.relpath(os.path.join(b, d), stage)
                  for b, ds, _ in os.walk(stage) for d in ds)
    check("uninstall_removes_own_dirs", not any(d.endswith(("sqlite3", "share/rockset_ext",
                                                            "doc/rockset_ext")) for d in dirs),
          repr(dirs))


def main():
    scratch = tempfile.mkdtemp(prefix="rs_install_")
    stage = os.path.join(scratch, "stage")
    work = os.path.join(scratch, "work")
    os.makedirs(work)
    try:
        for step in (lambda: check_layout(stage), lambda: check_pkg_config(stage),
                     lambda: check_embed_app(stage, work),
                     lambda: check_installed_so_and_server(stage, work),
                     lambda: check_uninstall(stage)):
            try:
                step()
            except Exception as e:  # one broken step is a failure, not the end of the file
                check("step", False, f"raised {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
