"""A feature-ingestor and a feature-service on one SQLite file (Redis too where
REDIS_URL is set), one fixture document ingested through the ingestor's HTTP
API, and a Feast repository whose online store is the remote type pointed at
the service. Run through tests/feast/run.sh; every process started here is
stopped at the end."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent / "repo"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def binary(name: str) -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/sightgraph/target"))
    path = target / "debug" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: build it with `cargo build --workspace --bins` (tests/feast/run.sh does)")
    return path


def serve(name: str, env: dict, logs: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(logs / f"{name}.log", "wb")
    full = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "HOST": "127.0.0.1",
            "PORT": str(port), "RUST_LOG": "warn", **env}
    proc = subprocess.Popen([str(binary(name))], env=full, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{name} exited with {proc.returncode}:\n{(logs / f'{name}.log').read_text(errors='replace')}")
        try:
            if http("GET", f"{url}/healthz")[0] == 200:
                return proc, url
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"{name} did not answer /healthz within 30 s")


@pytest.fixture(scope="session")
def sightgraph(tmp_path_factory):
    """The service's base URL and the ingested fixture document."""
    tmp = tmp_path_factory.mktemp("sightgraph")
    env = {"SQLITE_PATH": str(tmp / "graph.db"), "FEATURE_SET": "feast-test"}
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    procs = []
    try:
        ingestor, ingest_url = serve("feature-ingestor", env, tmp)
        procs.append(ingestor)
        fixture = json.loads((ROOT / "fixtures/events/features-extracted.dog.valid.json").read_text())
        status, body = http("POST", f"{ingest_url}/", json.dumps(fixture["body"]).encode(), fixture["headers"])
        assert 200 <= status < 300, f"ingesting the fixture: {status} {body!r}"
        service, url = serve("feature-service", env, tmp)
        procs.append(service)
        yield url, fixture["body"]
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="session")
def store(sightgraph, tmp_path_factory):
    """A Feast FeatureStore over a repository whose online store is Sightgraph."""
    from feast import FeatureStore

    import objects

    url, _ = sightgraph
    repo = tmp_path_factory.mktemp("feast-repo")
    (repo / "feature_store.yaml").write_text(
        "project: sightgraph\n"
        "provider: local\n"
        f"registry: {repo / 'registry.db'}\n"
        "online_store:\n"
        "  type: remote\n"
        f"  path: {url}\n"
        "entity_key_serialization_version: 3\n"
    )
    fs = FeatureStore(repo_path=str(repo))
    fs.apply(objects.DEFINITIONS)
    return fs
