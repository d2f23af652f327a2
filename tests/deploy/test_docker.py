"""Dockerfiles: each builds a binary the workspace really has, and runs as non-root."""
import re
import tomllib
from pathlib import Path

import pytest

from conftest import FUNCTIONS, ROOT

DOCKER = ROOT / "docker"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))


def workspace_binaries() -> dict[str, str]:
    """binary name -> crate (package) name, read from functions/*/Cargo.toml at test time."""
    bins = {}
    for manifest in sorted(ROOT.glob("functions/*/Cargo.toml")):
        cargo = tomllib.loads(manifest.read_text())
        package = cargo.get("package", {}).get("name")
        for b in cargo.get("bin", []):
            bins[b["name"]] = package
        if package and (manifest.parent / "src/main.rs").exists():
            bins.setdefault(package, package)
    return bins


@pytest.fixture(scope="module")
def binaries():
    bins = workspace_binaries()
    if not bins:
        pytest.skip("no functions/*/Cargo.toml with binaries yet: the workspace is not there to check against")
    return bins


def build_args(text: str) -> dict[str, str]:
    return dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, re.M))


def images_script_functions() -> list[str]:
    text = (ROOT / "scripts/deploy/images.sh").read_text()
    return re.search(r"^FUNCTIONS=\(([^)]*)\)", text, re.M).group(1).split()


def test_there_is_an_image_for_every_function_and_cv_processor():
    assert {p.name for p in DOCKERFILES} == {"function.Dockerfile", "cv-processor.Dockerfile"}
    assert images_script_functions() == FUNCTIONS


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_final_stage_runs_as_a_numeric_non_root_user(path):
    text = path.read_text()
    final = text[text.rindex("\nFROM "):]
    users = re.findall(r"^USER\s+(\S+)", final, re.M)
    assert users, f"{path.name}: the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"{path.name}: USER {users[-1]} must be a numeric non-root uid"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_dependencies_are_cooked_in_their_own_layer_before_the_sources(path):
    text = path.read_text()
    assert "cargo chef cook" in text and "--locked" in text
    assert text.index("cargo chef cook") < text.index("cargo build --release --locked")


def test_function_image_builds_each_listed_function(binaries):
    args = build_args((DOCKER / "function.Dockerfile").read_text())
    for fn in images_script_functions():
        assert fn in binaries, f"images.sh builds {fn}, which no functions/*/Cargo.toml defines"
        crate = args.get("CRATE", "${BIN}").replace("${BIN}", fn)
        assert binaries[fn] == crate, f"binary {fn} lives in crate {binaries[fn]}, the Dockerfile builds -p {crate}"


def test_cv_processor_image_builds_the_cv_processor_binary(binaries):
    text = (DOCKER / "cv-processor.Dockerfile").read_text()
    args = build_args(text)
    assert args["BIN"] == "cv-processor" and "cv-processor" in binaries
    assert binaries["cv-processor"] == args.get("CRATE", "${BIN}").replace("${BIN}", "cv-processor")
    assert "onnxruntime-gpu" in text and "ORT_DYLIB_PATH=" in text and "SIGHTGRAPH_MODEL_DIR=" in text
    assert re.search(r"^FROM nvidia/cuda:\S+-runtime-", text, re.M)


def test_build_context_sends_every_workspace_member():
    manifest = ROOT / "Cargo.toml"
    if not manifest.exists():
        pytest.skip("no workspace Cargo.toml yet")
    members = tomllib.loads(manifest.read_text()).get("workspace", {}).get("members", [])
    allowed = [l[1:].rstrip("/") for l in (DOCKER / "function.Dockerfile.dockerignore").read_text().split() if l.startswith("!")]
    for member in members:
        top = member.split("/")[0]
        assert top in allowed, f"workspace member {member} is not sent to the docker build (function.Dockerfile.dockerignore)"
    assert (DOCKER / "function.Dockerfile.dockerignore").read_text() == (DOCKER / "cv-processor.Dockerfile.dockerignore").read_text()


# CUDA major each onnxruntime-gpu wheel on PyPI declares (Requires-Dist nvidia-cuda-runtime,
# extra "cuda"). When bumping ORT_VERSION, look it up (`pip install --dry-run --no-deps
# --report - onnxruntime-gpu==X`) and add it here.
WHEEL_CUDA_MAJOR = {"1.31.1": 13}


def pinned_onnxruntime() -> str:
    text = (ROOT / "scripts/models/requirements-ort.txt").read_text()
    return re.search(r"^onnxruntime==(\S+)", text, re.M).group(1)


def test_cv_processor_image_uses_the_onnxruntime_the_tests_pin():
    text = (DOCKER / "cv-processor.Dockerfile").read_text()
    ort = build_args(text)["ORT_VERSION"]
    pinned = pinned_onnxruntime()
    (major, minor), (p_major, p_minor) = (tuple(map(int, v.split(".")[:2])) for v in (ort, pinned))
    # NB: one minor behind is allowed only because onnxruntime-gpu lags the CPU wheel on PyPI
    # (1.32.0 CPU, 1.31.1 GPU when this was written); the `ort` crate needs API >= 17.
    assert major == p_major and p_minor - 1 <= minor <= p_minor and minor >= 17, (ort, pinned)
    assert ort in WHEEL_CUDA_MAJOR, f"look up the CUDA major of onnxruntime-gpu=={ort} (see WHEEL_CUDA_MAJOR)"
    base = re.search(r"^FROM nvidia/cuda:(\d+)\.\S+-cudnn-runtime-\S+ AS runtime", text, re.M)
    assert base and int(base.group(1)) == WHEEL_CUDA_MAJOR[ort], "the base image's CUDA major must match the wheel's"


def test_cv_processor_image_sets_the_variables_cv_processor_reads():
    text = (DOCKER / "cv-processor.Dockerfile").read_text()
    cli = (ROOT / "functions/cv-processor/src/cli.rs").read_text()
    env = dict(re.findall(r"\b(ORT_DYLIB_PATH|SIGHTGRAPH_MODEL_DIR|LOG_FORMAT)=(\S+?)\s*(?:\\|$)", text, re.M))
    for name in ("ORT_DYLIB_PATH", "SIGHTGRAPH_MODEL_DIR", "LOG_FORMAT"):
        assert f'env = "{name}"' in cli, f"cv-processor does not read {name}"
        assert name in env, f"the image does not set {name}"
    lib_dir = re.search(r"^COPY --from=onnxruntime \S+ (\S+)$", text, re.M).group(1)
    assert env["ORT_DYLIB_PATH"] == f"{lib_dir.rstrip('/')}/libonnxruntime.so"
    models = re.search(r"^COPY --from=models (.+) (\S+)$", text, re.M)
    assert set(models.group(1).split()) == {"detector.onnx", "embedder.onnx", "manifest.json"}
    assert env["SIGHTGRAPH_MODEL_DIR"] == models.group(2).rstrip("/")
