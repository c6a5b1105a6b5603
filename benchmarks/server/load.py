"""Load on the web application: authenticated clients pulling and closing items through the JSON API.

Each client logs in once (POST /api/v1/session), then repeats: POST /api/v1/queue/next, then
POST /api/v1/items/{id}/close. Clients are spread over the servers given (several processes on one
PostgreSQL store). Reports throughput and p50/p99 latency per operation, and the checks: no item
assigned twice, every close answered 200 recorded once.

With --kill PID_FILE:AFTER_SECONDS:RESTART_COMMAND the server whose pid is in PID_FILE is killed
with SIGKILL after that many seconds and restarted by the command; clients retry an operation that
failed on the connection (with the same session: sessions live in the store). With
--disrupt AFTER_SECONDS:COMMAND the command (a PostgreSQL restart) runs during the load; operations
answered 503 (the store unavailable, nothing recorded) are retried.

With --rate R the load is an open loop: the clients together start R operations per second on a
fixed schedule, each client's operations evenly spaced, and a latency counts from the operation's
scheduled start, so that an answer late enough to delay the next one is charged to both (no
coordinated omission). Without it each client sends its next request as soon as the last is
answered, and the figures are the saturation point (latency is then mostly queueing: with 50
clients, mean latency = 50 / throughput).

Usage: python load.py --server http://127.0.0.1:8081 [--server …] --users PREFIX --password PW
                      [--clients 50] [--operations 200] [--rate R] [--json OUT]
"""
import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--server", action="append", required=True)
parser.add_argument("--users", required=True, help="user names are PREFIX0, PREFIX1, …")
parser.add_argument("--password", required=True)
parser.add_argument("--clients", type=int, default=50)
parser.add_argument("--operations", type=int, default=200, help="pulls (and as many closes) per client")
parser.add_argument("--kill", help="PID_FILE:AFTER_SECONDS:RESTART_COMMAND")
parser.add_argument("--disrupt", help="AFTER_SECONDS:COMMAND")
parser.add_argument("--rate", type=float,
                    help="offered operations per second over all clients (open loop); default: each client as fast as answered")
parser.add_argument("--json")
args = parser.parse_args()


class Client:
    def __init__(self, base, user):
        self.url = urllib.parse.urlparse(base)
        self.user = user
        self.connection = None
        self.cookie = None
        self.csrf = None

    def connect(self):
        self.connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)

    def call(self, method, path, body):
        """One request; on a broken connection (a killed server) reconnects and retries until it answers."""
        payload = json.dumps(body)
        for attempt in range(600):
            try:
                if self.connection is None:
                    self.connect()
                headers = {"Content-Type": "application/json"}
                if self.cookie:
                    headers["Cookie"] = self.cookie
                    headers["X-CSRF-Token"] = self.csrf
                self.connection.request(method, path, payload, headers)
                response = self.connection.getresponse()
                data = response.read()
                if response.status == 503:  # the store is restarting: nothing was recorded, retry
                    time.sleep(0.2)
                    continue
                return response.status, data, response.getheader("Set-Cookie"), attempt
            except (ConnectionError, http.client.HTTPException, OSError):
                self.connection = None
                time.sleep(0.1)
        raise RuntimeError("server never came back")

    def login(self):
        status, data, cookie, _ = self.call("POST", "/api/v1/session", {"user": self.user, "password": args.password})
        assert status == 200, (status, data)
        self.cookie = cookie.split(";")[0]
        self.csrf = json.loads(data)["csrfToken"]


latencies = {"next": [], "close": []}
pulled = []  # (client, item)
closed_ok = []
errors = []
retried = [0]
lock = threading.Lock()


class Schedule:
    """When a client's next operation starts: now (closed loop), or its slot in the open loop."""

    def __init__(self, k):
        self.interval = args.clients / args.rate if args.rate else 0.0
        self.slot = None
        self.offset = k * self.interval / args.clients

    def start(self):
        if not args.rate:
            return time.perf_counter()
        if self.slot is None:
            self.slot = begin[0] + self.offset
        else:
            self.slot += self.interval
        delay = self.slot - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return self.slot


def work(k):
    client = Client(args.server[k % len(args.server)], f"{args.users}{k}")
    schedule = Schedule(k)
    try:
        try:
            client.login()
        finally:
            logged_in.wait()
        ready.wait()
        for _ in range(args.operations):
            start = schedule.start()
            status, data, _, attempts = client.call("POST", "/api/v1/queue/next", {})
            elapsed = time.perf_counter() - start
            if status == 204:
                break
            if status != 200:
                with lock:
                    errors.append(("next", status, data[:200]))
                continue
            item = json.loads(data)["id"]
            with lock:
                latencies["next"].append(elapsed)
                pulled.append((k, item))
                retried[0] += attempts > 0
            start = schedule.start()
            status, data, _, attempts = client.call("POST", f"/api/v1/items/{item}/close", {"indu": 0, "judgement": "agree"})
            elapsed = time.perf_counter() - start
            with lock:
                retried[0] += attempts > 0
                if status == 200:
                    latencies["close"].append(elapsed)
                    closed_ok.append(item)
                elif status == 409 and attempts > 0:
                    # The close was applied before the kill but its answer was lost: the retry finds it closed.
                    closed_ok.append(item)
                else:
                    errors.append(("close", status, data[:200]))
    except Exception as e:  # noqa: BLE001 - reported in the figures
        with lock:
            errors.append(("client", 0, repr(e)))


def killer():
    pid_file, after, command = args.kill.split(":", 2)
    time.sleep(float(after))
    pid = int(open(pid_file).read())
    os.kill(pid, signal.SIGKILL)
    print(f"killed server {pid} with SIGKILL after {after} s", file=sys.stderr)
    time.sleep(0.5)
    subprocess.Popen(command, shell=True)


def disrupter():
    after, command = args.disrupt.split(":", 1)
    time.sleep(float(after))
    print(f"running '{command}' after {after} s", file=sys.stderr)
    subprocess.run(command, shell=True, check=False)


# Clients log in first (bcrypt on the servers); the clock starts when all have.
logged_in = threading.Barrier(args.clients + 1)
ready = threading.Event()
begin = [0.0]
threads = [threading.Thread(target=work, args=(k,)) for k in range(args.clients)]
for t in threads:
    t.start()
logged_in.wait()
start = begin[0] = time.perf_counter()
if args.kill:
    threading.Thread(target=killer, daemon=True).start()
if args.disrupt:
    threading.Thread(target=disrupter, daemon=True).start()
ready.set()
for t in threads:
    t.join()
wall = time.perf_counter() - start


def percentile(values, p):
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


items = [i for _, i in pulled]
all_latencies = latencies["next"] + latencies["close"]
result = {
    "servers": len(args.server),
    "clients": args.clients,
    "offeredPerSecond": args.rate,
    "operations": len(all_latencies),
    "pulls": len(items),
    "closes": len(closed_ok),
    "seconds": round(wall, 3),
    "operationsPerSecond": round(len(all_latencies) / wall, 1),
    "p50ms": round(percentile(all_latencies, 0.50), 2),
    "p99ms": round(percentile(all_latencies, 0.99), 2),
    "nextP50ms": round(percentile(latencies["next"], 0.50), 2),
    "nextP99ms": round(percentile(latencies["next"], 0.99), 2),
    "closeP50ms": round(percentile(latencies["close"], 0.50), 2),
    "closeP99ms": round(percentile(latencies["close"], 0.99), 2),
    "assignedTwice": len(items) - len(set(items)),
    "closedTwiceByClients": len(closed_ok) - len(set(closed_ok)),
    "retriedOperations": retried[0],
    "errors": len(errors),
    "firstErrors": [str(e) for e in errors[:5]],
    "closedItems": sorted(set(closed_ok)),
}
summary = {k: v for k, v in result.items() if k != "closedItems"}
print(json.dumps(summary, indent=2))
if args.json:
    with open(args.json, "w") as f:
        json.dump(result, f)
sys.exit(0 if not errors and result["assignedTwice"] == 0 else 1)
