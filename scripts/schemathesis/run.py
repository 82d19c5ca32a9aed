"""The API against its own contract: Schemathesis generates calls from the
OpenAPI document the server serves (`/v1/openapi.json`) and checks every
answer against it: no server error, no body that breaks its schema, no
status, content type or header the document does not list.

It starts the built server (KEYSCOPE_BIN, default target/debug/keyscope) on
a free loopback port and a fresh data directory, signs in as the owner with
the one-time credentials the first start prints, creates a project and an
enterprise-plan admin key (so rate limits do not turn the run into 429s),
then runs Schemathesis twice: once with the key as `Authorization: Bearer`,
once with the console session's cookie and its CSRF token. The gateway
(`/gateway/...`: its answers are the customer's upstream's) and the
never-ending live feed (`/v1/requests/live`) are left out. Any finding
fails the run; the server's log is printed after a failed run.

Run with the project's venv (scripts/setup.sh --contract makes it):
    .venv-schemathesis/bin/python scripts/schemathesis/run.py
Longer or different runs (`make contract` passes these through):
    CONTRACT_EXAMPLES=500  test cases per operation and phase (default 20)
    CONTRACT_SEED=n        another seed (default 16, fixed: a run repeats)
    CONTRACT_ARGS='...'    more Schemathesis options, e.g. '--max-time 600'
"""

import http.cookies
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
EXAMPLES = os.environ.get("CONTRACT_EXAMPLES", "20")
SEED = os.environ.get("CONTRACT_SEED", "16")
# The JUnit report and every call made (HAR), kept after the run.
REPORTS = Path(os.environ.get("CONTRACT_REPORTS", REPO / "target" / "schemathesis"))
EXTRA = shlex.split(os.environ.get("CONTRACT_ARGS", ""))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
    ]
)


def say(text):
    print(f"contract: {text}", flush=True)


def start_server(binary, work):
    data_dir = work / "data"
    web_dir = work / "web"
    web_dir.mkdir()
    log = open(work / "server.log", "w")
    server = subprocess.Popen(
        [
            str(binary),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            str(data_dir),
            "--web-dir",
            str(web_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "RUST_LOG": "warn"},
    )
    owner = {}
    deadline = time.monotonic() + 60
    for line in server.stdout:
        for name in ("email", "password"):
            found = re.search(rf"{name}:\s+(\S+)", line)
            if found:
                owner.setdefault(name, found.group(1))
        listening = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if listening:
            # Whatever else it prints must not fill the pipe and stall it.
            threading.Thread(target=server.stdout.read, daemon=True).start()
            return server, listening.group(1), owner
        if time.monotonic() > deadline:
            break
    server.kill()
    sys.exit(f"contract: the server did not start; its log: {work / 'server.log'}")


def call(base, method, path, body=None, headers=None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer), answer.headers


class Credentials:
    """What the runs call with: the console session, the admin key, and the
    project's Project Key (verify's)."""

    def __init__(self, base, owner):
        if "email" not in owner or "password" not in owner:
            sys.exit("contract: the server printed no owner credentials")
        signed_in, headers = call(
            base, "POST", "/v1/session", {"email": owner["email"], "password": owner["password"]}
        )
        cookie = http.cookies.SimpleCookie()
        for value in headers.get_all("Set-Cookie") or []:
            cookie.load(value)
        self.console = {
            "Cookie": f"ks_session={cookie['ks_session'].value}",
            "X-CSRF-Token": signed_in["data"]["csrf_token"],
        }
        project, _ = call(base, "POST", "/v1/projects", {"name": "schemathesis"}, self.console)
        self.project_key = {"Authorization": f"Bearer {project['data']['credentials']['project_key']}"}
        # The plan's 1,000 calls a minute would still refuse a longer run's
        # calls; the key's own rate lifts that.
        created, _ = call(
            base,
            "POST",
            "/v1/keys",
            {
                "name": "schemathesis",
                "scopes": ["admin"],
                "plan": "enterprise",
                "rate_limit_per_minute": 100_000_000,
            },
            self.console,
        )
        self.key_id = created["data"]["key"]["id"]
        self.key = {"Authorization": f"Bearer {created['data']['secret']}"}


def schemathesis(base, name, headers, selection, work, protected_key):
    command = [
        str(VENV_BIN / "schemathesis"),
        "run",
        f"{base}/v1/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "2",
        "--request-timeout",
        "10",
        # The run's own credentials only, rather than made-up ones beside
        # them (which the server, rightly, refuses with 401 every time).
        "--generation-with-security-parameters",
        "false",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit,har",
        "--report-dir",
        str(REPORTS / name),
        *selection,
    ]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    command += EXTRA
    shown = [f"{part.split(':')[0]}: …" if part.startswith(tuple(headers)) else part for part in command]
    say(f"{name}: {shlex.join(shown)}")
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parent),
        "SCHEMATHESIS_HOOKS": "hooks",
        "CONTRACT_PROTECTED_KEY": protected_key,
    }
    return subprocess.run(command, cwd=work, env=env).returncode


# Left out of every run: the gateway (its answers are the customer's
# upstream's) and the live feed (an answer that never ends).
NOT_TESTED = ["--exclude-path-regex", r"^/gateway/", "--exclude-path", "/v1/requests/live"]


def main():
    binary = Path(os.environ.get("KEYSCOPE_BIN", REPO / "target" / "debug" / "keyscope"))
    if not binary.is_file():
        sys.exit(f"contract: no server binary at {binary}; build it or set KEYSCOPE_BIN")
    started = time.monotonic()
    failed = []
    with tempfile.TemporaryDirectory(prefix="keyscope-contract-") as work:
        work = Path(work)
        # Its own copy: a build elsewhere may replace the binary meanwhile.
        binary = Path(shutil.copy2(binary, work / "keyscope"))
        server, base, owner = start_server(binary, work)
        try:
            credentials = Credentials(base, owner)
            runs = [
                # Verify, with the Project Key it asks for; first, before a
                # later run regenerates the project's credentials.
                ("project-key", credentials.project_key, ["--include-name", "POST /v1/keys/verify"]),
                ("key", credentials.key, NOT_TESTED),
                # Signing out would end the session the rest of the run uses
                # (the key run has it answer 401).
                ("session", credentials.console, [*NOT_TESTED, "--exclude-name", "DELETE /v1/session"]),
            ]
            for name, headers, selection in runs:
                if schemathesis(base, name, headers, selection, work, credentials.key_id):
                    failed.append(name)
            # A run whose credentials died halfway tested only 401s.
            for name, headers, path in [
                ("key", credentials.key, "/v1/key"),
                ("session", credentials.console, "/v1/users"),
            ]:
                try:
                    call(base, "GET", path, headers=headers)
                except urllib.error.HTTPError as error:
                    failed.append(f"the {name} no longer works at the end ({error.code})")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
        if server.returncode != 0:
            failed.append(f"the server exited with {server.returncode}")
        if failed:
            log = (work / "server.log").read_text()
            print(f"--- the server's log ---\n{log}--- end ---")
    elapsed = time.monotonic() - started
    if failed:
        say(f"FAILED ({', '.join(failed)}) in {elapsed:.0f} s; reports in {REPORTS}")
        return 1
    say(f"passed in {elapsed:.0f} s; reports in {REPORTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
