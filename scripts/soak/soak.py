#!/usr/bin/env python3
"""`make soak`: keyscope under a steady mixed load for minutes, with a
SIGTERM and a restart in the middle (issue 16). Loopback only.

It starts keyscope (a fresh data directory, `--allow-private-upstreams`) and
the plain upstream of crates/server/examples/bench_targets.rs, sets up
through the public API (the owner's one-time credentials from stdout, a
project with the upstream, two enterprise keys with a per-minute rate far
above the load, and a free-plan key), then drives at once, at fixed
moderate rates (not saturation):

  - gateway calls with the enterprise key (GATEWAY_RATE, over 2 connections),
  - gateway calls with the free-plan key (FREE_RATE), five times its 60 a
    minute on purpose: the 429s asked for,
  - `POST /v1/keys/verify` with the Project Key about the second enterprise
    key (VERIFY_RATE),
  - the console's log reads, `GET /v1/requests` with the owner's session
    (LOG_READ_RATE), with the filters the console uses.

Every SAMPLE_SECONDS it reads the server's resident memory
(/proc/PID/status VmRSS) and open file descriptors (/proc/PID/fd). Halfway
through it sends SIGTERM, waits for the exit (code 0 expected), starts the
server again on the same data directory and port, signs in again, and the
load goes on. At the end it counts the answers by status, and compares the
request ids of the answered key-authenticated calls (each answer's
X-Request-Id) with the records of the request log (`GET /v1/requests`, every
page since the run began) and with the hourly rollups (`GET /v1/usage` per
key).

Aims (it exits 1 when one is missed):
  - no error but the free key's 429s: any other status, a verification that
    is not `valid`, or a call that got no answer while the server was up,
    is a failure (calls refused while it was stopped are counted apart);
  - records lost (answered key-authenticated calls with no record) = 0;
  - resident memory flat after warm-up: in each of the two server lives, the
    last sample at most RSS_GROWTH_MIB (8) above the first sample taken
    WARMUP_SECONDS (30) into that life;
  - open file descriptors: at most FD_GROWTH (16) above that same sample.

Resident memory includes SQLite's page caches (`cache_size` 64 MiB a
connection, up to 8 pooled connections: crates/server/src/store/mod.rs).
They fill as the log grows and as reads land on connections whose cache is
not full yet, so over a few minutes on a growing database RSS rises in
steps; the samples split RSS into anonymous memory (the heap, the caches
among it) and file-backed. BENCHMARKS.md ("Soak") has a run and what it
showed.

Python 3.11, standard library only: the rates are hundreds of calls a
second, where a client thread per connection costs nothing that matters,
and the setup, the log paging and the report are easier to read as a script
than as another fat-LTO Rust example. Latency is `make bench`'s job.

Settings (environment): DURATION (seconds, default 240), GATEWAY_RATE (200),
VERIFY_RATE (100), FREE_RATE (5), LOG_READ_RATE (2), SAMPLE_SECONDS (5),
WARMUP_SECONDS (30), RSS_GROWTH_MIB (8), FD_GROWTH (16), KEYSCOPE_BIN and
TARGETS_BIN (the binaries; the Makefile passes the production builds).
"""

import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict


def setting(name, default, kind=float):
    return kind(os.environ.get(name) or default)


DURATION = setting("DURATION", 240)
GATEWAY_RATE = setting("GATEWAY_RATE", 200)
VERIFY_RATE = setting("VERIFY_RATE", 100)
FREE_RATE = setting("FREE_RATE", 5)
LOG_READ_RATE = setting("LOG_READ_RATE", 2)
SAMPLE_SECONDS = setting("SAMPLE_SECONDS", 5)
WARMUP_SECONDS = setting("WARMUP_SECONDS", 30)
RSS_GROWTH_MIB = setting("RSS_GROWTH_MIB", 8)
FD_GROWTH = setting("FD_GROWTH", 16, int)
KEYSCOPE_BIN = os.environ.get("KEYSCOPE_BIN", "target/production/keyscope")
TARGETS_BIN = os.environ.get("TARGETS_BIN", "target/production/examples/bench_targets")
SHUTDOWN_GRACE_SECONDS = 30


def log(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One keyscope process on the run's data directory."""

    def __init__(self, work, port):
        self.data_dir = os.path.join(work, "data")
        self.port = port
        self.process = None
        self.stdout_lines = []
        self.stderr = open(os.path.join(work, "keyscope.stderr"), "ab")

    def start(self):
        """Starts it and waits for 'listening on'; retries while the port is
        still held (a restart right after an exit)."""
        for _ in range(30):
            self.stdout_lines = []
            self.process = subprocess.Popen(
                [KEYSCOPE_BIN, "serve", "--allow-private-upstreams",
                 "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
                 "--web-dir", self.data_dir,
                 "--shutdown-grace-seconds", str(SHUTDOWN_GRACE_SECONDS)],
                stdout=subprocess.PIPE, stderr=self.stderr, text=True,
                env={**os.environ, "RUST_LOG": "warn"},
            )
            for line in self.process.stdout:
                self.stdout_lines.append(line.rstrip("\n"))
                if "listening on" in line:
                    # Keep reading stdout so the pipe never fills.
                    threading.Thread(target=self.process.stdout.read, daemon=True).start()
                    return
            self.process.wait()
            time.sleep(1)
        raise SystemExit("keyscope did not start (see keyscope.stderr)")

    def credentials(self):
        pick = lambda label: next(line.split()[-1] for line in self.stdout_lines if line.strip().startswith(label))
        return pick("email:"), pick("password:")

    def terminate(self):
        """SIGTERM, then the exit code and how long it took."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=SHUTDOWN_GRACE_SECONDS + 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = "did not exit; killed"
        return code, time.monotonic() - sent


class Api:
    """The management API with the owner's session."""

    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.csrf = None

    def call(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if self.cookie:
            all_headers["Cookie"] = self.cookie
        if self.csrf:
            all_headers["X-CSRF-Token"] = self.csrf
        connection.request(method, path, json.dumps(body) if body is not None else None, all_headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        if response.status >= 300:
            raise SystemExit(f"{method} {path} answered {response.status}: {data[:300]!r}")
        return response, json.loads(data)

    def sign_in(self, email, password):
        self.cookie = self.csrf = None
        response, body = self.call("POST", "/v1/session", {"email": email, "password": password})
        self.cookie = response.getheader("Set-Cookie").split(";")[0]
        self.csrf = body["data"]["csrf_token"]


class Stream(threading.Thread):
    """One keep-alive connection sending `next_call()` at a fixed rate, open
    loop: call i is due at start + i/rate; a schedule more than a second
    behind (the server was down) starts again from now instead of bursting."""

    def __init__(self, name, port, rate, next_call, run):
        super().__init__(daemon=True)
        self.name, self.port, self.rate, self.next_call, self.run_state = name, port, rate, next_call, run
        self.results = []  # (sent at, status or error kind, request id, body or None, done at)

    def run(self):
        connection = None
        interval = 1.0 / self.rate
        base, number = time.monotonic(), 0
        while not self.run_state.stopping.is_set():
            due = base + number * interval
            now = time.monotonic()
            if now < due:
                time.sleep(due - now)
            elif now - due > 1.0:
                base, number = now, 0
            number += 1
            method, path, body, headers, keep_body = self.next_call()
            sent = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                data = response.read()
                self.results.append((sent, response.status, response.getheader("X-Request-Id"),
                                     data if keep_body or response.status >= 300 else None, time.monotonic()))
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as error:
                self.results.append((sent, type(error).__name__, None, None, time.monotonic()))
                if connection is not None:
                    connection.close()
                connection = None
                time.sleep(0.05)


class RunState:
    def __init__(self):
        self.stopping = threading.Event()
        self.down = []  # (SIGTERM sent, server ready again), monotonic
        self.life = 1  # which server process runs: 1, 2; None while one stops and the next starts
        self.cookie = None


def sample(pid):
    """Resident memory in MiB (all; anonymous: the heap, SQLite's page
    caches among it; file-backed), and open file descriptors."""
    with open(f"/proc/{pid}/status") as status:
        kib = {line.split(":")[0]: int(line.split()[1]) for line in status
               if line.startswith(("VmRSS:", "RssAnon:", "RssFile:"))}
    return ((kib["VmRSS"] / 1024, kib["RssAnon"] / 1024, kib["RssFile"] / 1024),
            len(os.listdir(f"/proc/{pid}/fd")))


def main():
    for binary in (KEYSCOPE_BIN, TARGETS_BIN):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} is not built (make soak builds it)")
    work = tempfile.mkdtemp(prefix="keyscope-soak-")
    fixed_port, upstream_port, port = free_port(), free_port(), free_port()
    targets = subprocess.Popen([TARGETS_BIN, f"127.0.0.1:{fixed_port}", f"127.0.0.1:{upstream_port}"],
                               stdout=subprocess.DEVNULL)
    server = Server(work, port)
    try:
        return soak(work, server, port, upstream_port)
    finally:
        if server.process and server.process.poll() is None:
            server.process.kill()
        targets.terminate()
        targets.wait()
        if os.environ.get("KEEP_SOAK_DIR"):
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def soak(work, server, port, upstream_port):
    log(f"keyscope {KEYSCOPE_BIN}, data in {work}, {DURATION:.0f} s, SIGTERM and restart at {DURATION / 2:.0f} s")
    server.start()
    email, password = server.credentials()
    api = Api(port)
    api.sign_in(email, password)
    _, project = api.call("POST", "/v1/projects", {"name": "soak"})
    project_id = project["data"]["project"]["id"]
    api_id = project["data"]["credentials"]["api_id"]
    project_key = project["data"]["credentials"]["project_key"]
    api.call("PATCH", f"/v1/projects/{project_id}", {"upstream_url": f"http://127.0.0.1:{upstream_port}"})

    def create_key(name, plan, rate=None):
        body = {"name": name, "scopes": ["admin"], "plan": plan}
        if rate:
            body["rate_limit_per_minute"] = rate
        _, created = api.call("POST", "/v1/keys", body)
        return created["data"]["key"]["id"], created["data"]["secret"]

    gateway_key_id, gateway_key = create_key("soak gateway", "enterprise", 100_000_000)
    verified_key_id, verified_key = create_key("soak verified", "enterprise", 100_000_000)
    free_key_id, free_key = create_key("soak free", "free")
    key_names = {gateway_key_id: "gateway, enterprise key", verified_key_id: "verified key",
                 free_key_id: "gateway, free key"}
    started_at = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(seconds=1)
    since = urllib.parse.quote(started_at.isoformat().replace("+00:00", "Z"))

    run = RunState()
    run.cookie = api.cookie
    gateway_path = f"/gateway/{api_id}/items/1"
    verify_body = json.dumps({"key": verified_key, "method": "GET", "endpoint": "/items/1"})
    log_reads = [f"/v1/requests?limit=100", f"/v1/requests?key_id={free_key_id}&status=rate_limited&limit=50",
                 f"/v1/requests?from={since}&method=GET&limit=200", f"/v1/requests?project_id={project_id}&response_code=200&limit=50"]
    log_read_number = [0]

    def next_log_read():
        log_read_number[0] += 1
        return "GET", log_reads[log_read_number[0] % len(log_reads)], None, {"Cookie": run.cookie}, False

    streams = [
        *(Stream("gateway, enterprise key", port, GATEWAY_RATE / 2,
                 lambda: ("GET", gateway_path, None, {"Authorization": f"Bearer {gateway_key}"}, False), run)
          for _ in range(2)),
        Stream("gateway, free key", port, FREE_RATE,
               lambda: ("GET", gateway_path, None, {"x-api-key": free_key}, False), run),
        Stream("verify, Project Key", port, VERIFY_RATE,
               lambda: ("POST", "/v1/keys/verify", verify_body,
                        {"Authorization": f"Bearer {project_key}", "Content-Type": "application/json"}, True), run),
        Stream("console log reads", port, LOG_READ_RATE, next_log_read, run),
    ]
    samples = []  # (seconds since run start, life, seconds since life start, rss MiB, fds, anon MiB, file MiB)
    t0 = time.monotonic()
    life_start = [t0]

    def sampler():
        while not run.stopping.is_set():
            process, life = server.process, run.life
            if life is not None and process.poll() is None:
                try:
                    (rss, anon, file), fds = sample(process.pid)
                    now = time.monotonic()
                    samples.append((now - t0, life, now - life_start[0], rss, fds, anon, file))
                except (FileNotFoundError, ProcessLookupError, KeyError):
                    pass
            run.stopping.wait(SAMPLE_SECONDS)

    for stream in streams:
        stream.start()
    threading.Thread(target=sampler, daemon=True).start()
    log(f"load on: gateway {GATEWAY_RATE:g}/s (enterprise key), {FREE_RATE:g}/s (free key), "
        f"verify {VERIFY_RATE:g}/s, log reads {LOG_READ_RATE:g}/s")

    time.sleep(DURATION / 2)
    sigterm_at = time.monotonic()
    run.down.append([sigterm_at, None])
    run.life = None
    exit_code, exit_seconds = server.terminate()
    log(f"SIGTERM: exited with {exit_code} after {exit_seconds:.2f} s; starting again")
    server.start()
    life_start[0] = time.monotonic()
    run.down[-1][1] = life_start[0]
    run.life = 2
    api.sign_in(email, password)
    run.cookie = api.cookie
    restart_seconds = life_start[0] - sigterm_at
    log(f"ready again {restart_seconds:.2f} s after the SIGTERM; signed in again")

    time.sleep(max(0.0, DURATION - (time.monotonic() - t0)))
    run.stopping.set()
    for stream in streams:
        stream.join(timeout=70)
    load_seconds = time.monotonic() - t0
    log("load off; letting the log writer settle")
    time.sleep(3)

    # --- what the client saw
    down_from, down_to = run.down[0]
    by_stream = defaultdict(Counter)
    failures = []
    refused_while_down = Counter()
    answered_ids = defaultdict(set)  # key id -> request ids answered
    expected_key = {"gateway, enterprise key": gateway_key_id, "gateway, free key": free_key_id,
                    "verify, Project Key": verified_key_id}
    answered_at_sigterm = 0
    for stream in streams:
        for sent, status, request_id, body, done in stream.results:
            by_stream[stream.name][status] += 1
            if isinstance(status, str):
                if down_from - 0.5 <= sent <= down_to + 0.5:
                    refused_while_down[status] += 1
                else:
                    failures.append((stream.name, sent - t0, status, None))
                continue
            if sent < down_from <= done:
                answered_at_sigterm += 1
            ok = status == 200 or (stream.name == "gateway, free key" and status == 429)
            if ok and stream.name == "verify, Project Key":
                verdict = json.loads(body)["data"]
                ok = verdict["valid"] is True and verdict["key_id"] == verified_key_id
            if not ok:
                failures.append((stream.name, sent - t0, status, (body or b"")[:200]))
            if stream.name in expected_key and request_id:
                answered_ids[expected_key[stream.name]].add(request_id)

    # --- what the log holds: every record since the run began
    logged = defaultdict(set)
    logged_codes = Counter()
    cursor, pages = None, 0
    while True:
        path = f"/v1/requests?from={since}&limit=1000" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        _, page = api.call("GET", path)
        pages += 1
        for record in page["data"]:
            logged[record["key_id"]].add(record["id"])
            logged_codes[(record["key_id"], record["response_code"])] += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    hour = started_at.replace(minute=0, second=0)
    usage = {}
    for key_id in key_names:
        query = urllib.parse.urlencode({"key_id": key_id, "from": hour.isoformat().replace("+00:00", "Z"),
                                        "to": (hour + datetime.timedelta(hours=2)).isoformat().replace("+00:00", "Z")})
        _, summary = api.call("GET", f"/v1/usage?{query}")
        usage[key_id] = summary["data"]["totals"]["total"]

    metrics = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    metrics.request("GET", "/metrics")
    exposition = metrics.getresponse().read().decode()
    metrics.close()
    counters = {name: sum(float(line.split()[-1]) for line in exposition.splitlines()
                          if line.startswith(name) and not line.startswith("#"))
                for name in ("keyscope_request_records_queued_total", "keyscope_request_records_written_total",
                             "keyscope_request_records_dropped_total")}
    final_code, final_seconds = server.terminate()

    # --- report
    ok = True
    print()
    print(f"Soak: {load_seconds:.0f} s of load, SIGTERM at {down_from - t0:.0f} s, "
          f"exit code {exit_code} after {exit_seconds:.2f} s, ready again after {restart_seconds:.2f} s; "
          f"final SIGTERM: exit code {final_code} after {final_seconds:.2f} s.")
    print()
    print("| stream | rate asked | answered | by status | no answer, server stopped | no answer, server up |")
    print("| --- | ---: | ---: | --- | ---: | ---: |")
    rates = {"gateway, enterprise key": GATEWAY_RATE, "gateway, free key": FREE_RATE,
             "verify, Project Key": VERIFY_RATE, "console log reads": LOG_READ_RATE}
    for name in rates:
        counts = by_stream[name]
        answered = sum(count for status, count in counts.items() if isinstance(status, int))
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items(), key=str) if isinstance(status, int))
        unanswered = [(sent, status) for stream in streams if stream.name == name
                      for sent, status, _, _, _ in stream.results if isinstance(status, str)]
        stopped = sum(1 for sent, _ in unanswered if down_from - 0.5 <= sent <= down_to + 0.5)
        print(f"| {name} | {rates[name]:g}/s | {answered} | {statuses} | {stopped} | {len(unanswered) - stopped} |")
    print()
    print(f"Calls in flight when the SIGTERM was sent (sent before it, answered after): {answered_at_sigterm}. "
          f"Unanswered while the server was stopped: {dict(refused_while_down) or 'none'}.")
    if failures:
        ok = False
        print(f"\n**Errors other than the asked-for 429s: {len(failures)}** (aim: none). First ten:")
        for name, at, status, body in failures[:10]:
            print(f"  - {name} at {at:.1f} s: {status} {body!r}")
    else:
        print("\nErrors other than the asked-for 429s: **none** (aim: none).")

    print()
    print("| key | answered (client) | records in the log | lost (answered, no record) | records of unanswered calls | hourly rollups' total |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    total_lost = 0
    for key_id, name in key_names.items():
        lost = answered_ids[key_id] - logged[key_id]
        extra = logged[key_id] - answered_ids[key_id]
        total_lost += len(lost)
        print(f"| {name} | {len(answered_ids[key_id])} | {len(logged[key_id])} | {len(lost)} | {len(extra)} | {usage[key_id]} |")
    other = {key: len(ids) for key, ids in logged.items() if key not in key_names}
    print(f"\n({pages} pages of the log read back; records of other keys: {other or 'none'}.)")
    print(f"Records lost: **{total_lost}** (aim: 0). The second server's own counters (`/metrics`): "
          + ", ".join(f"{name.removeprefix('keyscope_request_records_')} {value:.0f}" for name, value in counters.items()) + ".")
    ok &= total_lost == 0

    print()
    print("| time | server life | RSS | of it anonymous | file-backed | open fds |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for at, life, _, rss, fds, anon, file in samples:
        print(f"| {at:.0f} s | {life} | {rss:.1f} MiB | {anon:.1f} MiB | {file:.1f} MiB | {fds} |")
    print()
    for life in (1, 2):
        life_samples = [s for s in samples if s[1] == life]
        warm = [s for s in life_samples if s[2] >= WARMUP_SECONDS]
        if len(warm) < 2:
            print(f"Server life {life}: too few samples after {WARMUP_SECONDS:g} s of warm-up to judge.")
            ok = False
            continue
        first, last = warm[0], warm[-1]
        growth = last[3] - first[3]
        slope = statistics.linear_regression([s[0] for s in warm], [s[3] for s in warm]).slope * 60
        fd_growth = last[4] - first[4]
        rss_ok = growth <= RSS_GROWTH_MIB
        fd_ok = fd_growth <= FD_GROWTH
        ok &= rss_ok and fd_ok
        print(f"Server life {life}: RSS {first[3]:.1f} MiB after warm-up ({first[2]:.0f} s in), "
              f"{last[3]:.1f} MiB at its last sample ({growth:+.1f} MiB, aim ≤ +{RSS_GROWTH_MIB:g}: "
              f"{'met' if rss_ok else '**missed**'}; fitted slope {slope:+.2f} MiB a minute), "
              f"peak {max(s[3] for s in life_samples):.1f} MiB; open fds {first[4]} → {last[4]} "
              f"(range {min(s[4] for s in warm)}–{max(s[4] for s in warm)}, aim ≤ +{FD_GROWTH}: {'met' if fd_ok else '**missed**'}).")
    for code, when in ((exit_code, "middle"), (final_code, "final")):
        if code != 0:
            ok = False
            print(f"**The {when} SIGTERM ended with {code}, not 0.**")
    stderr_path = os.path.join(work, "keyscope.stderr")
    with open(stderr_path, "rb") as stderr:
        lines = [line for line in stderr.read().decode(errors="replace").splitlines()
                 if "no web app found" not in line]  # the soak serves no web app
    print(f"\nServer log (RUST_LOG=warn, but for the missing web app): {len(lines)} lines"
          + ("" if not lines else "; the first five:"))
    for line in lines[:5]:
        print(f"  {line[:200]}")
    print(f"\nSoak {'passed' if ok else 'FAILED'}.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
