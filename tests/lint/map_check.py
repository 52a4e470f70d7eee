#!/usr/bin/env python3
"""map_check.py - hold the tree against its map, docs/architecture.md.

The map is written for people; this script reads the same tables and code blocks and checks that
the code still says what they say:

  on-map     every .c/.h under src/ and ext/ is named by exactly one row of a map table, and every
             name a row gives matches a file;
  include    every #include obeys the row's "may include" cell (a header of the file's own folder
             is always allowed; the C library and POSIX headers always are);
  chain      every function a call chain ("## Path ...") names is present in the file that line
             names;
  decl       a function a module's header declares is defined by that module: a .c file of the
             header's folder whose name is the header's stem, or starts with it and '_'
             (`api.h`: api.c, api_query.c; an `_int.h` or `_internal.h` header counts without
             that suffix); a definition elsewhere is an arrow back up the map hides. A header
             with no .c file of its stem is an interface (handlers.h, modules.h) and is free; a header
             named after its folder (template/template.h) is the folder's face, defined by any
             file of the folder.

How a table is read: its section heading names a folder in backticks (`src/`, `ext/`). A row's
first cell holds backticked names: a name ending in '/' is a folder (from the tree's root) whose
files are the backticked file names of the row's other cells; any other name is a file of the
heading's folder. `x.{c,h}` names both, and `fn_*.c` is a glob. The "may include" cell is a
comma-separated list of words from VOCABULARY below; an unknown word is itself an error, so the
map cannot say what the check cannot hold.

Usage: map_check.py [ROOT]   (prints one "FAIL lint/map: ..." line per problem, or "PASS lint/map";
exit status 1 when anything failed). ROOT defaults to this checkout.
"""
import fnmatch
import os
import re
import sys

# POSIX and C library headers, and the compiler's SSE2 intrinsics (jsonscan.c's string runs):
# always allowed.
LIBC = {
    "assert.h", "ctype.h", "dirent.h", "errno.h", "fcntl.h", "float.h", "fnmatch.h", "inttypes.h",
    "limits.h", "locale.h", "math.h", "netdb.h", "poll.h", "pthread.h", "regex.h", "setjmp.h",
    "signal.h", "spawn.h", "stdarg.h", "stdatomic.h", "stdbool.h", "stddef.h", "stdint.h",
    "stdio.h", "stdlib.h", "string.h", "strings.h", "time.h", "unistd.h", "wchar.h", "wctype.h",
    "arpa/inet.h", "netinet/in.h", "netinet/tcp.h", "sys/socket.h", "sys/stat.h", "sys/time.h",
    "sys/types.h", "sys/wait.h", "sys/random.h", "sys/resource.h", "sys/mman.h", "sys/file.h",
    "sys/select.h", "sys/un.h", "termios.h", "pwd.h", "grp.h", "libgen.h", "glob.h", "dlfcn.h",
    "sched.h", "semaphore.h", "syslog.h", "iconv.h", "langinfo.h", "sys/ioctl.h", "sys/uio.h",
    "emmintrin.h",
}

# Library words of the "may include" cells -> the system headers (globs) they allow.
LIBRARIES = {
    "libc": [],
    "libcurl": ["curl/*"],
    "libyaml": ["yaml.h"],
    "SQLite": ["sqlite3.h", "sqlite3ext.h"],
    "libmicrohttpd": ["microhttpd.h"],
    "cJSON": ["cJSON.h", "cjson/cJSON.h"],
    "PCRE2": ["pcre2.h"],
    "libcrypto": ["openssl/*"],
    "GnuTLS": ["gnutls/*"],
    "DuckDB": ["duckdb.h"],
}
BASE_HEADERS = ["src/buf.h", "src/err.h", "src/utf8.h", "src/names.h", "src/hash.h",
                "src/jsonscan.h", "src/version.h"]
CODE_EXT = (".c", ".h")


class Problems:
    def __init__(self):
        self.items = []

    def add(self, kind, text):
        self.items.append(f"{kind}: {text}")


def expand(name):
    """`x.{c,h}` -> [x.c, x.h]; anything else -> [name]."""
    m = re.fullmatch(r"(.*)\{([^}]*)\}(.*)", name)
    if not m:
        return [name]
    return [m.group(1) + alt + m.group(3) for alt in m.group(2).split(",")]


def ticks(cell):
    return re.findall(r"`([^`]+)`", cell)


def is_file_name(tok):
    return any(e.endswith(CODE_EXT) for e in expand(tok)) and " " not in tok


class Row:
    def __init__(self, folder, names, rules, line):
        self.folder = folder      # the folder its files live in ("src/api")
        self.names = names        # expanded names or globs, relative to folder
        self.rules = rules        # the may-include cell, or None
        self.line = line
        self.used = set()


def table_rows(lines):
    """Yield (heading_folder, cells, line_no) for every table body row of the map."""
    folder = None
    header = None
    for no, text in enumerate(lines, 1):
        if text.startswith("#"):
            found = [t for t in ticks(text) if t.endswith("/")]
            folder = found[0].rstrip("/") if found else None
            header = None
            continue
        if not text.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in text.strip().strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        if folder is not None:
            yield folder, header, cells, no


def read_rows(lines, problems):
    rows = []
    for folder, header, cells, no in table_rows(lines):
        rules = None
        if "may include" in header:
            rules = cells[header.index("may include")]
        first = ticks(cells[0])
        rest = [t for c in cells[1:] for t in ticks(c)]
        dirs = [t for t in first if t.endswith("/")]
        if dirs:
            for d in dirs:
                names = [n for t in rest if is_file_name(t) and "/" not in t for n in expand(t)]
                rows.append(Row(d.rstrip("/"), names, rules, no))
        else:
            names = [n for t in first if is_file_name(t) for n in expand(t)]
            if names:
                rows.append(Row(folder, names, rules, no))
    if not rows:
        problems.add("map", "docs/architecture.md has no map tables")
    return rows


def source_files(root):
    out = []
    for top in ("src", "ext"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith(CODE_EXT):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def place_files(rows, files, problems):
    """file -> its row; reports files on no row, on two rows, and names matching nothing."""
    owner = {}
    for f in files:
        folder, base = os.path.split(f)
        hits = [r for r in rows if r.folder == folder and
                any(fnmatch.fnmatchcase(base, n) for n in r.names)]
        for r in hits:
            r.used.update(n for n in r.names if fnmatch.fnmatchcase(base, n))
        if not hits:
            problems.add("on-map", f"{f} is on no row of the map (docs/architecture.md)")
        elif len({id(r) for r in hits}) > 1 and len({r.line for r in hits}) > 1:
            problems.add("on-map", f"{f} is named by rows at lines "
                         f"{', '.join(str(r.line) for r in hits)}")
        else:
            owner[f] = hits[0]
    for r in rows:
        for n in r.names:
            if n not in r.used:
                problems.add("on-map", f"docs/architecture.md line {r.line} names "
                             f"{r.folder}/{n}, which matches no file")
    return owner


def allowed_headers(row, files, problems):
    """The set of tree headers and library globs a row's may-include cell allows."""
    tree, libs = set(), []
    if row.rules is None:
        return None
    words = [w.strip().strip("`").strip() for w in re.split(r",|\band\b", row.rules)]
    for w in words:
        if not w or w == "-":
            continue
        if w in LIBRARIES:
            libs += LIBRARIES[w]
        elif w == "the base":
            tree.update(BASE_HEADERS)
        elif w == "every src/ header except src/server/":
            tree.update(f for f in files if f.startswith("src/") and
                        not f.startswith("src/server/") and f.endswith(".h"))
        elif w.endswith("/") and os.path.isdir(os.path.join(ROOT, "src", w)):
            tree.update(f for f in files if f.startswith("src/" + w) and f.endswith(".h")
                        and "/" not in f[len("src/" + w):])
        elif w.endswith(".h") and ("src/" + w in files or os.path.join(row.folder, w) in files):
            tree.add("src/" + w if "src/" + w in files else os.path.join(row.folder, w))
        else:
            problems.add("map", f"docs/architecture.md line {row.line}: '{w}' in a may-include "
                         "cell is not a word the check knows (tests/lint/map_check.py)")
    return tree, libs


INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def resolve(f, name, files):
    for d in (os.path.dirname(f), "src", "ext"):
        cand = os.path.normpath(os.path.join(d, name))
        if cand in files:
            return cand
    return None


def check_includes(root, files, owner, problems):
    cache = {}
    fileset = set(files)
    for f in files:
        row = owner.get(f)
        if row is None:
            continue
        if id(row) not in cache:
            cache[id(row)] = allowed_headers(row, fileset, problems)
        rules = cache[id(row)]
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for kind, name in INCLUDE.findall(text):
            target = resolve(f, name, fileset) if kind == '"' else None
            if target is not None:
                if os.path.dirname(target) == os.path.dirname(f):
                    continue
                if rules is not None and target not in rules[0]:
                    problems.add("include", f'{f} includes "{name}" ({target}); its row '
                                 f"(docs/architecture.md line {row.line}) may include: {row.rules}")
                continue
            if name in LIBC or kind == '"' and name.startswith(("schema_sql", "gen/")):
                continue
            if rules is not None and not any(fnmatch.fnmatchcase(name, g) for g in rules[1]):
                problems.add("include", f"{f} includes <{name}>; its row "
                             f"(docs/architecture.md line {row.line}) may include: {row.rules}")


def check_chains(root, lines, problems):
    """In "## Path" sections' code blocks, every identifier of a line (a name with '_' or an inner
    capital; `name_` or `name_*` is a prefix) must be in the file that ends the line, or, for a line
    that ends with no file, in the file of the next line that does."""
    in_path, in_code, pending = False, False, []
    ident = re.compile(r"\b([A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*|[a-z]+[A-Z][A-Za-z0-9]+)\b")
    pathre = re.compile(r"((?:src|ext)/[\w/]+\.[ch])\s*$")
    for no, text in enumerate(lines, 1):
        if text.startswith("## "):
            in_path = text.startswith("## Path")
            continue
        if not in_path:
            continue
        if text.startswith("```"):
            in_code, pending = not in_code, []
            continue
        if not in_code:
            continue
        m = pathre.search(text)
        body_text = text[: m.start()] if m else text
        pending += [(i, no) for i in ident.findall(body_text)]
        if not m:
            continue
        path = m.group(1)
        full = os.path.join(root, path)
        if not os.path.isfile(full):
            problems.add("chain", f"docs/architecture.md line {no}: {path} does not exist")
        else:
            with open(full, encoding="utf-8", errors="replace") as fh:
                body = fh.read()
            for name, at in pending:
                pattern = r"\b%s\w+" % re.escape(name) if name.endswith("_") else \
                    r"\b%s\b" % re.escape(name)
                if not re.search(pattern, body):
                    problems.add("chain", f"docs/architecture.md line {at}: {name} is not in {path}")
        pending = []


DECL = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([a-z_][a-z0-9_]*)\s*\([^;{)]*(?:\)[^;{]*)?;",
                  re.M)
DEF = re.compile(r"^(?!static\b)[A-Za-z_][\w \t\*]*?\b([a-zA-Z_]\w*)\s*\([^;{]*\)\s*\{", re.M)


def module_stem(header):
    stem = os.path.basename(header)[:-2]
    for suffix in ("_internal", "_int"):
        if stem.endswith(suffix):
            return stem[: -len(suffix)]
    return stem


def check_declarations(root, files, problems):
    defined = {}
    for f in files:
        if f.endswith(".c"):
            with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
                for name in DEF.findall(fh.read()):
                    defined.setdefault(name, []).append(f)
    for h in files:
        if not h.endswith(".h"):
            continue
        with open(os.path.join(root, h), encoding="utf-8", errors="replace") as fh:
            text = re.sub(r"/\*.*?\*/", "", fh.read(), flags=re.S)
        stem, folder = module_stem(h), os.path.dirname(h)
        if stem == os.path.basename(folder):
            stem = ""  # the folder's face (template/template.h): any file of the folder defines it
        if not any(os.path.dirname(f) == folder and os.path.basename(f)[:-2] == stem
                   for f in files if f.endswith(".c")):
            continue  # an interface header with no module of its own (handlers.h, modules.h)
        for name in set(DECL.findall(text)):
            for f in defined.get(name, []):
                base = os.path.basename(f)[:-2]
                if os.path.dirname(f) == folder and (stem == "" or base == stem or
                                                     base.startswith(stem + "_")):
                    break
            else:
                for f in defined.get(name, []):
                    problems.add("decl", f"{name} is declared in {h} but defined in {f}: "
                                 "a header declares what its own module defines")


def main(root):
    global ROOT
    ROOT = root
    problems = Problems()
    with open(os.path.join(root, "docs", "architecture.md"), encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    rows = read_rows(lines, problems)
    files = source_files(root)
    owner = place_files(rows, files, problems)
    check_includes(root, files, owner, problems)
    check_chains(root, lines, problems)
    check_declarations(root, files, problems)
    for p in problems.items:
        print(f"FAIL lint/map: {p}")
    if not problems.items:
        print(f"PASS lint/map ({len(files)} files, {len(rows)} rows)")
    return 1 if problems.items else 0


ROOT = "."
if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(here))))
