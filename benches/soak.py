"""Soak driver for benches/soak.sh (issue 13): mixed load on a running petition-router, reloads
(some of a corrupt model) and PostgreSQL restarts under it; then a check of the acknowledged
outcomes against `export-history` and the verdict.

usage:
  soak.py run --addr HOST:PORT --pid PID --minutes M --data FILE.jsonl
              --good NAME --corrupt NAME --pg-restart 'CMD' --out DIR
              [--rate PETITIONS_PER_S] [--reload-every S] [--pg-restarts N]
  soak.py report --out DIR --export FILE.jsonl

`run` writes OUT/summary.json and OUT/acknowledged.jsonl (one {"id", "department"} per
outcome answered OK); `report` prints the figures and exits 1 when a target is missed.
"""
import argparse
import collections
import itertools
import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

# The stubs are generated from the repository's proto files.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "proto"))
import python_stubs  # noqa: E402

# Deadline per call: generous, so that only a stuck server (not a slow moment) fails a call.
DEADLINE = 10
BATCH = 16       # petitions per RouteBatch
STREAM = 32      # petitions per RouteStream call
OUTCOME_SHARE = 3  # one routed petition in OUTCOME_SHARE gets an outcome
CORRUPT_EVERY = 4  # every CORRUPT_EVERY-th reload names the corrupt file
RSS_EVERY = 30     # seconds between RSS samples
# The threads per kind of call: enough to keep both cores busy without shedding.
WORKERS = {"Route": 2, "RouteBatch": 1, "RouteStream": 1, "RecordOutcome": 2}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class Soak:
    def __init__(self, args):
        import grpc
        from petition_router.v1 import admin_pb2, admin_pb2_grpc, router_pb2, router_pb2_grpc

        self.grpc, self.pb, self.admin_pb = grpc, router_pb2, admin_pb2
        self.args = args
        self.petitions = []
        with open(args.data, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row.get("text", "").strip():
                    self.petitions.append((row.get("title", ""), row["text"]))
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ids = itertools.count()
        self.calls = collections.Counter()          # method -> calls
        self.items = collections.Counter()          # method -> petitions sent
        self.failed = collections.Counter()         # (method, code) -> failed petitions
        self.examples = {}                          # (method, code) -> one message
        self.outcomes = collections.Counter()       # status -> RecordOutcome calls
        self.routing_known = collections.Counter()  # answered routing_known -> count
        self.reloads = collections.Counter()        # ok / refused / unexpected CODE
        self.restarts = []                          # (seconds into the run, exit status)
        self.rss = []                               # (seconds into the run, KiB)
        # Routed petitions waiting for an outcome: (request id, suggested department codes).
        self.pending = collections.deque(maxlen=10_000)
        self.acknowledged = open(f"{args.out}/acknowledged.jsonl", "w", encoding="utf-8")
        # One channel (HTTP/2 connection) per thread, as separate clients would have.
        self.channel = lambda: grpc.insecure_channel(args.addr)
        self.router = lambda: router_pb2_grpc.RouterServiceStub(self.channel())
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel())
        self.start = time.monotonic()
        self.slot = self.start  # when the next petition may be sent (pacing)

    def now(self):
        return time.monotonic() - self.start

    def pace(self, n):
        """Holds the load at --rate petitions a second in all (0: as fast as answered)."""
        if not self.args.rate:
            return
        with self.lock:
            at = self.slot = max(self.slot, time.monotonic()) + n / self.args.rate
        time.sleep(max(0, at - time.monotonic()))

    def request(self):
        title, text = random.choice(self.petitions)
        return self.pb.RouteRequest(request_id=f"soak-{next(self.ids)}", title=title, content=text)

    def fail(self, method, code, message, n=1):
        with self.lock:
            self.failed[(method, code)] += n
            self.examples.setdefault((method, code), message)

    def routed(self, request_id, response):
        """Keeps some routed petitions for the outcome workers."""
        if random.randrange(OUTCOME_SHARE) == 0:
            codes = [s.department_code for s in response.suggestions]
            self.pending.append((request_id, codes))

    def result(self, method, sent, result):
        """One item of a batch or stream: an error in its own result is a failed petition."""
        if result.WhichOneof("outcome") == "error":
            names = {c.value[0]: c.name for c in self.grpc.StatusCode}
            code = names.get(result.error.code, str(result.error.code))
            self.fail(method, code, result.error.message)
        elif result.request_id != sent.request_id:
            self.fail(method, "OUT_OF_ORDER", f"{result.request_id} for {sent.request_id}")
        else:
            self.routed(sent.request_id, result.response)

    def count(self, method, n):
        with self.lock:
            self.calls[method] += 1
            self.items[method] += n

    def route(self):
        stub = self.router()
        while not self.stop.is_set():
            self.pace(1)
            req = self.request()
            self.count("Route", 1)
            try:
                self.routed(req.request_id, stub.Route(req, timeout=DEADLINE))
            except self.grpc.RpcError as e:
                self.fail("Route", e.code().name, e.details())

    def route_batch(self):
        stub = self.router()
        while not self.stop.is_set():
            self.pace(BATCH)
            reqs = [self.request() for _ in range(BATCH)]
            self.count("RouteBatch", BATCH)
            try:
                answer = stub.RouteBatch(self.pb.RouteBatchRequest(requests=reqs), timeout=DEADLINE)
            except self.grpc.RpcError as e:
                self.fail("RouteBatch", e.code().name, e.details(), BATCH)
                continue
            if len(answer.results) != BATCH:
                self.fail("RouteBatch", "MISSING_RESULTS", f"{len(answer.results)} of {BATCH}",
                          BATCH - len(answer.results))
            for sent, result in zip(reqs, answer.results):
                self.result("RouteBatch", sent, result)

    def route_stream(self):
        stub = self.router()
        while not self.stop.is_set():
            self.pace(STREAM)
            reqs = [self.request() for _ in range(STREAM)]
            self.count("RouteStream", STREAM)
            got = 0
            try:
                for sent, result in zip(reqs, stub.RouteStream(iter(reqs), timeout=DEADLINE)):
                    got += 1
                    self.result("RouteStream", sent, result)
            except self.grpc.RpcError as e:
                self.fail("RouteStream", e.code().name, e.details(), STREAM - got)
                continue
            if got != STREAM:
                self.fail("RouteStream", "MISSING_RESULTS", f"{got} of {STREAM}", STREAM - got)

    def record_outcome(self):
        stub = self.router()
        while not self.stop.is_set():
            try:
                request_id, codes = self.pending.popleft()
            except IndexError:
                time.sleep(0.05)
                continue
            # Mostly the first suggestion, sometimes another (a re-routed petition, 退单).
            department = codes[0] if codes and random.random() < 0.7 else \
                random.choice(codes[1:] or codes or ["unknown"])
            returned = department != (codes[0] if codes else None)
            # One outcome per petition: a second, refused or timed-out one might still have
            # been stored, which would make the final department ambiguous.
            req = self.pb.RecordOutcomeRequest(
                request_id=request_id, final_department=department, returned=returned)
            self.count("RecordOutcome", 1)
            try:
                answer = stub.RecordOutcome(req, timeout=DEADLINE)
            except self.grpc.RpcError as e:
                with self.lock:
                    self.outcomes[e.code().name] += 1
                    self.examples.setdefault(("RecordOutcome", e.code().name), e.details())
                continue
            with self.lock:
                self.outcomes["OK"] += 1
                self.routing_known[str(answer.routing_known).lower()] += 1
                json.dump({"id": request_id, "department": department,
                           "routing_known": answer.routing_known}, self.acknowledged)
                self.acknowledged.write("\n")

    def reload(self):
        if not self.args.reload_every:
            return
        for n in itertools.count(1):
            if self.stop.wait(self.args.reload_every):
                return
            corrupt = n % CORRUPT_EVERY == 0
            name = self.args.corrupt if corrupt else self.args.good
            self.count("ReloadModel", 1)
            try:
                self.admin.ReloadModel(self.admin_pb.ReloadModelRequest(model_path=name),
                                       timeout=60)
                outcome = "unexpected OK (corrupt file loaded)" if corrupt else "ok"
            except self.grpc.RpcError as e:
                if corrupt and e.code() == self.grpc.StatusCode.FAILED_PRECONDITION:
                    outcome = "refused"
                else:
                    outcome = f"unexpected {e.code().name}: {e.details()}"
            with self.lock:
                self.reloads[outcome] += 1

    def restart_postgres(self, at):
        """Restarts PostgreSQL at the given times (seconds into the run)."""
        for t in at:
            if self.stop.wait(max(0, t - self.now())):
                return
            done = subprocess.run(self.args.pg_restart, shell=True, capture_output=True)
            self.restarts.append((round(self.now()), done.returncode))
            if done.returncode != 0:
                print(f"PostgreSQL restart failed: {done.stderr.decode()}", file=sys.stderr)

    def run(self):
        seconds = self.args.minutes * 60
        # Warm-up (a few reloads included) before the first RSS sample: allocator pools,
        # caches and a second model's worth of memory settle in the first half-minute.
        warmup = min(30, seconds / 10)
        # PostgreSQL restarts every 3 minutes by default, at least 2, none in the warm-up.
        restarts = max(2, int(seconds // 180)) if self.args.pg_restarts < 0 \
            else self.args.pg_restarts
        at = [warmup + (seconds - warmup) * (i + 1) / (restarts + 1) for i in range(restarts)]
        threads = [threading.Thread(target=self.reload),
                   threading.Thread(target=self.restart_postgres, args=(at,))]
        for kind, n in WORKERS.items():
            target = {"Route": self.route, "RouteBatch": self.route_batch,
                      "RouteStream": self.route_stream, "RecordOutcome": self.record_outcome}[kind]
            threads += [threading.Thread(target=target) for _ in range(n)]
        for t in threads:
            t.start()
        time.sleep(warmup)
        next_sample = self.now()
        while self.now() < seconds:
            if self.now() >= next_sample:
                self.rss.append((round(self.now()), rss_kib(self.args.pid)))
                with self.lock:
                    done = dict(self.items)
                print(f"[{self.now():6.0f}s] RSS {self.rss[-1][1]} KiB, petitions {done}",
                      file=sys.stderr, flush=True)
                next_sample += RSS_EVERY
            time.sleep(min(1, max(0, seconds - self.now())))
        # The end sample is taken under load, as the start one was.
        self.rss.append((round(self.now()), rss_kib(self.args.pid)))
        self.stop.set()
        for t in threads:
            t.join()
        self.acknowledged.close()
        summary = {
            "seconds": round(self.now()),
            "calls": self.calls, "petitions": self.items,
            "failed": [{"method": m, "code": c, "petitions": n, "example": self.examples[(m, c)]}
                       for (m, c), n in sorted(self.failed.items())],
            "outcomes": self.outcomes,
            "outcome_errors": {c: msg for (m, c), msg in self.examples.items()
                               if m == "RecordOutcome"},
            "routing_known": self.routing_known,
            "reloads": self.reloads, "pg_restarts": self.restarts, "rss_kib": self.rss,
        }
        with open(f"{self.args.out}/summary.json", "w") as f:
            json.dump(summary, f, ensure_ascii=False, indent=1)


def report(args):
    with open(f"{args.out}/summary.json") as f:
        s = json.load(f)
    acknowledged = {}
    with open(f"{args.out}/acknowledged.jsonl") as f:
        for line in f:
            a = json.loads(line)
            acknowledged[a["id"]] = a
    exported = {}
    with open(args.export, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            exported[row["id"]] = row["label"]
    # Missing: not exported at all, or exported with another final department.
    absent = [a for i, a in acknowledged.items() if i not in exported]
    wrong = [a for i, a in acknowledged.items() if i in exported and exported[i] != a["department"]]

    print(f"soak of {s['seconds']} s")
    print("calls per method:", ", ".join(f"{m} {n}" for m, n in s["calls"].items()))
    print("petitions per method:", ", ".join(f"{m} {n}" for m, n in s["petitions"].items()))
    failed = sum(f["petitions"] for f in s["failed"])
    print(f"failed routing calls (petitions): {failed}")
    for f in s["failed"]:
        print(f"  {f['method']} {f['code']}: {f['petitions']} (e.g. {f['example']!r})")
    print("RecordOutcome statuses:", ", ".join(f"{c} {n}" for c, n in s["outcomes"].items()))
    for code, message in s["outcome_errors"].items():
        print(f"  {code}: e.g. {message!r}")
    print("  routing_known of the acknowledged:",
          ", ".join(f"{k} {n}" for k, n in s["routing_known"].items()))
    print(f"acknowledged outcomes: {len(acknowledged)}, exported rows: {len(exported)}")
    print(f"acknowledged outcomes missing from the export: {len(absent) + len(wrong)} "
          f"({len(absent)} absent, {len(wrong)} with another department)")
    for a in (absent + wrong)[:10]:
        print(f"  {a['id']} {a['department']} routing_known={a['routing_known']} "
              f"exported={exported.get(a['id'])}")
    r = s["reloads"]
    print(f"reloads: ok {r.get('ok', 0)}, refused {r.get('refused', 0)}")
    for outcome, n in r.items():
        if outcome.startswith("unexpected"):
            print(f"  WARNING: {n} x {outcome}")
    print("PostgreSQL restarts (s into the run, exit status):", s["pg_restarts"])
    (t0, start), (t1, end) = s["rss_kib"][0], s["rss_kib"][-1]
    growth = 100 * (end - start) / start
    print(f"RSS: {start} KiB at {t0} s (after warm-up), {end} KiB at {t1} s: {growth:+.1f} %")
    print("  samples (s, KiB):", " ".join(f"{t}:{k}" for t, k in s["rss_kib"]))

    missed = []
    if failed:
        missed.append(f"{failed} failed routing calls")
    if absent or wrong:
        missed.append(f"{len(absent) + len(wrong)} acknowledged outcomes missing")
    if growth >= 10:
        missed.append(f"RSS grew {growth:.1f} %")
    if not acknowledged:
        missed.append("no outcome was acknowledged: nothing was checked")
    print("verdict:", "; ".join(missed) if missed else "all targets met")
    return 1 if missed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--addr", required=True)
    r.add_argument("--pid", type=int, required=True)
    r.add_argument("--minutes", type=float, required=True)
    r.add_argument("--data", required=True)
    r.add_argument("--good", required=True, help="model file name under --model-dir")
    r.add_argument("--corrupt", required=True, help="corrupt model file name under --model-dir")
    r.add_argument("--pg-restart", required=True, help="shell command restarting PostgreSQL")
    r.add_argument("--out", required=True)
    r.add_argument("--rate", type=float, default=0,
                   help="routed petitions a second in all (0: closed loop, as fast as answered)")
    r.add_argument("--reload-every", type=float, default=5,
                   help="seconds between ReloadModel calls (0: none)")
    r.add_argument("--pg-restarts", type=int, default=-1,
                   help="PostgreSQL restarts in the run (default one per 3 minutes, at least 2)")
    c = sub.add_parser("report")
    c.add_argument("--out", required=True)
    c.add_argument("--export", required=True)
    args = p.parse_args()
    if args.command == "run":
        python_stubs.generate()
        Soak(args).run()
    else:
        sys.exit(report(args))


if __name__ == "__main__":
    main()
