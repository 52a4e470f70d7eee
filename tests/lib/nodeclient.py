"""nodeclient.py - the official Node client (@rockset/client, pinned) for tests: installed with
npm into $B/node-cache once, then scripts run with `node` against a rockset-local.

install() returns the directory holding node_modules, or (None, why) when node or npm is
missing or the registry cannot be reached: the calling test then prints one SKIP line and
checks nothing else through Node (CI reaches the registry, so there it runs)."""
import os
import shutil
import subprocess

VERSION = "0.9.2"


def install(b_dir):
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None, "node or npm is not installed"
    d = os.path.join(b_dir, "node-cache")
    marker = os.path.join(d, "node_modules", "@rockset", "client", "package.json")
    if os.path.exists(marker):
        return d, ""
    os.makedirs(d, exist_ok=True)
    try:
        p = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund",
                            "--prefix", d, f"@rockset/client@{VERSION}"],
                           capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"npm install failed: {exc}"
    if p.returncode != 0 or not os.path.exists(marker):
        last = (p.stderr.strip().splitlines() or ["npm failed"])[-1]
        return None, f"npm install @rockset/client@{VERSION} failed: {last[:120]}"
    return d, ""


def run(d, script, env, timeout=120):
    """Run a Node script (text) with node_modules of d; returns the CompletedProcess."""
    path = os.path.join(d, "script_%d.js" % os.getpid())
    with open(path, "w") as f:
        f.write(script)
    full = dict(os.environ, **env)
    full["NODE_PATH"] = os.path.join(d, "node_modules")
    return subprocess.run(["node", path], capture_output=True, text=True, env=full,
                          timeout=timeout)
