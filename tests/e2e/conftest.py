"""The original design's ingest path on local emulators, wired from real binaries.

fake-gcs-server (its own instance, publishing OBJECT_FINALIZE to a topic of this run) →
Pub/Sub emulator (the shared one from services.env, else one started here) → push
subscription → `ingest-trigger` (LAUNCHER=local) → `cv-processor` child → `--sink` →
`feature-ingestor` → SQLite. Run through scripts/e2e/run.sh; every process started here is
stopped at the end, and every log is attached to a failing test's report.
"""
import os
import uuid

import pytest

from harness import E2E_BUCKET, PROJECT, Stack, base_env, binary, http, ok, parse_env, script


@pytest.fixture
def pubsub_host(tmp_path_factory):
    """The shared emulator from services.env, else one of our own (skips where none can run)."""
    host = os.environ.get("PUBSUB_EMULATOR_HOST")
    if host:
        yield host
        return
    env = {**os.environ, "SIGHTGRAPH_RUN": str(tmp_path_factory.mktemp("pubsub-run"))}
    started = script("pubsub.sh", "start", "e2e", env=env)
    if started.returncode == 3:
        pytest.skip(f"no Pub/Sub emulator here: {started.stderr.strip()}")
    assert started.returncode == 0, started.stderr
    try:
        yield parse_env(started.stdout)["PUBSUB_EMULATOR_HOST"]
    finally:
        script("pubsub.sh", "stop", "e2e", env=env)


@pytest.fixture
def stack(tmp_path, pubsub_host):
    """The whole path, up and wired; torn down in reverse."""
    for var in ("SIGHTGRAPH_MODEL_DIR", "ORT_DYLIB_PATH"):
        if not os.environ.get(var):
            pytest.fail(f"{var} is unset: run `just models` and `source scripts/models/env.sh`")
    run_id = uuid.uuid4().hex[:8]
    topic = f"e2e-gcs-{run_id}"
    ok("PUT", f"http://{pubsub_host}/v1/projects/{PROJECT}/topics/{topic}")

    gcs_env = {**os.environ, "SIGHTGRAPH_RUN": str(tmp_path / "gcs-run"), "PUBSUB_EMULATOR_HOST": pubsub_host,
               "PUBSUB_PROJECT_ID": PROJECT, "FAKE_GCS_PUBSUB_TOPIC": topic, "FAKE_GCS_EVENTS": "finalize"}
    gcs_env.pop("FAKE_GCS_DATA", None)

    sqlite = tmp_path / "graph.db"
    s = Stack(tmp=tmp_path, pubsub_host=pubsub_host, gcs_url="", topic=topic, ingest_url="", sqlite=sqlite,
              job_logs=tmp_path / "jobs")
    s.logs.append(tmp_path / "gcs-run" / "fake-gcs-e2e" / "fake-gcs.log")
    subscriptions = []
    try:
        started = script("fake-gcs.sh", "start", "e2e", env=gcs_env)
        assert started.returncode == 0, f"fake-gcs did not start:\n{started.stderr}"
        s.gcs_url = parse_env(started.stdout)["FAKE_GCS_URL"]
        # NB: one SQLite file for both, as both share Neo4j in the cluster: ingest-trigger
        # deduplicates by content hash against what feature-ingestor wrote.
        # The emulator signs no push tokens, so verification is off as in development.
        graph_env = {**base_env(), "SQLITE_PATH": str(sqlite), "ALLOWED_BUCKETS": E2E_BUCKET,
                     "PUSH_AUTH_DISABLED": "true"}
        ingestor = s.serve("feature-ingestor", graph_env)
        s.ingest_url = s.serve("ingest-trigger", {
            **graph_env,
            "LAUNCHER": "local",
            # NB: the emulator signs no OIDC token; verification is off, as only development allows.
            "PUSH_AUTH_DISABLED": "true",
            "LOG_FORMAT": "json",  # NB: Stack.handled reads it
            "LOCAL_PROCESSOR_BIN": str(binary("cv-processor")),
            "LOCAL_SINK": f"{ingestor}/",
            "LOCAL_LOG_DIR": str(s.job_logs),
            "LOCAL_MAX_CONCURRENCY": "1",
            # Inherited by the cv-processor children:
            "GCS_BASE_URL": s.gcs_url,
            "SIGHTGRAPH_MODEL_DIR": os.environ["SIGHTGRAPH_MODEL_DIR"],
            "ORT_DYLIB_PATH": os.environ["ORT_DYLIB_PATH"],
        })
        subscriptions.append(s.subscribe(f"e2e-push-{run_id}", push_endpoint=f"{s.ingest_url}/pubsub/push"))
        s.audit = s.subscribe(f"e2e-audit-{run_id}")
        subscriptions.append(s.audit)
        yield s
    finally:
        for name in subscriptions:
            http("DELETE", f"http://{pubsub_host}/v1/projects/{PROJECT}/subscriptions/{name}")
        for proc in reversed(s.processes):
            proc.stop()
        script("fake-gcs.sh", "stop", "e2e", env=gcs_env)
        http("DELETE", f"http://{pubsub_host}/v1/projects/{PROJECT}/topics/{topic}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attaches every process log (and each cv-processor run's) to a failing test's report."""
    outcome = yield
    report = outcome.get_result()
    s = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(s, Stack):
        report.sections.append(("e2e logs", s.log_text()))
