#!/usr/bin/python3
"""The daemon's own crash test (issue 17): a collector that retries on 503
and on transport errors loses nothing while the daemon is SIGKILLed and
restarted and PostgreSQL is restarted with fast and immediate shutdown.

Run by tests/faults/run (make test-faults; a short form inside make test).
Environment:
  EMPIRIE_BIN        the binary (default build/rel/empirie)
  FAULTS_RESPONSES   responses to submit (default 100000)
  FAULTS_CLIENTS     concurrent client connections (default 24)
  FAULTS_KILLS       daemon SIGKILLs (default 4)
  FAULTS_PG_FAST     PostgreSQL fast restarts (default 3)
  FAULTS_PG_IMMEDIATE  immediate (crash) restarts (default 3)
  FAULTS_GAP         seconds between faults (default 2.5)

Every response has a client-chosen id; a body is single (one object) or a
batch (an array of 2..40). The client retries the same body until it gets
201 (503, a transport error or no answer: wait Retry-After, capped at 0.5 s,
and send again; a 500 is counted and retried too). At the end it reads
every stored (city, id) and sends every acknowledged body once more: a
response stored with other content than acknowledged is refused 409 and
counted as mismatched. The cluster runs with fsync and synchronous_commit
on (scripts/pg-local start without --fast): the promise is about commits. Prints
  acknowledged=N stored=N lost=0 duplicates=0 mismatched=0 status_500=0
and exits 1 unless all of lost, duplicates, mismatched and status_500 are 0
and every submitted response was acknowledged.
"""
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("EMPIRIE_BIN", os.path.join(ROOT, "build/rel/empirie"))
N = int(os.environ.get("FAULTS_RESPONSES", "100000"))
CLIENTS = int(os.environ.get("FAULTS_CLIENTS", "24"))
KILLS = int(os.environ.get("FAULTS_KILLS", "4"))
PG_FAST = int(os.environ.get("FAULTS_PG_FAST", "3"))
PG_IMMEDIATE = int(os.environ.get("FAULTS_PG_IMMEDIATE", "3"))
GAP = float(os.environ.get("FAULTS_GAP", "2.5"))
SURVEY = "satysfakcja-pracownikow"


def log(*a):
    print("faults:", *a, file=sys.stderr, flush=True)


class Cluster:
    def __init__(self, base):
        self.env = dict(os.environ, EMPIRIE_PG_DIR=base,
                        PGLOCAL_PORT=str(30000 + os.getpid() % 20000))
        self.base = base

    def run(self, *args, mode=None):
        env = dict(self.env)
        if mode:
            env["PGLOCAL_STOP_MODE"] = mode
        subprocess.run([os.path.join(ROOT, "scripts/pg-local"), *args], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def conninfo(self):
        with open(os.path.join(self.base, "conninfo")) as f:
            return f.read().strip()

    def psql(self, sql):
        out = subprocess.run([os.path.join(ROOT, "scripts/pg-local"), "psql", "-X", "-At",
                              "-v", "ON_ERROR_STOP=1", "-c", sql], env=self.env, check=True,
                             capture_output=True, text=True)
        return out.stdout


class Daemon:
    def __init__(self, conninfo, port, logpath):
        self.conninfo, self.port, self.logpath = conninfo, port, logpath
        self.proc = None

    def start(self):
        logf = open(self.logpath, "a")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", self.conninfo, "--listen", f"127.0.0.1:{self.port}",
             "--pool", "8", "--writers", "2", "--db-timeout", "3", "--retry-after", "1",
             "--allow-closed-waves"],
            stdout=subprocess.DEVNULL, stderr=logf)
        logf.close()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}          # (city, id) -> the body text it went in
        self.bodies = []         # every acknowledged body
        self.status = {}         # answers by status
        self.transport = 0
        self.submitted = 0


def make_generator(defn, wave, cities, seed):
    rng = random.Random(seed)
    inst = defn

    def answer(it):
        t = it.get("type") or inst["scales"][it["scale"]]["type"]
        if t in ("likert", "scale"):
            sc = inst["scales"][it["scale"]] if "scale" in it else it
            return rng.randint(sc["min"], sc["max"])
        if t == "single":
            return rng.choice([o["code"] for o in it["options"]])
        if t == "multi":
            codes = [o["code"] for o in it["options"]]
            return sorted(rng.sample(codes, rng.randint(0, min(3, len(codes)))))
        return None

    def one():
        attrs = {a["code"]: rng.choice([o["code"] for o in a["options"]])
                 for a in inst.get("attributes", [])}
        answers = {}
        for it in inst["items"]:
            v = answer(it)
            if v is not None:
                answers[it["code"]] = v
        r = {"survey": SURVEY, "wave": wave, "city": rng.choice(cities),
             "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
             "attributes": attrs, "answers": answers}
        if inst.get("weighted"):
            r["weight"] = 1.0
        return r
    return rng, one


def post(conn_box, port, token, body):
    """One attempt: (status, headers dict, text) or None on a transport error."""
    try:
        if conn_box[0] is None:
            conn_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        c = conn_box[0]
        c.request("POST", "/v1/responses", body=body,
                  headers={"Authorization": "Bearer " + token,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        text = r.read()
        if r.getheader("Connection", "").lower() == "close":
            c.close()
            conn_box[0] = None
        return r.status, r.getheader("Retry-After"), text
    except (OSError, http.client.HTTPException):
        if conn_box[0] is not None:
            conn_box[0].close()
        conn_box[0] = None
        return None


def client(k, port, token, gen, stats, quota, stop):
    rng, one = gen
    box = [None]
    while not stop.is_set():
        with stats.lock:
            if stats.submitted >= quota():
                break
            size = 1 if rng.random() < 0.5 else rng.randint(2, 40)
            stats.submitted += size
        items = [one() for _ in range(size)]
        body = json.dumps(items[0] if size == 1 else items)
        while True:
            res = post(box, port, token, body)
            if res is None:
                with stats.lock:
                    stats.transport += 1
                time.sleep(0.05 + rng.random() * 0.1)
                continue
            status, retry, text = res
            with stats.lock:
                stats.status[status] = stats.status.get(status, 0) + 1
            if status == 201:
                with stats.lock:
                    for r in items:
                        stats.acked[(r["city"], r["id"])] = body
                    stats.bodies.append(body)
                break
            if status in (503, 500):
                wait = min(float(retry or 1), 0.5)
                time.sleep(wait * (0.5 + rng.random()))
                continue
            log(f"client {k}: unexpected {status}: {text[:200]!r}")
            break
    if box[0] is not None:
        box[0].close()


def main():
    base = tempfile.mkdtemp(prefix="empirie-faults.")
    os.chmod(base, 0o755)
    cluster = Cluster(os.path.join(base, "cluster"))
    daemon = None
    try:
        # not --fast: that cluster commits asynchronously (synchronous_commit
        # off), so an immediate shutdown loses commits already reported
        cluster.run("start")
        ci = cluster.conninfo()
        for args in (["migrate"], ["registry", "load"]):
            subprocess.run([BIN, *args, "--db", ci], check=True, stdout=subprocess.DEVNULL)
        token = subprocess.run([BIN, "token", "create", "--role", "admin", "--label", "crash test", "--db", ci],
                               check=True, capture_output=True, text=True).stdout.split()[-1]
        cities = [c for c in cluster.psql("SELECT slug FROM city ORDER BY slug").split() if c]
        port = free_port()
        daemon = Daemon(ci, port, os.path.join(base, "daemon.log"))
        daemon.start()
        defn = None
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/v1/surveys/" + SURVEY,
                          headers={"Authorization": "Bearer " + token})
                r = c.getresponse()
                doc = json.loads(r.read())
                c.close()
                if r.status == 200:
                    defn = doc
                    break
            except (OSError, http.client.HTTPException, ValueError):
                pass
            time.sleep(0.1)
        if defn is None:
            raise SystemExit("faults: the daemon did not come up")
        wave = defn["waves"][-1]["label"]
        inst = defn["definition"]

        stats = Stats()
        stop = threading.Event()
        faults_done = threading.Event()
        # the quota grows while faults are still to come, so that every
        # fault happens under load
        quota = lambda: N if faults_done.is_set() else 10 ** 9
        threads = [threading.Thread(target=client,
                                    args=(k, port, token, make_generator(inst, wave, cities, k),
                                          stats, quota, stop))
                   for k in range(CLIENTS)]
        t0 = time.time()
        for t in threads:
            t.start()
        plan = (["kill"] * KILLS + ["fast"] * PG_FAST + ["immediate"] * PG_IMMEDIATE)
        random.Random(17).shuffle(plan)
        done = []
        for what in plan:
            time.sleep(GAP)
            if what == "kill":
                daemon.kill()
                daemon.start()
            else:
                cluster.run("stop", mode=what)
                time.sleep(0.3)
                cluster.run("start")
            done.append(what)
            with stats.lock:
                log(f"{time.time() - t0:6.1f}s {what:9s} acknowledged so far "
                    f"{len(stats.acked)}")
        faults_done.set()
        for t in threads:
            t.join()
        elapsed = time.time() - t0

        # what the database holds
        rows = cluster.psql("SELECT city || ' ' || id FROM response").split("\n")
        stored = set()
        for line in rows:
            if line:
                city, rid = line.split(" ")
                stored.add((city, rid))
        duplicates = int(cluster.psql(
            "SELECT count(*) - count(DISTINCT (city, id)) FROM response").strip())
        acked = set(stats.acked)
        lost = len(acked - stored)
        unacknowledged = len(stored - acked)
        # every acknowledged body again: a response stored with other content is 409
        mismatched = [0]
        queue = list(stats.bodies)
        qlock = threading.Lock()

        def verify():
            box = [None]
            while True:
                with qlock:
                    if not queue:
                        break
                    body = queue.pop()
                while True:
                    res = post(box, port, token, body)
                    if res is None or res[0] == 503:
                        time.sleep(0.1)
                        continue
                    break
                status, _, text = res
                if status != 201:   # 409: stored with other content
                    if status != 409:
                        log(f"re-submission answered {status}: {text[:200]!r}")
                    with qlock:
                        mismatched[0] += 1
            if box[0] is not None:
                box[0].close()
        checkers = [threading.Thread(target=verify) for _ in range(8)]
        for t in checkers:
            t.start()
        for t in checkers:
            t.join()
        mismatched = mismatched[0]
        rc_stop = daemon.stop()
        daemon = None
        s500 = stats.status.get(500, 0)
        with open(os.path.join(base, "daemon.log")) as f:
            logged_500 = sum(1 for line in f if " status=500 " in line)
        s500 = max(s500, logged_500)
        log(f"{elapsed:.1f}s, {stats.submitted} responses submitted by {CLIENTS} clients, "
            f"faults: {', '.join(done)}; answers: "
            + ", ".join(f"{k}={v}" for k, v in sorted(stats.status.items()))
            + f", transport errors {stats.transport}; 500 in the daemon's log {logged_500}; "
            f"stored without an acknowledgement "
            f"{unacknowledged}; daemon exit {rc_stop}")
        print(f"acknowledged={len(acked)} stored={len(stored)} lost={lost} "
              f"duplicates={duplicates} mismatched={mismatched} status_500={s500}", flush=True)
        ok = (lost == 0 and duplicates == 0 and mismatched == 0 and s500 == 0 and
              len(acked) == stats.submitted and len(acked) >= min(N, stats.submitted) and
              rc_stop == 0)
        return 0 if ok else 1
    finally:
        if daemon is not None:
            daemon.kill()
        try:
            cluster.run("destroy")
        except subprocess.CalledProcessError:
            pass
        subprocess.run(["rm", "-rf", base])


if __name__ == "__main__":
    sys.exit(main())
