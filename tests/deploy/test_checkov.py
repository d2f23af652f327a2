"""Static policy scan (checkov, offline): every finding is fixed or skipped with a reason."""
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import KNATIVE, OVERLAYS, ROOT, VARIANTS, rendered_overlay


def checkov(directory: Path, framework: str) -> dict:
    exe = os.environ.get("SIGHTGRAPH_CHECKOV")
    if not exe:
        pytest.fail("SIGHTGRAPH_CHECKOV is unset: run the checks through scripts/deploy/check.sh")
    out = subprocess.run(
        [exe, "-d", str(directory), "--framework", framework, "--skip-download", "--quiet",
         "-o", "json", "--compact"],
        capture_output=True, text=True, check=False,
    )
    report = json.loads(out.stdout) if out.stdout.strip() else {}
    assert out.returncode in (0, 1), out.stderr[-2000:]
    return report


def failures(report) -> list[str]:
    reports = report if isinstance(report, list) else [report]
    return [f"{c['check_id']} {c['resource']} ({c['file_path']})"
            for r in reports for c in r.get("results", {}).get("failed_checks", [])]


def skips_have_reasons(report):
    reports = report if isinstance(report, list) else [report]
    for r in reports:
        for c in r.get("results", {}).get("skipped_checks", []):
            assert (c.get("check_result", {}).get("suppress_comment") or "").strip(), f"{c['check_id']} skipped without a reason"


@pytest.mark.parametrize("framework,path", [("terraform", ROOT / "terraform"), ("dockerfile", ROOT / "docker")])
def test_checkov_finds_nothing_unjustified(framework, path):
    report = checkov(path, framework)
    assert not failures(report), "\n".join(failures(report))
    skips_have_reasons(report)


def test_checkov_finds_nothing_unjustified_in_rendered_manifests(tmp_path):
    for overlay in [*OVERLAYS, *VARIANTS]:
        (tmp_path / f"{overlay}.yaml").write_text(yaml.safe_dump_all(rendered_overlay(overlay)))
    (tmp_path / "cv-processor-job.yaml").write_text((KNATIVE / "examples/cv-processor-job.yaml").read_text())
    report = checkov(tmp_path, "kubernetes")
    assert not failures(report), "\n".join(failures(report))
