"""Shared fixtures for the offline deploy checks: repo paths and rendered kustomize output."""
import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KNATIVE = ROOT / "knative"
OVERLAYS = ["dev", "prod"]
# Overlays built on another overlay (same project and images as their base): every generic
# check runs on them too.
VARIANTS = ["prod-spanner"]
FUNCTIONS = ["ingest-trigger", "feature-ingestor", "feature-service", "cache-warmer"]
# The web UI's Knative Service and image (docker/ui.Dockerfile): static files, no Rust binary.
UI = "ui"


def kustomize(path: Path) -> list[dict]:
    """`kubectl kustomize PATH`, parsed into a list of objects."""
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is required (it embeds kustomize)")
    out = subprocess.run(
        ["kubectl", "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, f"kustomize build of {path} failed:\n{out.stderr}"
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@functools.cache
def _rendered(name: str) -> tuple:
    path = KNATIVE / "base" if name == "base" else KNATIVE / "overlays" / name
    return tuple(kustomize(path))


@pytest.fixture(params=["base", *OVERLAYS, *VARIANTS])
def rendered(request) -> list[dict]:
    """Objects of the base and of each overlay (parametrised)."""
    return [dict(o) for o in _rendered(request.param)]


def rendered_overlay(name: str) -> list[dict]:
    return list(_rendered(name))


def of_kind(objs, kind, group=None):
    return [
        o for o in objs
        if o["kind"] == kind and (group is None or o["apiVersion"].split("/")[0] == group)
    ]


def ksvcs(objs):
    return of_kind(objs, "Service", "serving.knative.dev")


def by_name(objs, name):
    found = [o for o in objs if o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one object named {name}, found {len(found)}"
    return found[0]


def node_modules() -> str:
    path = os.environ.get("SIGHTGRAPH_NODE_MODULES")
    if not path or not Path(path).is_dir():
        pytest.fail("SIGHTGRAPH_NODE_MODULES is unset: run the checks through scripts/deploy/check.sh")
    return path
