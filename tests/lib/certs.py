"""certs.py - test certificates made at test time with the openssl CLI (never committed): a CA,
a server certificate it signs for localhost and 127.0.0.1, one it signs for another name (a
mismatch), and one signed by a CA nobody trusts. make(dir) returns their paths, or None when
openssl is missing."""
import os
import shutil
import subprocess


def _ssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _leaf(d, name, ca, san, cn):
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    _ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-subj", f"/CN={cn}",
         "-out", f"{name}.csr", cwd=d)
    _ssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
         "-CAcreateserial", "-days", "2", "-sha256", "-extfile", f"{name}.ext",
         "-out", f"{name}.pem", cwd=d)
    os.chmod(os.path.join(d, f"{name}.key"), 0o600)


def make(d):
    if shutil.which("openssl") is None:
        return None
    os.makedirs(d, exist_ok=True)
    for ca in ("ca", "rogue_ca"):
        _ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key",
             "-subj", f"/CN=rockset-local test {ca}", "-days", "2", "-out", f"{ca}.pem", cwd=d)
    _leaf(d, "server", "ca", "DNS:localhost,IP:127.0.0.1", "localhost")
    _leaf(d, "other", "ca", "DNS:other.example", "other.example")
    _leaf(d, "rogue", "rogue_ca", "DNS:localhost,IP:127.0.0.1", "localhost")
    return {k: os.path.join(d, f"{k}.pem") for k in ("ca", "server", "other", "rogue")} | {
        f"{k}_key": os.path.join(d, f"{k}.key") for k in ("server", "other", "rogue")}
