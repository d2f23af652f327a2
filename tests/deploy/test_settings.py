"""Every variable the manifests give a function is one a binary really reads, and what a
binary needs at start is there. Names come from the Rust settings structs at test time."""
import re

import pytest

from conftest import FUNCTIONS, ROOT, by_name, ksvcs, of_kind

# (file, struct, envy prefix): the settings structs the binaries load (shared/src/config.rs
# `load(prefix)`, each function's settings).
SETTINGS_STRUCTS = [
    ("shared/src/config.rs", "ServerSettings", ""),
    ("shared/src/config.rs", "Neo4jSettings", "NEO4J_"),
    ("shared/src/config.rs", "SqliteSettings", "SQLITE_"),
    ("shared/src/config.rs", "RedisSettings", "REDIS_"),
    ("shared/src/config.rs", "CacheSettings", "CACHE_"),
    ("shared/src/config.rs", "LocationSettings", ""),
    ("shared/src/config.rs", "SpannerSettings", "SPANNER_"),
    ("functions/ingest-trigger/src/settings.rs", "LauncherChoice", ""),
    ("functions/ingest-trigger/src/settings.rs", "RouteVars", ""),
    ("functions/ingest-trigger/src/settings.rs", "LocalSettings", "LOCAL_"),
    ("functions/ingest-trigger/src/kubernetes/settings.rs", "JobSettings", "JOB_"),
    ("functions/feature-service/src/settings.rs", "ServiceVars", ""),
    ("functions/cache-warmer/src/settings.rs", "WarmVars", "WARM_"),
    ("shared/src/auth/settings.rs", "PushAuthSettings", "PUSH_AUTH_"),
    ("functions/backfill/src/settings.rs", "BackfillSettings", "BACKFILL_"),
    ("shared/src/pubsub/settings.rs", "PubSubSettings", "PUBSUB_"),
]
CV_PROCESSOR_CLI = "functions/cv-processor/src/cli.rs"
# Read outside the structs: tracing's filter (shared/src/telemetry.rs).
OTHER_READ = {"RUST_LOG"}
# Used by kustomize only (revision and VPA names), never by a binary.
KUSTOMIZE_ONLY = {"SIGHTGRAPH_RELEASE"}
# Knative sets these itself; a value in the ConfigMap would be dead or misleading.
KNATIVE_RESERVED = {"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"}


def struct_fields(path: str, name: str) -> list[str]:
    text = (ROOT / path).read_text()
    m = re.search(rf"^pub struct {name} \{{\n(.*?)^\}}", text, re.M | re.S) or \
        re.search(rf"^struct {name} \{{\n(.*?)^\}}", text, re.M | re.S)
    assert m, f"{path} has no struct {name}: update SETTINGS_STRUCTS in {__file__}"
    assert "rename" not in m.group(1), f"{name} renames a field: teach struct_fields about serde(rename)"
    return re.findall(r"^\s*(?:pub\s+)?(\w+):", m.group(1), re.M)


def read_variables() -> set[str]:
    names = {prefix + field.upper() for path, struct, prefix in SETTINGS_STRUCTS
             for field in struct_fields(path, struct)}
    names |= set(re.findall(r'env = "(\w+)"', (ROOT / CV_PROCESSOR_CLI).read_text()))
    return names | OTHER_READ


def function_config(rendered) -> dict:
    (cm,) = [c for c in of_kind(rendered, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")]
    return cm["data"]


def test_the_settings_structs_are_found_and_name_the_known_variables():
    names = read_variables()
    for expected in ("PORT", "FEATURE_SET", "NEO4J_URI", "REDIS_TIMEOUT_MS", "CACHE_TTL_SECONDS", "LAUNCHER",
                     "JOB_NODE_SELECTOR", "ADMIN_TOKEN", "ACTIVE_VERSION_TTL_SECONDS", "WARM_LIMIT",
                     "ORT_DYLIB_PATH", "SIGHTGRAPH_MODEL_DIR", "GCS_BASE_URL", "ADMIN_TOKENS",
                     "PUSH_AUTH_AUDIENCE", "PUSH_AUTH_SERVICE_ACCOUNT", "SPANNER_DATABASE",
                     "SPANNER_VECTOR_SEARCH", "SPANNER_EMULATOR_HOST"):
        assert expected in names, expected


def test_every_config_map_key_is_read_by_a_binary(rendered):
    unknown = set(function_config(rendered)) - read_variables() - KUSTOMIZE_ONLY
    assert not unknown, f"sightgraph-config sets variables no binary reads: {sorted(unknown)}"


def test_the_config_map_sets_nothing_knative_sets_itself(rendered):
    assert not set(function_config(rendered)) & KNATIVE_RESERVED


def test_every_env_entry_of_a_service_is_read_by_a_binary(rendered):
    known = read_variables()
    for svc in ksvcs(rendered):
        if svc["metadata"]["name"] not in FUNCTIONS:
            continue
        names = {e["name"] for c in svc["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}
        assert names <= known, f"{svc['metadata']['name']} sets {sorted(names - known)}, which nothing reads"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_gets_the_neo4j_password_when_the_config_names_neo4j(rendered, function):
    # shared/src/config.rs: NEO4J_URI without NEO4J_PASSWORD stops the binary at start.
    if "NEO4J_URI" not in function_config(rendered):
        pytest.skip("no NEO4J_URI in the ConfigMap")
    (container,) = by_name(ksvcs(rendered), function)["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container.get("env", [])}
    assert "NEO4J_PASSWORD" in env, f"{function} would exit: NEO4J_URI is set but NEO4J_PASSWORD is not"
    assert env["NEO4J_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "sightgraph-neo4j", "key": "password"}


def test_the_cluster_config_names_the_allowed_buckets_and_no_development_root(rendered):
    # shared/src/domain/location_policy.rs: without LOCAL_BUCKET_ROOT, ALLOWED_BUCKETS is required.
    config = function_config(rendered)
    buckets = [b.strip() for b in config.get("ALLOWED_BUCKETS", "").split(",") if b.strip()]
    assert buckets, "ALLOWED_BUCKETS must list the raw-images bucket, or every function refuses to start"
    assert "LOCAL_BUCKET_ROOT" not in config, "LOCAL_BUCKET_ROOT makes a function a development one"
