#!/usr/bin/python3
"""gen.py - a seeded CI-dashboard dataset (PyTorch's HUD on Rockset, in miniature).

    tests/bench/dashboard/gen.py OUT_DIR N_RECENT N_HISTORY

Writes OUT_DIR/recent/<collection>.ndjson (N_RECENT documents, the 30 days before T_END),
OUT_DIR/history/<collection>.ndjson (N_HISTORY documents, the 270 days before that, every
timestamp at least one day before the recent window) and OUT_DIR/params.json (the query
parameters, picked from the recent data). The recent part depends only on N_RECENT: the
dataset of N_RECENT + N_HISTORY documents is the N_RECENT one plus older history, so a query
whose window (or key) lies in the recent part answers the same at both sizes.

Collections, as the GitHub webhooks HUD stored them: push, workflow_run, workflow_job,
pull_request, test_run (one document per interesting test case: failed, skipped or slow).
Documents carry `_id` and an ISO `_event_time`; times inside documents are ISO strings
(`2024-05-31T10:00:00Z`), ids are 64-bit ints. Skew: one repository has ~80% of the pushes,
a few workflows and runner labels most of the jobs, ~88% of jobs succeed, test times are
log-normal, authors Zipf-like.
"""
import datetime
import json
import os
import random
import sys

T_END = datetime.datetime(2024, 6, 1, tzinfo=datetime.timezone.utc)
RECENT_DAYS = 30
HISTORY_DAYS = 270
GAP_DAYS = 1  # history ends this long before the recent window: its jobs finish inside the gap
RECENT_START = T_END - datetime.timedelta(days=RECENT_DAYS)
HISTORY_END = RECENT_START - datetime.timedelta(days=GAP_DAYS)
HISTORY_START = HISTORY_END - datetime.timedelta(days=HISTORY_DAYS)
COLLECTIONS = ("push", "workflow_run", "workflow_job", "pull_request", "test_run")

REPOS = [("pytorch/pytorch", 80), ("pytorch/vision", 8), ("pytorch/audio", 5),
         ("pytorch/executorch", 4), ("pytorch/test-infra", 3)]
LABELS = [("linux.2xlarge", 40), ("ubuntu-latest", 20), ("linux.4xlarge", 15),
          ("linux.g5.4xlarge.nvidia.gpu", 10), ("windows.4xlarge", 8), ("macos-m1-stable", 5),
          ("linux.rocm.gpu", 2)]
CONFIGS = ["linux-focal-py3.8-gcc7", "linux-jammy-py3.10-clang15", "linux-focal-cuda12.1-py3.10",
           "win-vs2019-cpu-py3", "macos-12-py3-arm64", "linux-focal-rocm6.0-py3.8",
           "linux-jammy-py3.8-gcc11-mem_leak_check", "linux-focal-py3.11-clang10",
           "linux-docs", "linux-bionic-cuda11.8-py3.10-gcc9"]
WORKFLOWS = {  # name -> (jobs min, jobs max, test shards)
    "pull": (6, 14, 3), "trunk": (4, 9, 2), "Lint": (2, 4, 0), "inductor": (3, 7, 2),
    "linux-binary-manywheel": (2, 5, 0), "periodic": (4, 8, 2), "CI": (2, 5, 1),
}
ERROR_LINES = [
    ("RuntimeError: CUDA error: an illegal memory access was encountered", 12),
    ("AssertionError: Tensor-likes are not close!", 25), ("##[error]The operation was canceled.", 10),
    ("FAILED CONSISTENTLY: test_ops.py::TestCommonCUDA::test_out_warning", 6),
    ("error: no matching function for call to 'at::Tensor::item()'", 5),
    ("Process completed with exit code 137.", 9), ("ModuleNotFoundError: No module named 'sympy'", 4),
    ("torch._dynamo.exc.Unsupported: call_function BuiltinVariable", 8),
    ("##[error]Unable to locate executable file: conda", 3), ("lintrunner found issues", 15),
    ("Timeout (0:30:00)!", 3),
]
PR_LABELS = [("ciflow/trunk", 30), ("topic: not user facing", 25), ("ciflow/inductor", 12),
             ("module: dynamo", 10), ("release notes: python_frontend", 8), ("Merged", 20),
             ("module: rocm", 4), ("open source", 15)]
TEST_FILES = ["test_torch", "test_ops", "test_nn", "inductor/test_torchinductor", "test_autograd",
              "distributed/test_c10d_nccl", "test_cuda", "dynamo/test_repros", "test_linalg",
              "test_jit", "export/test_export", "test_quantization"]
STEPS = ["Set up job", "Checkout PyTorch", "Build", "Test", "Upload test stats", "Complete job"]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def iso(t, frac=False):
    """GitHub's form (no fraction), or Rockset's _event_time form (6 fraction digits)."""
    if frac:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(rng):
    return "%040x" % rng.getrandbits(160)


class Segment:
    """One stretch of time with its own seed and id ranges; emits exactly n documents."""

    def __init__(self, name, n, start, end, seed, id_base, pr_base):
        self.name, self.n, self.start, self.end = name, n, start, end
        self.rng = random.Random(seed)
        self.docs = {c: [] for c in COLLECTIONS}
        self.count = 0
        self.job_id = 20_000_000_000 + id_base * 100
        self.run_id = 8_000_000_000 + id_base * 10
        self.push_no = id_base
        self.pr_no = pr_base
        self.users = ["user%03d" % i for i in range(300)]
        self.candidates = []  # (push time, sha, repo, run ids) of main pushes, for params

    def emit(self, coll, doc):
        if self.count >= self.n:
            return False
        self.docs[coll].append(json.dumps(doc, separators=(",", ":")))
        self.count += 1
        return True

    def user(self):
        # Zipf-like: a few authors push most of the PRs
        return self.users[min(int(self.rng.paretovariate(1.2)) - 1, len(self.users) - 1)]

    def generate(self):
        span = (self.end - self.start).total_seconds()
        # Pushes spread evenly over the span with jitter, planned from a documents-per-push
        # figure above the generator's average (~26), so the plan falls short of n rather than
        # over (which would leave the newest hours empty); the rest come at random times.
        per_push = 30.0
        pushes = max(1, int(self.n / per_push))
        k = 0
        if self.end == T_END:
            # the dashboard looks at "now": some pushes of the last hours still have jobs
            # queued or running, and some finished minutes ago (whatever n is)
            for i in range(6):
                self.push_family(T_END - datetime.timedelta(minutes=150 - 25 * i))
        while self.count < self.n:
            frac = ((k + self.rng.random()) / pushes) if k < pushes else self.rng.random()
            t = self.start + datetime.timedelta(seconds=frac * span * 0.995)
            self.push_family(t)
            k += 1
        return self

    def push_family(self, t):
        rng = self.rng
        repo = weighted(rng, REPOS)
        main = rng.random() < (0.45 if repo == "pytorch/pytorch" else 0.7)
        user = self.user()
        self.push_no += 1
        head = sha(rng)
        ref = "refs/heads/main" if main else f"refs/heads/gh/{user}/{self.push_no % 997}/head"
        msg = ("Revert \"%s\"" if rng.random() < 0.04 else "%s") % (
            "[inductor] fix %d" % rng.randrange(10000))
        commits = [{"id": head if i == 0 else sha(rng), "message": msg if i == 0 else "wip",
                    "timestamp": iso(t - datetime.timedelta(minutes=5 * i))}
                   for i in range(rng.choice((1, 1, 1, 2, 3)))]
        owner, name = repo.split("/")
        if not self.emit("push", {
                "_id": "push-%d" % self.push_no, "_event_time": iso(t, True), "ref": ref,
                "before": sha(rng), "after": head, "forced": rng.random() < 0.02,
                # GitHub's push payloads name the owner twice (login, and name: HUD's lambdas
                # filter by repository.owner.name)
                "repository": {"full_name": repo, "name": name,
                               "owner": {"login": owner, "name": owner}},
                "pusher": {"name": user},
                "head_commit": {"id": head, "timestamp": iso(t), "message": msg,
                                "author": {"name": user, "username": user}},
                "commits": commits}):
            return
        pr = None
        if not main:
            pr = self.pull_request(t, head, ref, repo, user)
        runs = []
        for wf in self.workflows(repo, main):
            runs.append(self.run(t, wf, head, repo, main, pr, msg, user))
        if main and repo == "pytorch/pytorch":
            self.candidates.append((t, head, runs))

    def workflows(self, repo, main):
        rng = self.rng
        if repo != "pytorch/pytorch":
            return ["CI", "Lint"]
        wfs = ["pull", "Lint"]
        if main:
            wfs.append("trunk")
            if rng.random() < 0.5:
                wfs.append("inductor")
            if rng.random() < 0.2:
                wfs.append("linux-binary-manywheel")
            if rng.random() < 0.1:
                wfs.append("periodic")
        elif rng.random() < 0.25:
            wfs.append("trunk")
        return wfs

    def pull_request(self, t, head, ref, repo, user):
        rng = self.rng
        self.pr_no += 1
        state = "open" if rng.random() < 0.3 else "closed"
        merged = state == "closed" and rng.random() < 0.8
        labels = sorted({weighted(rng, PR_LABELS) for _ in range(rng.randrange(0, 4))})
        done = t + datetime.timedelta(hours=rng.uniform(1, 20))
        self.emit("pull_request", {
            "_id": "%s/%d" % (repo, self.pr_no), "_event_time": iso(done if state == "closed" else t, True),
            "number": self.pr_no, "title": "[%s] change %d" % (user, self.pr_no), "state": state,
            "draft": rng.random() < 0.1, "created_at": iso(t),
            "updated_at": iso(done if state == "closed" else t),
            "merged_at": iso(done) if merged else None,
            "user": {"login": user}, "author_association": weighted(
                rng, [("MEMBER", 50), ("CONTRIBUTOR", 35), ("FIRST_TIME_CONTRIBUTOR", 5), ("NONE", 10)]),
            "head": {"sha": head, "ref": ref[len("refs/heads/"):]},
            "base": {"ref": "main", "repo": {"full_name": repo}},
            "labels": [{"name": x} for x in labels]})
        return self.pr_no

    def run(self, t, wf, head, repo, main, pr, msg, user):
        rng = self.rng
        self.run_id += 1
        run_id = self.run_id
        created = t + datetime.timedelta(seconds=rng.randrange(5, 90))
        jobs_lo, jobs_hi, shards = WORKFLOWS[wf]
        n_jobs = rng.randint(jobs_lo, jobs_hi)
        event = "push" if main else ("pull_request" if wf == "pull" else "push")
        if wf == "periodic":
            event = "schedule"
        # the jobs first: the run's conclusion and times follow from them
        results = self.jobs(created, wf, run_id, head, repo, main, n_jobs, shards)
        if not results:
            return run_id
        ends = [r[1] for r in results if r[1] is not None]
        concl = [r[0] for r in results]
        status = "completed" if len(ends) == len(results) else "in_progress"
        conclusion = None
        if status == "completed":
            conclusion = ("failure" if "failure" in concl else
                          "cancelled" if "cancelled" in concl else "success")
        updated = max(ends) if ends else created
        attempts = max(r[2] for r in results)
        owner, name = repo.split("/")
        self.emit("workflow_run", {
            "_id": str(run_id), "_event_time": iso(updated, True), "id": run_id, "name": wf,
            "workflow_id": 1000 + sorted(WORKFLOWS).index(wf), "head_branch":
                "main" if main else "gh/%s/%d/head" % (user, self.push_no % 997),
            "head_sha": head, "event": event, "status": status, "conclusion": conclusion,
            "run_attempt": attempts, "run_number": run_id % 100000,
            "created_at": iso(created), "run_started_at": iso(created), "updated_at": iso(updated),
            "repository": {"full_name": repo, "name": name, "owner": {"login": owner}},
            "head_repository": {"full_name": repo, "name": name},  # the same: no forks here
            "head_commit": {"id": head, "timestamp": iso(t), "message": msg,
                            "author": {"name": user}},
            "pull_requests": [{"number": pr, "head": {"sha": head}}] if pr else [],
            "html_url": "https://github.com/%s/actions/runs/%d" % (repo, run_id)})
        return run_id

    def jobs(self, created, wf, run_id, head, repo, main, n_jobs, shards):
        rng = self.rng
        out = []
        names = self.job_names(wf, n_jobs, shards)
        failed = []
        for name in names:
            r = self.job(created, wf, run_id, head, repo, main, name, 1, failed)
            if r is None:
                return out
            out.append(r)
        if failed and rng.random() < 0.3:  # a re-run of the failed jobs: attempt 2, same sha
            for name in failed:
                r = self.job(created + datetime.timedelta(hours=2), wf, run_id, head, repo, main,
                             name, 2, [])
                if r is None:
                    return out
                out.append(r)
        return out

    def job_names(self, wf, n_jobs, shards):
        names = []
        for i in range(n_jobs):
            cfg = CONFIGS[(i // 2) % len(CONFIGS)] if wf != "Lint" else "lintrunner"
            if wf == "Lint":
                names.append(["lintrunner-clang", "lintrunner-noclang", "quick-checks",
                              "workflow-checks"][i % 4])
            elif i % 2 == 0 or shards == 0:
                names.append("%s / build" % cfg)
            else:
                shard = 1 + (i // 2) % max(shards, 1)
                names.append("%s / test (default, %d, %d, %s)" % (cfg, shard, max(shards, 1),
                                                                  LABELS[i % 4][0]))
        return names

    def job(self, created, wf, run_id, head, repo, main, name, attempt, failed):
        rng = self.rng
        self.job_id += 1
        job_id = self.job_id
        label = weighted(rng, LABELS)
        queued = created + datetime.timedelta(seconds=int(rng.expovariate(1 / 120.0)) + 5)
        dur = min(int(rng.lognormvariate(7.3, 0.8)), 6 * 3600)  # median ~25 min, at most 6 h
        end = queued + datetime.timedelta(seconds=dur)
        x = rng.random()
        concl = ("failure" if x < (0.05 if attempt == 1 else 0.3) else "skipped" if x < 0.08 else
                 "cancelled" if x < 0.095 else "success")
        if "mem_leak_check" in name and concl == "success" and rng.random() < 0.1:
            concl = "failure"
        status = "completed"
        if end > T_END:  # still running when the dashboard looks
            status = "in_progress" if queued < T_END else "queued"
            concl = None
        if concl == "failure" and attempt == 1:
            failed.append(name)
        steps = []
        st = queued
        n_steps = rng.randint(3, 6)
        for i, s in enumerate(STEPS[:n_steps]):
            step_end = st + datetime.timedelta(seconds=dur / n_steps)
            last = i == n_steps - 1
            steps.append({"name": s, "number": i + 1,
                          "conclusion": (concl if s in ("Test", "Build") or last else "success")
                          if status == "completed" else None,
                          "started_at": iso(st), "completed_at": iso(step_end)})
            st = step_end
        doc = {"_id": str(job_id), "_event_time": iso(end if status == "completed" else queued, True),
               "id": job_id, "run_id": run_id, "run_attempt": attempt, "workflow_name": wf,
               "head_sha": head, "head_branch": "main" if main else "pr", "name": name,
               "status": status, "conclusion": concl, "created_at": iso(created),
               "started_at": iso(queued) if status != "queued" else None,
               "completed_at": iso(end) if status == "completed" else None,
               "runner_name": ("GitHub Actions %d" % rng.randrange(1000)) if label == "ubuntu-latest"
               else "i-%012x" % rng.getrandbits(48),
               "runner_group_name": "Default" if label == "ubuntu-latest" else "linux-runners",
               "labels": [label] if label == "ubuntu-latest" else [label, "self-hosted"],
               "repository": {"full_name": repo},
               "steps": steps, "html_url": "https://github.com/%s/actions/runs/%d/job/%d" % (
                   repo, run_id, job_id)}
        if concl == "failure":
            line = weighted(rng, ERROR_LINES)
            doc["torchci_classification"] = {"line": line, "line_num": rng.randrange(1, 90000),
                                             "rule": line.split(":")[0][:40],
                                             "captures": [line.split(" ")[0]]}
        if not self.emit("workflow_job", doc):
            return None
        if status == "completed" and "/ test" in name:
            if not self.tests(job_id, run_id, attempt, end, concl == "failure"):
                return None
        return (concl, end if status == "completed" else None, attempt)

    def tests(self, job_id, run_id, attempt, end, failing):
        rng = self.rng
        n = rng.choice((0, 0, 1, 1, 1, 2)) + (rng.randint(1, 3) if failing else 0)
        for k in range(n):
            f = weighted(rng, [(x, 12 - i) for i, x in enumerate(TEST_FILES)])
            cls = "Test" + f.split("/")[-1].replace("test_", "").title().replace("_", "")
            doc = {"_id": "%d-%d" % (job_id, k), "_event_time": iso(end, True),
                   "invoking_file": f.replace("/", "."), "file": f + ".py", "classname": cls,
                   "name": "test_%s_%d" % (rng.choice(("add", "mul", "conv", "grad", "export",
                                                        "compile", "sum")), rng.randrange(40)),
                   "time": round(rng.lognormvariate(0.5, 1.5), 3), "job_id": job_id,
                   "workflow_id": run_id, "workflow_run_attempt": attempt}
            if failing and k >= n - 1 or (failing and rng.random() < 0.5):
                doc["failure"] = {"message": "AssertionError: %d != %d" % (k, k + 1),
                                  "text": "Traceback (most recent call last): ..."}
                if rng.random() < 0.3:
                    doc["rerun"] = [{"message": "flaky"}]
            elif rng.random() < 0.3:
                doc["skipped"] = {"message": "test requires CUDA" if rng.random() < 0.6
                                  else "not implemented"}
            if not self.emit("test_run", doc):
                return False
        return True


def pick_params(seg):
    """Parameters for the queries, from the recent data (deterministic)."""
    day = T_END - datetime.timedelta(days=1)
    jobs = [json.loads(d) for d in seg.docs["workflow_job"]]
    failing_shas = {j["head_sha"] for j in jobs if j["conclusion"] == "failure"}
    cands = [c for c in seg.candidates if c[0] >= day - datetime.timedelta(days=2)]
    sha_pick = next((c[1] for c in reversed(cands) if c[1] in failing_shas),
                    seg.candidates[-1][1])
    prs = [json.loads(d) for d in seg.docs["pull_request"]]
    pr_pick = next((p for p in reversed(prs) if p["head"]["sha"] in failing_shas), prs[-1])
    # a commit page's list of SHAs: the one picked and two more failing ones (a lambda's :shas)
    others = sorted(s for s in failing_shas if s != sha_pick)[:2]
    return {
        "startTime": iso(RECENT_START, True), "stopTime": iso(T_END, True),
        "weekStart": iso(T_END - datetime.timedelta(days=7), True),
        "dayStart": iso(day, True), "hourStart": iso(T_END - datetime.timedelta(hours=6), True),
        "sha": sha_pick, "prNumber": pr_pick["number"], "repo": "pytorch/pytorch",
        "branch": "main", "label": "linux.2xlarge", "granularity": "day", "limit": 10,
        "minutes": 120, "shas": ",".join([sha_pick] + others), "anyConclusion": "",
    }


def main():
    out, n_recent, n_hist = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    recent = Segment("recent", n_recent, RECENT_START, T_END, 20240601, 10_000_000, 120_000)
    recent.generate()
    hist = Segment("history", n_hist, HISTORY_START, HISTORY_END, 20230901, 0, 10_000)
    if n_hist:
        hist.generate()
    for seg in (recent, hist):
        d = os.path.join(out, seg.name)
        os.makedirs(d, exist_ok=True)
        for c in COLLECTIONS:
            with open(os.path.join(d, c + ".ndjson"), "w") as f:
                for line in seg.docs[c]:
                    f.write(line + "\n")
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump(pick_params(recent), f, indent=1)
    counts = {seg.name: {c: len(seg.docs[c]) for c in COLLECTIONS} for seg in (recent, hist)}
    with open(os.path.join(out, "counts.json"), "w") as f:
        json.dump(counts, f, indent=1)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
