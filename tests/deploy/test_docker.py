"""Dockerfiles: each builds a binary the workspace really has (or the UI), and runs as non-root."""
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import FUNCTIONS, ROOT, UI

DOCKER = ROOT / "docker"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))
RUST_DOCKERFILES = [p for p in DOCKERFILES if p.name != "ui.Dockerfile"]


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


def test_there_is_an_image_for_every_function_cv_processor_and_the_ui():
    assert {p.name for p in DOCKERFILES} == {"function.Dockerfile", "cv-processor.Dockerfile", "ui.Dockerfile"}
    assert images_script_functions() == FUNCTIONS
    assert re.search(rf"^build {UI} docker/ui\.Dockerfile\s*$", (ROOT / "scripts/deploy/images.sh").read_text(), re.M), \
        "images.sh does not build the ui image"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_every_base_image_is_pinned_to_a_full_version(path):
    text = path.read_text()
    args = build_args(text)
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M)
    for image, _ in stages:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        if image.split(":")[0] in {s for _, s in stages}:
            continue  # an earlier stage, not a base image
        assert ":" in image and not image.endswith(":latest"), f"{path.name}: {image} is not pinned"
        tag = image.rsplit(":", 1)[1]
        assert re.match(r"\d+\.\d+(\.\d+)?-|nonroot$", tag), f"{path.name}: {image} needs a version tag"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_final_stage_runs_as_a_numeric_non_root_user(path):
    text = path.read_text()
    final = text[text.rindex("\nFROM "):]
    users = re.findall(r"^USER\s+(\S+)", final, re.M)
    assert users, f"{path.name}: the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"{path.name}: USER {users[-1]} must be a numeric non-root uid"


@pytest.mark.parametrize("path", RUST_DOCKERFILES, ids=lambda p: p.name)
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
        folder = member.removesuffix("/*")
        assert any(folder == a or folder.startswith(a + "/") for a in allowed), \
            f"workspace member {member} is not sent to the docker build (function.Dockerfile.dockerignore)"
    assert (DOCKER / "function.Dockerfile.dockerignore").read_text() == (DOCKER / "cv-processor.Dockerfile.dockerignore").read_text()


def test_build_context_sends_every_path_dependency():
    # A path dependency outside the members (vendor/) that the image build cannot see fails
    # `cargo build` there, not here.
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text()).get("workspace", {})
    paths = [d["path"] for d in workspace.get("dependencies", {}).values() if isinstance(d, dict) and "path" in d]
    allowed = [l[1:].rstrip("/") for l in (DOCKER / "function.Dockerfile.dockerignore").read_text().split() if l.startswith("!")]
    assert paths, "the workspace names path dependencies (vendor/neo4rs at least)"
    for path in paths:
        assert any(path == a or path.startswith(a + "/") for a in allowed), \
            f"path dependency {path} is not sent to the docker build (function.Dockerfile.dockerignore)"


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


# The UI image (docker/ui.Dockerfile, docker/ui/): static files from `npm run build`, nginx on
# :8080, and /config.js written at start from SIGHTGRAPH_API_BASE.
UI_DOCKERFILE = DOCKER / "ui.Dockerfile"
UI_DIR = DOCKER / "ui"


def dockerignore_rules(path: Path) -> list[str]:
    return [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]


def test_ui_image_builds_the_ui_with_its_lockfile_on_the_node_it_needs():
    text = UI_DOCKERFILE.read_text()
    args = build_args(text)
    build = text[:text.index("AS runtime")]
    assert re.search(r"^FROM node:\$\{NODE_VERSION\}-\S+ AS build$", build, re.M)
    assert build.index("COPY ui/package.json ui/package-lock.json") < build.index("npm ci") < build.index("COPY ui/ ")
    assert "npm run build" in build
    engines = json.loads((ROOT / "ui/package.json").read_text())["engines"]["node"]
    (major, minor) = map(int, re.fullmatch(r">=(\d+)\.(\d+)", engines).groups())
    have = tuple(map(int, args["NODE_VERSION"].split(".")[:2]))
    assert have[0] == 20 and have >= (major, minor), f"NODE_VERSION {args['NODE_VERSION']} vs engines {engines}"


def test_ui_image_serves_dist_unprivileged_on_8080():
    text = UI_DOCKERFILE.read_text()
    final = text[text.index("AS runtime"):]
    assert re.search(r"^FROM nginxinc/nginx-unprivileged:\$\{NGINX_VERSION\}-alpine AS runtime$", text, re.M)
    assert "COPY --from=build /src/ui/dist/ /usr/share/nginx/html/" in final
    assert "COPY docker/ui/nginx.conf /etc/nginx/nginx.conf" in final
    # The nginx image's entrypoint runs executable /docker-entrypoint.d/*.sh before nginx.
    assert "COPY --chmod=0755 docker/ui/40-config-js.sh /docker-entrypoint.d/40-config-js.sh" in final
    assert re.search(r"^EXPOSE 8080$", final, re.M)
    assert not re.search(r"^(CMD|ENTRYPOINT)\b", final, re.M), "keep the nginx image's entrypoint (it runs the hook)"


def test_ui_build_context_sends_the_ui_sources_but_not_their_outputs():
    rules = dockerignore_rules(DOCKER / "ui.Dockerfile.dockerignore")
    assert rules[0] == "*" and {"!ui/", "!docker/ui/"} <= set(rules)
    assert {"ui/node_modules/", "ui/dist/"} <= set(rules)


def test_nginx_config_listens_on_8080_writes_only_tmp_and_sets_cache_headers():
    conf = (UI_DIR / "nginx.conf").read_text()
    assert re.search(r"^\s*listen 8080;", conf, re.M)
    assert re.search(r"^\s*gzip on;", conf, re.M)
    for path in re.findall(r"^\s*(?:pid|\w+_temp_path)\s+(\S+);", conf, re.M):
        assert path.startswith("/tmp/"), f"{path}: the root filesystem is read-only in the cluster"
    locations = dict(re.findall(r"location\s+([^{]+?)\s*\{(.*?)\}", conf, re.S))
    assert "immutable" in locations["/assets/"], "hashed assets should be cached for good"
    assert '"no-cache"' in locations["/"], "index.html must be revalidated"
    assert '"no-cache"' in locations["= /config.js"]
    served = re.search(r"alias\s+(\S+);", locations["= /config.js"]).group(1)
    hook = (UI_DIR / "40-config-js.sh").read_text()
    assert f'out="${{1:-{served}}}"' in hook, "the hook must write the config.js nginx serves"
    vite = (ROOT / "ui/vite.config.ts").read_text()
    assert "assetsDir" not in vite, "Vite's assets/ is what nginx caches as immutable"


def run_hook(tmp_path, value: str | None) -> Path:
    out = tmp_path / "config.js"
    env = {"PATH": "/usr/bin:/bin"} | ({} if value is None else {"SIGHTGRAPH_API_BASE": value})
    subprocess.run(["sh", str(UI_DIR / "40-config-js.sh"), str(out)], env=env, check=True, capture_output=True)
    return out


def api_base_after(config_js: Path):
    """What window.SIGHTGRAPH_API_BASE is after the browser runs config.js (null if unset)."""
    if shutil.which("node") is None:
        pytest.fail("node is required (scripts/deploy/check.sh checks for it)")
    script = f"globalThis.window = {{}}; {config_js.read_text()}; console.log(JSON.stringify(window.SIGHTGRAPH_API_BASE ?? null))"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("value", [
    "http://localhost:8081",
    "https://feature-service.sightgraph.example.com",
    'http://odd"host\\name/',
])
def test_the_config_hook_sets_the_api_base_from_the_environment(tmp_path, value):
    assert api_base_after(run_hook(tmp_path, value)) == value, f"config.js must carry {value!r} unchanged"


@pytest.mark.parametrize("value", [None, ""])
def test_the_config_hook_sets_nothing_without_an_api_base(tmp_path, value):
    assert api_base_after(run_hook(tmp_path, value)) is None


def test_index_html_loads_config_js_before_the_app():
    html = (ROOT / "ui/index.html").read_text()
    config = html.index('<script src="/config.js"></script>')
    assert config < html.index('<script type="module"'), "config.js must run before the app reads it"
    # The default in public/ (copied to dist/) sets nothing, so dev servers and tests keep
    # their own API base.
    default = ROOT / "ui/public/config.js"
    assert api_base_after(default) is None
