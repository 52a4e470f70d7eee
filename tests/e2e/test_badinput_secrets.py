"""test_badinput_secrets.py - the API key never reaches an output, a log, a table or a file.

The suite's own check (tests/run.sh, step 5) greps everything under build/test-out for the run's
key. This test goes further with a key of its own, made recognisable (rs_secret_<pid>_MARK) and
used everywhere a key can travel: from the environment, from a profiles.yml (literally and
through env_var), rejected by the server (401), in a session that then fails, succeeds, builds
models (one failing), creates a `rockset` table and writes rows, with rockset_stats, the progress
lines on stderr, and rockset_run_results written to a database FILE. Afterwards it searches, for
the key and for its distinctive middle part (a truncated copy would be caught too):
  - every line the shell printed (stdout and stderr),
  - every byte of the database file the session used (tables, shadow tables, free pages),
  - the server's log,
  - every file under the test output directory.
The profiles.yml that must hold the key lives in a private temporary directory outside the
output tree and is deleted at the end.
"""
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import rl  # noqa: E402
from rl import case, check  # noqa: E402
from sqlshell import SqlShell  # noqa: E402

rl.set_prefix("badinput/secrets")
SECRET = f"rs_secret_{os.getpid()}_MARK"
MIDDLE = SECRET[3:-3]   # "secret_<pid>_M": catches a truncated or reformatted copy
WRONG = f"rs_wrong_{os.getpid()}_MARK"

STATEMENTS = [
    "SELECT rockset_connect('{private}/profiles.yml', 'rockset', 'wrong');",
    "SELECT * FROM rockset_query('SELECT 1');",
    "SELECT rockset_connect('{private}/profiles.yml', 'rockset', 'bad_yaml');",
    "SELECT rockset_connect('{private}/broken.yml');",
    "SELECT rockset_connect('{private}/profiles.yml', 'rockset', 'literal');",
    "SELECT rockset_connect('{private}/profiles.yml', 'rockset', 'from_env');",
    "SELECT rockset_connect();",
    "SELECT rockset_stats();",
    "SELECT rockset_config('threads'), rockset_config('workspace');",
    "SELECT rockset_create_workspace('{ws}');",
    "SELECT rockset_create_collection('{ws}.c');",
    "CREATE VIRTUAL TABLE t USING rockset(collection='{ws}.c', columns='n INTEGER');",
    "INSERT INTO t(_id, n) VALUES ('a', 1), ('b', 2);",
    "SELECT count(*) FROM t;",
    "SELECT rockset_init();",
    "SELECT rockset_config('workspace', '{ws}');",
    "INSERT INTO rockset_models(name, sql, materialized) VALUES "
    "('ok_view', 'SELECT n FROM {ws}.c', 'view'), ('broken', 'SELECT nope( FROM x', 'table');",
    "SELECT rockset_run();",
    "SELECT rockset_compile('ok_view');",
    "SELECT * FROM rockset_run_results;",
    "SELECT rockset_exec('SELECT * FROM {ws}.nope');",
    "SELECT rockset_stats();",
    "DROP TABLE t;",
]


def write_profiles(private, url):
    with open(os.path.join(private, "profiles.yml"), "w", encoding="utf-8") as f:
        f.write(f"""rockset:
  target: literal
  outputs:
    literal:
      type: rockset
      workspace: commons
      api_key: {SECRET}
      api_server: {url}
    from_env:
      type: rockset
      workspace: commons
      api_key: "{{{{ env_var('RS_SECRETS_TEST_KEY') }}}}"
      api_server: {url}
    wrong:
      type: rockset
      workspace: commons
      api_key: {WRONG}
      api_server: {url}
    bad_yaml:
      type: rockset
      api_key: [{SECRET}]
""")
    with open(os.path.join(private, "broken.yml"), "w", encoding="utf-8") as f:
        f.write(f"rockset:\n  target: x\n  outputs:\n    x:\n      api_key: '{SECRET}\n")


def leaks_in(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return SECRET.encode() in data or MIDDLE.encode() in data or WRONG.encode() in data


@case
def key_never_written():
    private = tempfile.mkdtemp(prefix="rs_secrets_")
    try:
        srv = rl.start_server("--api-key", SECRET, key=False)
        write_profiles(private, srv.url)
        tmp = os.path.join(rl.OUT, f"{rl.uniq('secrets')}.tmp")
        dbfile = os.path.join(tmp, "session.db")
        os.makedirs(tmp)
        os.environ["RS_SECRETS_TEST_KEY"] = SECRET
        sh = SqlShell(srv.url, SECRET, tmp, db=dbfile)
        ws = rl.uniq("sec")
        printed = []
        for sql in STATEMENTS:
            out, _ = sh.run(sql.format(private=private, ws=ws), timeout=120)
            printed += out
        check("shell_clean_exit", *sh.closed_cleanly())
        srv.stop()
        text = "\n".join(printed)
        check("session_did_the_work", "rockset: authentication failed" in text
              and any(line == "2" for line in printed)
              and "success" in text and "error" in text,
              f"unexpected transcript: {text[:1500]!r}")
        check("not_in_any_printed_line", SECRET not in text and MIDDLE not in text
              and WRONG not in text, "the key appears in the shell's output")
        check("not_in_the_database_file", os.path.exists(dbfile) and not leaks_in(dbfile)
              and not leaks_in(dbfile + "-journal") and not leaks_in(dbfile + "-wal"),
              f"the key appears in {dbfile}")
        check("not_in_the_server_log", not leaks_in(srv.log_path), f"see {srv.log_path}")
        found = [os.path.join(d, n) for d, _s, names in os.walk(rl.OUT) for n in names
                 if leaks_in(os.path.join(d, n))]
        check("not_in_any_output_file", not found, f"the key appears in {found[:5]}")
    finally:
        os.environ.pop("RS_SECRETS_TEST_KEY", None)
        shutil.rmtree(private, ignore_errors=True)


rl.done()
