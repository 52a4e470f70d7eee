"""HTTPS end to end: rockset-local serving --tls-cert/--tls-key (TLS 1.2 and 1.3 only) to curl,
Python, the extension and the official Node client, each trusting the test CA; each refusing a
server whose certificate no trusted CA signed, or whose name does not match, with a clear
error - never falling back to plain HTTP. Certificates are made here with openssl."""
import os
import ssl
import subprocess
import sys
import http.client
import json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import certs  # noqa: E402
import nodeclient  # noqa: E402
import rl  # noqa: E402
from rl import case, check, uniq  # noqa: E402

rl.set_prefix("tls")
C = certs.make(os.path.join(rl.OUT, "tls-certs"))
if C is None:
    print("SKIP tls: the openssl command is not installed")
    rl.done()


def tls_server(cert="server", *flags):
    srv = rl.start_server("--tls-cert", C[cert], "--tls-key", C[f"{cert}_key"], *flags)
    srv.https = f"https://localhost:{srv.port}"
    return srv


def py_get(srv, path, ctx):
    conn = http.client.HTTPSConnection("localhost", srv.port, context=ctx, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"ApiKey {rl.KEY}"})
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null"), conn.sock.version()
    finally:
        conn.close()


def curl(*args):
    return subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                           "-H", f"Authorization: ApiKey {rl.KEY}", *args],
                          capture_output=True, text=True, timeout=60)


def shell(sql, env):
    full = dict(os.environ, ROCKSET_APIKEY=rl.KEY, HOME=rl.OUT, **env)
    for var in ("SSL_CERT_FILE", "CURL_CA_BUNDLE", "ROCKSET_CA_BUNDLE"):
        if var not in env:
            full.pop(var, None)
    p = subprocess.run(["sqlite3", "-cmd", f".load {rl.B}/rockset_ext", ":memory:"], input=sql,
                       capture_output=True, text=True, env=full, timeout=120, cwd=rl.OUT)
    return p.stdout + p.stderr


SRV = tls_server()


@case
def curl_and_python():
    p = curl("--cacert", C["ca"], f"{SRV.https}/v1/orgs/self")
    check("curl_with_ca_200", p.stdout == "200", p.stdout + p.stderr)
    p = curl(f"{SRV.https}/v1/orgs/self")
    check("curl_without_ca_refused", p.returncode == 60, f"rc={p.returncode} {p.stderr[:200]}")
    p = curl("--cacert", C["ca"], "--tlsv1.0", "--tls-max", "1.1", f"{SRV.https}/v1/orgs/self")
    check("tls_1_1_refused", p.returncode != 0 and p.stdout != "200", p.stdout + p.stderr[:200])
    p = curl(f"http://localhost:{SRV.port}/v1/orgs/self")
    check("plain_http_to_https_port_fails", p.stdout != "200", p.stdout + p.stderr[:200])
    ctx = ssl.create_default_context(cafile=C["ca"])
    status, body, version = py_get(SRV, "/v1/orgs/self", ctx)
    check("python_200", status == 200 and body["data"]["id"] == "rockset-local", repr(body)[:200])
    check("tls_1_2_or_1_3", version in ("TLSv1.2", "TLSv1.3"), version)
    try:
        py_get(SRV, "/v1/orgs/self", ssl.create_default_context())
        check("python_without_ca_refused", False, "connected")
    except ssl.SSLCertVerificationError as exc:
        check("python_without_ca_refused", "certificate verify failed" in str(exc), str(exc))


@case
def extension_verifies():
    sql = ("SELECT rockset_connect();\n"
           "SELECT doc FROM rockset_query('SELECT 1 AS one');\n")
    out = shell(sql, {"ROCKSET_APISERVER": SRV.https, "ROCKSET_CA_BUNDLE": C["ca"]})
    check("with_ca_bundle", '{"one":1}' in out, out[-400:])
    out = shell(sql, {"ROCKSET_APISERVER": SRV.https, "SSL_CERT_FILE": C["ca"]})
    check("with_ssl_cert_file", '{"one":1}' in out, out[-400:])
    prof = os.path.join(rl.OUT, uniq("tlsprof"))
    os.makedirs(prof)
    with open(os.path.join(prof, "profiles.yml"), "w") as f:
        f.write(f"rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                f"      workspace: commons\n      api_key: \"{{{{ env_var('ROCKSET_APIKEY') }}}}\"\n"
                f"      api_server: {SRV.https}\n      ca_bundle: {C['ca']}\n")
    out = shell(sql, {"DBT_PROFILES_DIR": prof})
    check("with_profile_ca_bundle", '{"one":1}' in out, out[-400:])
    out = shell(sql, {"ROCKSET_APISERVER": SRV.https})
    check("without_ca_clear_error", "is not trusted or does not match its host" in out
          and "ca_bundle" in out and '{"one":1}' not in out, out[-400:])


@case
def untrusted_and_mismatched_refused():
    sql = "SELECT rockset_connect();\nSELECT doc FROM rockset_query('SELECT 1 AS one');\n"
    rogue = tls_server("rogue")
    out = shell(sql, {"ROCKSET_APISERVER": rogue.https, "ROCKSET_CA_BUNDLE": C["ca"]})
    check("rogue_ca_refused", "not trusted" in out and '{"one":1}' not in out, out[-400:])
    rogue.stop()
    other = tls_server("other")
    out = shell(sql, {"ROCKSET_APISERVER": other.https, "ROCKSET_CA_BUNDLE": C["ca"]})
    check("name_mismatch_refused", "does not match" in out and "subject name" in out
          and '{"one":1}' not in out, out[-400:])
    p = curl("--cacert", C["ca"], f"{other.https}/v1/orgs/self")
    check("curl_name_mismatch", p.returncode == 60, p.stderr[:200])
    other.stop()


@case
def bad_tls_files_refused():
    srv = rl.start_server("--tls-cert", C["server"], "--tls-key", C["other_key"], wait=False)
    rc = srv.proc.wait(10)
    check("mismatched_key_refused", rc != 0 and "TLS certificate and key" in srv.log(),
          srv.log()[-300:])
    srv = rl.start_server("--tls-cert", C["server"], wait=False)
    rc = srv.proc.wait(10)
    check("cert_without_key_refused", rc != 0 and "go together" in srv.log(), srv.log()[-200:])
    srv = rl.start_server("--tls-cert", "/nonexistent.pem", "--tls-key", C["server_key"],
                          wait=False)
    rc = srv.proc.wait(10)
    check("missing_cert_refused", rc != 0 and "cannot read /nonexistent.pem" in srv.log(),
          srv.log()[-200:])


NODE = r"""
const rockset = require('@rockset/client').default;
const c = rockset(process.env.RS_KEY, process.env.RS_URL);
c.queries.query({sql: {query: 'SELECT 1 AS one'}})
  .then(r => console.log('OK ' + JSON.stringify(r.results)))
  .catch(e => console.log('ERR ' + (e.code || e.type || '') + ' ' + (e.message || JSON.stringify(e))));
"""


@case
def node_client():
    d, why = nodeclient.install(rl.B)
    if d is None:
        print(f"SKIP tls/node_client: {why}")
        return
    env = {"RS_KEY": rl.KEY, "RS_URL": SRV.https}
    p = nodeclient.run(d, NODE, dict(env, NODE_EXTRA_CA_CERTS=C["ca"]))
    check("node_with_ca", 'OK [{"one":1}]' in p.stdout, p.stdout + p.stderr[-300:])
    p = nodeclient.run(d, NODE, env)
    check("node_without_ca_refused", p.stdout.startswith("ERR") and "OK" not in p.stdout
          and ("certificate" in p.stdout.lower() or "UNABLE_TO" in p.stdout),
          p.stdout + p.stderr[-300:])


SRV.stop()
check("keys_not_logged", rl.KEY not in SRV.log(), "")
rl.done()
