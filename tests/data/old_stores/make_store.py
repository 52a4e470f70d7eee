"""Writes a data file of an earlier rockset-local with the binary of that version:
`python3 make_store.py <old rockset-local> <out file>`. Kept to say how the fixtures were made;
tests only read them (test_field_index.py, store_migrates):
  format1.sqlite  store format 1 (one table with prev_doc and vis_ms read through a view),
                  made by main's binary at 9c2328c;
  format2.sqlite  store format 2 (visible documents in place, pending writes apart, before
                  element and function indexes), made by the binary of d2481bd.

Contents: workspace legacy; collection things (nested fields, an array, a patch, a delete), then
under --ingest-delay-ms 3600000 a replace of a, a new z and a delete of c, all still pending;
collection events with event_time_info; an alias, a view and a query lambda."""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN, OUT = sys.argv[1], sys.argv[2]
W = "/v1/orgs/self/ws"


def start(*flags):
    pf = os.path.join(tempfile.mkdtemp(), "port")
    p = subprocess.Popen([BIN, "--port", "0", "--port-file", pf, "--data", OUT,
                          "--api-key", "fixkey", *flags])
    while not (os.path.exists(pf) and open(pf).read().strip()):
        time.sleep(0.05)
    return p, "http://127.0.0.1:%s" % open(pf).read().strip()


def req(url, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    r = urllib.request.Request(url + path, data=data, method=method,
                               headers={"Content-Type": "application/json",
                                        "Authorization": "ApiKey fixkey"})
    with urllib.request.urlopen(r) as f:
        return json.loads(f.read())


p, u = start()
req(u, "POST", W, {"name": "legacy"})
req(u, "POST", W + "/legacy/collections", {"name": "things"})
req(u, "POST", W + "/legacy/collections",
    {"name": "events", "event_time_info": {"field": "ts", "format": "milliseconds_since_epoch"}})
time.sleep(0.2)
req(u, "POST", W + "/legacy/collections/things/docs", {"data": [
    {"_id": "a", "n": 1, "s": "apple", "o": {"k": 1, "deep": {"x": "y"}}, "tags": ["red", "green"]},
    {"_id": "b", "n": 2, "s": "banana", "o": {"k": 2}, "tags": ["yellow"]},
    {"_id": "c", "n": 3, "s": "cherry", "big": 9007199254740993},
    {"_id": "d", "n": 4, "s": "date", "o": None}]})
req(u, "PATCH", W + "/legacy/collections/things/docs",
    {"data": [{"_id": "b", "patch": [{"op": "add", "path": "/w", "value": 5}]}]})
req(u, "DELETE", W + "/legacy/collections/things/docs", {"data": [{"_id": "d"}]})
req(u, "POST", W + "/legacy/collections/events/docs", {"data": [
    {"_id": "e1", "ts": 1700000000123, "kind": "x"}, {"_id": "e2", "ts": 1700000001000, "kind": "y"}]})
req(u, "POST", W + "/legacy/aliases", {"name": "things_alias", "collections": ["legacy.things"]})
req(u, "POST", W + "/legacy/views",
    {"name": "big_n", "query": "SELECT _id, n FROM legacy.things WHERE n >= 2"})
req(u, "POST", W + "/legacy/lambdas", {"name": "by_n", "sql": {
    "query": "SELECT _id FROM legacy.things WHERE n = :n",
    "default_parameters": [{"name": "n", "type": "int", "value": "1"}]}})
p.terminate()
p.wait()
p, u = start("--ingest-delay-ms", "3600000")
req(u, "POST", W + "/legacy/collections/things/docs", {"data": [
    {"_id": "a", "n": 10, "s": "apricot", "o": {"k": 10}}, {"_id": "z", "n": 26, "s": "zucchini"}]})
req(u, "DELETE", W + "/legacy/collections/things/docs", {"data": [{"_id": "c"}]})
p.terminate()
p.wait()
# one self-contained file: no WAL beside it
subprocess.run(["sqlite3", OUT, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;"],
               check=True, stdout=subprocess.DEVNULL)
