"""The pieces the emulator end-to-end test is built from: HTTP and Pub/Sub/fake-gcs REST
helpers, child processes in their own process groups, and the `Stack` handle the test uses
(what ran, what ingest-trigger answered, what the graph holds, every log)."""
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services"
PROJECT = os.environ.get("PUBSUB_PROJECT_ID", "sightgraph-test")
# The bucket the test uploads to, and so the functions' ALLOWED_BUCKETS.
E2E_BUCKET = "e2e-raw-images"
# Variables the functions read that a developer's shell or services.env may hold: the
# children get a clean environment so that, e.g., NEO4J_URI cannot swap the graph store.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "TMPDIR", "LD_LIBRARY_PATH", "RUST_BACKTRACE")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LINE_LIMIT = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None, content_type="application/json", timeout=10.0):
    """One request; returns (status, text). JSON bodies are encoded here."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def ok(method: str, url: str, body=None, **kw) -> dict:
    status, text = http(method, url, body, **kw)
    assert 200 <= status < 300, f"{method} {url} -> {status}: {text}"
    return json.loads(text) if text.strip() else {}


def wait_for(what: str, probe, timeout: float, interval: float = 0.2):
    """Polls `probe` until it returns something truthy; fails naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def script(name: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(SERVICES / name), *args], env=env, capture_output=True, text=True, timeout=120)


def parse_env(text: str) -> dict:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


@dataclass
class Process:
    """A child in its own process group, so that stopping it also stops what it spawned."""
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)


@dataclass
class Stack:
    """Everything one test run started, with the handles the test needs."""
    tmp: Path
    pubsub_host: str
    gcs_url: str
    topic: str
    ingest_url: str
    sqlite: Path
    job_logs: Path
    audit: str = ""  # a pull subscription on the topic: what was published, as delivered
    processes: list = field(default_factory=list)
    logs: list = field(default_factory=list)

    # --- Pub/Sub emulator REST ---
    def pubsub(self, method: str, path: str, body=None) -> dict:
        return ok(method, f"http://{self.pubsub_host}/v1/projects/{PROJECT}/{path}", body)

    def subscribe(self, name: str, push_endpoint: str | None = None) -> str:
        body = {"topic": f"projects/{PROJECT}/topics/{self.topic}", "ackDeadlineSeconds": 30}
        if push_endpoint:
            body["pushConfig"] = {"pushEndpoint": push_endpoint}
        self.pubsub("PUT", f"subscriptions/{name}", body)
        return name

    def pull(self, subscription: str) -> list[dict]:
        """Pulls and acknowledges what is there now; returns the messages."""
        got = self.pubsub("POST", f"subscriptions/{subscription}:pull",
                          {"maxMessages": 10, "returnImmediately": True}).get("receivedMessages", [])
        if got:
            self.pubsub("POST", f"subscriptions/{subscription}:acknowledge", {"ackIds": [m["ackId"] for m in got]})
        return [m["message"] for m in got]

    def publish(self, message: dict) -> str:
        """Publishes the same data and attributes again; returns the new message id."""
        sent = self.pubsub("POST", f"topics/{self.topic}:publish",
                           {"messages": [{"data": message.get("data", ""), "attributes": message.get("attributes", {})}]})
        return sent["messageIds"][0]

    # --- fake-gcs-server's own JSON and upload API ---
    def create_bucket(self, bucket: str):
        ok("POST", f"{self.gcs_url}/storage/v1/b?project={PROJECT}", {"name": bucket})

    def upload(self, bucket: str, name: str, path: Path, content_type: str) -> dict:
        q = urllib.parse.urlencode({"uploadType": "media", "name": name})
        return ok("POST", f"{self.gcs_url}/upload/storage/v1/b/{bucket}/o?{q}", path.read_bytes(),
                  content_type=content_type)

    # --- what the functions did ---
    def outcomes(self) -> dict[str, float]:
        """ingest-trigger's `ingest_events_total` by outcome, from its /metrics."""
        status, text = http("GET", f"{self.ingest_url}/metrics")
        assert status == 200, text
        found = re.findall(r'^ingest_events_total\{[^}]*outcome="(\w+)"[^}]*\} (\S+)$', text, re.M)
        return {k: float(v) for k, v in found}

    def handled(self) -> list[tuple[str, str]]:
        """(Pub/Sub message id, outcome) of every delivery ingest-trigger answered, in order,
        from its JSON log (the `handle` span records both)."""
        found = []
        for line in (self.tmp / "ingest-trigger.log").read_text(errors="replace").splitlines():
            try:
                span = json.loads(line).get("span", {})
            except ValueError:
                continue
            if "outcome" in span and "event_id" in span:
                found.append((span["event_id"], span["outcome"]))
        return found

    def graph(self, sql: str, *args) -> list[tuple]:
        if not self.sqlite.exists():
            return []
        with sqlite3.connect(f"file:{self.sqlite}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(sql, args).fetchall()

    def counts(self) -> dict[str, int]:
        tables = [t for (t,) in self.graph("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: self.graph(f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}

    def processed(self, uri: str) -> bool:
        """Whether the graph has a run of `uri`; fails at once when a process or a run died."""
        for proc in self.processes:
            if proc.popen.poll() is not None:
                pytest.fail(f"{proc.name} exited with {proc.popen.returncode}")
        trigger_log = self.tmp / "ingest-trigger.log"
        if trigger_log.exists() and "local job failed" in trigger_log.read_text(errors="replace"):
            pytest.fail("a cv-processor run failed (its log is below)")
        return bool(self.graph("SELECT 1 FROM runs WHERE uri = ?", uri))

    def job_runs(self) -> list[str]:
        return sorted(p.name for p in self.job_logs.glob("*.log"))

    def log_text(self) -> str:
        parts = []
        for path in [*self.logs, *sorted(self.job_logs.glob("*.log"))]:
            text = path.read_text(errors="replace") if path.exists() else "(missing)"
            # NB: ANSI colours stripped, and lines cut: cv-processor prints its whole document.
            lines = [ANSI.sub("", line)[:LINE_LIMIT] for line in text.splitlines()[-80:]]
            parts.append(f"==== {path.name} (last 80 lines)\n" + "\n".join(lines))
        return "\n".join(parts)

    # --- starting things ---
    def spawn(self, name: str, argv: list[str], env: dict) -> Process:
        log = self.tmp / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as out:
            popen = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        proc = Process(name, popen, log)
        self.processes.append(proc)
        return proc

    def serve(self, name: str, env: dict) -> str:
        """Starts a function binary on a free port and waits for its /healthz."""
        port = free_port()
        proc = self.spawn(name, [str(binary(name))], {**env, "HOST": "127.0.0.1", "PORT": str(port)})
        url = f"http://127.0.0.1:{port}"

        def healthy():
            if proc.popen.poll() is not None:
                pytest.fail(f"{name} exited with {proc.popen.returncode}:\n{proc.log.read_text(errors='replace')}")
            try:
                return http("GET", f"{url}/healthz", timeout=1)[0] == 200
            except OSError:
                return False

        wait_for(f"{name} to answer /healthz", healthy, timeout=30)
        return url


def binary(name: str) -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/sightgraph/target"))
    path = target / "debug" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: build it with `cargo build --workspace --bins` (scripts/e2e/run.sh does)")
    return path


def base_env() -> dict:
    env = {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}
    env["RUST_LOG"] = os.environ.get("E2E_RUST_LOG", "info")
    return env
