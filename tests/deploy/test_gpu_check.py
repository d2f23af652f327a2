"""`just gpu-check` (scripts/gpu/check.sh): where no NVIDIA GPU answers it says so and exits 0 without
installing anything, and its pins agree with the GPU image's."""
import os
import re
import subprocess

from conftest import ROOT

SCRIPT = ROOT / "scripts/gpu/check.sh"


def run_with_fake_nvidia_smi(tmp_path, body: str) -> subprocess.CompletedProcess:
    fake = tmp_path / "nvidia-smi"
    fake.write_text(f"#!/bin/sh\n{body}\n")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:/usr/bin:/bin", SIGHTGRAPH_CACHE=str(tmp_path / "cache"))
    return subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)


def test_without_a_gpu_the_check_says_so_and_exits_0_having_installed_nothing(tmp_path):
    for body in ("exit 9", "echo 'No devices were found'"):
        out = run_with_fake_nvidia_smi(tmp_path, body)
        assert out.returncode == 0, out.stderr
        assert "no NVIDIA GPU here" in out.stdout
        assert not (tmp_path / "cache" / "venvs").exists(), "nothing installed, nothing built"


def test_the_check_pins_the_onnxruntime_gpu_the_cuda_image_ships():
    pins = dict(re.findall(r"^([a-z0-9-]+)==(\S+)$", (SCRIPT.parent / "requirements.txt").read_text(), re.M))
    dockerfile = (ROOT / "docker/cv-processor.Dockerfile").read_text()
    assert pins["onnxruntime-gpu"] == re.search(r"^ARG ORT_VERSION=(\S+)$", dockerfile, re.M).group(1)
    assert pins["nvidia-cuda-runtime"].split(".")[0] == "13", "the wheel declares CUDA 13 (the image's base)"
    assert "nvidia-cudnn-cu13" in pins
