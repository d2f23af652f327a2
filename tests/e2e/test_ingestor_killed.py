"""Scenario 4 of the reliability suite: the feature-ingestor is killed (SIGKILL) in the middle
of a stream of documents delivered by a Pub/Sub push subscription, and restarted. Every
published document must end up in the graph exactly once: Pub/Sub redelivers what was not
acknowledged, the ingestor acknowledges only after the commit, and writes are idempotent.

`just test` runs a short stream (INGESTOR_KILLED_DOCUMENTS, default 40);
bench/reliability/ingestor_killed.sh runs 200 and prints the figure. With RELIABILITY_OUT
set, the figure is also written there as JSON.
"""
import base64
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
import uuid

import pytest

from documents import base_document, derive, event_attributes
from harness import PROJECT, base_env, binary, free_port, http, ok, wait_for

DOCUMENTS = int(os.environ.get("INGESTOR_KILLED_DOCUMENTS", "40"))
# Share of the stream committed before the kill.
KILL_AT = 0.3
DRAIN_TIMEOUT = 240


class Ingestor:
    """feature-ingestor on a fixed port (the push endpoint survives restarts), one log per run."""

    def __init__(self, tmp, sqlite, pubsub_host, dead_letter_topic):
        self.tmp, self.port, self.runs, self.popen = tmp, free_port(), 0, None
        self.env = {**base_env(), "SQLITE_PATH": str(sqlite), "HOST": "127.0.0.1", "PORT": str(self.port),
                    "LOG_FORMAT": "json", "PUBSUB_EMULATOR_HOST": pubsub_host,
                    "PUBSUB_DEAD_LETTER_TOPIC": dead_letter_topic,
                    # The emulator signs no push tokens; the documents name this bucket.
                    "PUSH_AUTH_DISABLED": "true", "ALLOWED_BUCKETS": "e2e-reliability"}
        self.logs = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.runs += 1
        log = self.tmp / f"feature-ingestor-{self.runs}.log"
        self.logs.append(log)
        with open(log, "wb") as out:
            self.popen = subprocess.Popen([str(binary("feature-ingestor"))], env=self.env, stdout=out,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

        def healthy():
            if self.popen.poll() is not None:
                pytest.fail(f"feature-ingestor exited with {self.popen.returncode}:\n{log.read_text(errors='replace')}")
            try:
                return http("GET", f"{self.url}/healthz", timeout=1)[0] == 200
            except OSError:
                return False

        wait_for("feature-ingestor to answer /healthz", healthy, timeout=60)

    def kill(self):
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self):
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)

    def deliveries(self) -> list[str]:
        """The message id of every push the ingestor received, over all its runs (JSON logs)."""
        ids = []
        for log in self.logs:
            for line in log.read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("message") == "pubsub message received":
                    ids.append(entry.get("span", {}).get("message_id"))
        return ids


def graph_counts(sqlite) -> dict:
    if not sqlite.exists():
        return {}
    with sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True, timeout=5) as db:
        q = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        try:
            return {"images": q("SELECT count(*) FROM images"), "objects": q("SELECT count(*) FROM objects"),
                    "features": q("SELECT count(*) FROM features"), "relations": q("SELECT count(*) FROM relations"),
                    "runs": q("SELECT count(*) FROM runs"),
                    "duplicated_runs": q("SELECT count(*) FROM (SELECT image_id FROM runs GROUP BY image_id HAVING count(*) > 1)")}
        except sqlite3.OperationalError:  # tables not created yet
            return {}


@pytest.fixture
def wired(tmp_path, pubsub_host):
    """A topic, its dead-letter topic and a push subscription to a running feature-ingestor."""
    run = uuid.uuid4().hex[:8]
    api = f"http://{pubsub_host}/v1/projects/{PROJECT}"
    topic, dead = f"killed-{run}", f"killed-{run}-dead-letter"
    push, dead_sub = f"killed-{run}-push", f"killed-{run}-dead-letters"
    for t in (topic, dead):
        ok("PUT", f"{api}/topics/{t}")
    ok("PUT", f"{api}/subscriptions/{dead_sub}", {"topic": f"projects/{PROJECT}/topics/{dead}"})
    sqlite = tmp_path / "graph.db"
    ingestor = Ingestor(tmp_path, sqlite, pubsub_host, f"projects/{PROJECT}/topics/{dead}")
    try:
        ingestor.start()
        ok("PUT", f"{api}/subscriptions/{push}", {
            "topic": f"projects/{PROJECT}/topics/{topic}", "ackDeadlineSeconds": 30,
            "pushConfig": {"pushEndpoint": f"{ingestor.url}/pubsub/push"},
            "retryPolicy": {"minimumBackoff": "1s", "maximumBackoff": "5s"},
        })
        yield {"api": api, "topic": topic, "dead_sub": dead_sub, "ingestor": ingestor, "sqlite": sqlite, "run": run}
    finally:
        ingestor.stop()
        for path in (f"subscriptions/{push}", f"subscriptions/{dead_sub}", f"topics/{topic}", f"topics/{dead}"):
            http("DELETE", f"{api}/{path}")


def publish(api, topic, docs) -> list[str]:
    """Publishes the documents, ten per request, as cv-processor does (binary-mode CloudEvents)."""
    ids = []
    for i in range(0, len(docs), 10):
        messages = [{"data": base64.b64encode(json.dumps(d).encode()).decode(), "attributes": event_attributes(d)}
                    for d in docs[i:i + 10]]
        ids += ok("POST", f"{api}/topics/{topic}:publish", {"messages": messages})["messageIds"]
    return ids


def test_killing_the_ingestor_mid_stream_loses_and_duplicates_nothing(wired):
    # Arrange: distinct valid documents.
    base = base_document()
    docs = [derive(base, n, wired["run"]) for n in range(DOCUMENTS)]
    per_doc = {"objects": len(base["objects"]), "relations": len(base["relations"])}
    ingestor, sqlite = wired["ingestor"], wired["sqlite"]

    # Act: publish the stream (in the background, as Jobs would), SIGKILL the ingestor once
    # part of it is committed, restart it.
    message_ids, failures = [], []

    def publisher():
        try:
            for i in range(0, DOCUMENTS, 10):
                message_ids.extend(publish(wired["api"], wired["topic"], docs[i:i + 10]))
                time.sleep(0.05)
        except Exception as err:  # noqa: BLE001 - reported by the test thread
            failures.append(err)

    started = time.monotonic()
    thread = threading.Thread(target=publisher)
    thread.start()
    kill_after = max(1, int(DOCUMENTS * KILL_AT))
    wait_for(f"{kill_after} documents committed", lambda: graph_counts(sqlite).get("images", 0) >= kill_after,
             timeout=DRAIN_TIMEOUT, interval=0.01)
    ingestor.kill()
    at_kill = graph_counts(sqlite)["images"]
    published_at_kill = len(message_ids)
    time.sleep(1.0)  # Pub/Sub meets a closed port meanwhile
    restarted = time.monotonic()
    ingestor.start()
    thread.join(timeout=60)
    assert not failures and not thread.is_alive(), f"publishing failed: {failures}"
    wait_for("every document committed", lambda: graph_counts(sqlite).get("images", 0) >= DOCUMENTS,
             timeout=DRAIN_TIMEOUT, interval=0.1)
    drained = time.monotonic()
    time.sleep(2.0)  # late redeliveries of acknowledged-but-unanswered pushes land now, if any
    counts = graph_counts(sqlite)
    deliveries = ingestor.deliveries()
    dead_letters = ok("POST", f"{wired['api']}/subscriptions/{wired['dead_sub']}:pull",
                      {"maxMessages": 100, "returnImmediately": True}).get("receivedMessages", [])

    # Assert: every document once.
    figure = {
        "documents_published": len(message_ids),
        "published_at_kill": published_at_kill,
        "committed_at_kill": at_kill,
        "pushes_delivered": len(deliveries),
        "messages_delivered": len(set(deliveries)),
        "redelivered": len(deliveries) - len(set(deliveries)),
        "lost": DOCUMENTS - counts["images"],
        "duplicated": counts["runs"] - DOCUMENTS + counts["duplicated_runs"],
        "dead_lettered": len(dead_letters),
        "drain_seconds_after_restart": round(drained - restarted, 2),
        "total_seconds": round(drained - started, 2),
    }
    print("\nRELIABILITY ingestor_killed " + json.dumps(figure))
    if os.environ.get("RELIABILITY_OUT"):
        with open(os.environ["RELIABILITY_OUT"], "w") as out:
            json.dump(figure, out, indent=2)
    assert len(message_ids) == DOCUMENTS
    assert 0 < at_kill < DOCUMENTS, f"the kill must land mid-stream: {at_kill} of {DOCUMENTS} committed"
    assert published_at_kill < DOCUMENTS, "part of the stream is published while the ingestor is down"
    assert counts["images"] == DOCUMENTS and counts["runs"] == DOCUMENTS, counts
    assert counts["duplicated_runs"] == 0, counts
    assert counts["objects"] == counts["features"] == DOCUMENTS * per_doc["objects"], counts
    assert counts["relations"] == DOCUMENTS * per_doc["relations"], counts
    assert not dead_letters, f"valid documents were dead-lettered: {dead_letters[:1]}"
    assert set(deliveries) <= set(message_ids), "the ingestor saw only what was published"
    assert len(set(deliveries)) == DOCUMENTS, "every message reached a running ingestor"
