"""Knative manifests: kustomize builds, schemas, and the rules the deployment relies on."""
import hashlib
import json
import os
import re
import struct
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from conftest import (
    FUNCTIONS, KNATIVE, OVERLAYS, ROOT, UI, by_name, ksvcs, kustomize, node_modules, of_kind,
    rendered_overlay,
)

KNATIVE_GROUPS = ("serving.knative.dev", "eventing.knative.dev", "sources.knative.dev")
JOBS_NAMESPACE = "sightgraph-jobs"
K8S_VERSION = "1.31"
SECRET_KEYS = {
    "NEO4J_PASSWORD": ("sightgraph-neo4j", "password"),
    "REDIS_PASSWORD": ("sightgraph-redis", "auth"),
    "ADMIN_TOKEN": ("sightgraph-admin", "token"),
}
SECRETISH = re.compile(r"(PASSWORD|TOKEN|SECRET|AUTH|KEY)$")
# Fields Knative's Service spec accepts; anything else (e.g. a `selector` injected by
# kustomize commonLabels) is rejected by the Knative webhook though the schemas allow it.
KSVC_SPEC_FIELDS = {"template", "traffic"}
KSVC_TEMPLATE_FIELDS = {"metadata", "spec"}
REVISION_SPEC_FIELDS = {
    "containers", "volumes", "serviceAccountName", "enableServiceLinks", "containerConcurrency",
    "timeoutSeconds", "responseStartTimeoutSeconds", "idleTimeoutSeconds", "imagePullSecrets",
    "automountServiceAccountToken", "affinity", "nodeSelector", "tolerations",
    "runtimeClassName", "priorityClassName", "securityContext", "initContainers",
}


def relative(path: Path, start: Path) -> str:
    """kustomize refuses absolute resource paths."""
    return os.path.relpath(path, start)


def every_manifest():
    return sorted(p for p in KNATIVE.rglob("*.yaml"))


@pytest.mark.parametrize("path", every_manifest(), ids=lambda p: str(p.relative_to(KNATIVE)))
def test_every_manifest_parses_as_yaml(path):
    docs = list(yaml.safe_load_all(path.read_text()))
    # A manifest or kustomization is a mapping; a JSON 6902 patch is a list of operations.
    assert docs and all(isinstance(d, (dict, list)) for d in docs if d is not None), path
    for doc in docs:
        if isinstance(doc, list):
            assert all({"op", "path"} <= set(op) for op in doc), f"{path}: not a JSON patch"


def test_knative_objects_match_the_knative_json_schemas(rendered):
    objs = [o for o in rendered if o["apiVersion"].split("/")[0] in KNATIVE_GROUPS]
    assert objs
    out = subprocess.run(
        ["node", str(Path(__file__).with_name("validate_knative.cjs"))],
        input=json.dumps(objs), capture_output=True, text=True, check=False,
        env={"NODE_PATH": node_modules(), "PATH": "/usr/bin:/usr/local/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    problems = json.loads(out.stdout)
    assert not problems, "\n".join(
        f"{objs[p['index']]['kind']}/{objs[p['index']]['metadata']['name']}: {p['error']}" for p in problems
    )


def _validate_core(obj):
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as err:
        pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {err.message} at {list(err.path)}")


def test_core_objects_match_the_kubernetes_schemas(rendered):
    core = [o for o in rendered if "." not in o["apiVersion"].split("/")[0] or
            o["apiVersion"].startswith(("rbac.authorization.k8s.io", "networking.k8s.io"))]
    assert {o["kind"] for o in core} >= {"ServiceAccount", "Role", "RoleBinding", "ConfigMap"}
    for obj in core:
        _validate_core(obj)


def test_the_example_job_matches_the_kubernetes_schema():
    _validate_core(yaml.safe_load((KNATIVE / "examples/cv-processor-job.yaml").read_text()))


def test_each_function_has_one_knative_service(rendered):
    names = {s["metadata"]["name"] for s in ksvcs(rendered)}
    assert names >= set(FUNCTIONS), names


def test_knative_services_carry_no_field_knative_rejects(rendered):
    for svc in ksvcs(rendered):
        name = svc["metadata"]["name"]
        assert set(svc["spec"]) <= KSVC_SPEC_FIELDS, f"{name}: spec has {set(svc['spec']) - KSVC_SPEC_FIELDS}"
        template = svc["spec"]["template"]
        assert set(template) <= KSVC_TEMPLATE_FIELDS, f"{name}: template has {set(template)}"
        extra = set(template["spec"]) - REVISION_SPEC_FIELDS
        assert not extra, f"{name}: revision spec has {extra}"


def test_the_injected_field_check_catches_common_labels(tmp_path):
    # Arrange: what a well-meant `commonLabels` does to the base.
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "resources": [relative(KNATIVE / "base", tmp_path)], "commonLabels": {"team": "vision"},
    }))
    # Act
    svc = by_name(ksvcs(kustomize(tmp_path)), "feature-service")
    # Assert: the selector appears, and the rule above would reject it.
    assert "selector" in svc["spec"]
    assert not set(svc["spec"]) <= KSVC_SPEC_FIELDS


def test_services_probe_healthz_and_disable_service_links(rendered):
    for svc in ksvcs(rendered):
        if svc["metadata"]["name"] not in FUNCTIONS:
            continue
        spec = svc["spec"]["template"]["spec"]
        assert spec["enableServiceLinks"] is False, svc["metadata"]["name"]
        (container,) = spec["containers"]
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["path"] == "/healthz", (svc["metadata"]["name"], probe)
            assert "port" not in container[probe]["httpGet"], "Knative probes the serving port itself"


def ui_container(objs) -> dict:
    (container,) = by_name(ksvcs(objs), UI)["spec"]["template"]["spec"]["containers"]
    return container


def ui_api_base(objs) -> str:
    (cm,) = [c for c in of_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-ui")]
    return cm["data"]["SIGHTGRAPH_API_BASE"]


def test_ui_probes_its_root_and_serves_the_port_its_image_exposes(rendered):
    svc = by_name(ksvcs(rendered), UI)
    spec = svc["spec"]["template"]["spec"]
    assert spec["enableServiceLinks"] is False and spec["automountServiceAccountToken"] is False
    container = ui_container(rendered)
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/", probe
        assert "port" not in container[probe]["httpGet"], "Knative probes the serving port itself"
    exposed = re.search(r"^EXPOSE (\d+)$", (ROOT / "docker/ui.Dockerfile").read_text(), re.M).group(1)
    assert container["ports"] == [{"name": "http1", "containerPort": int(exposed)}]
    assert svc["spec"]["template"]["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"] == (
        "1" if svc["metadata"]["labels"].get("networking.knative.dev/visibility") else "0"
    ), "a cluster-local UI is reached by port-forward, which needs a pod; a public one may scale to zero"


def test_ui_has_a_writable_tmp_and_nothing_else_writable(rendered):
    spec = by_name(ksvcs(rendered), UI)["spec"]["template"]["spec"]
    container = ui_container(rendered)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}], "nginx.conf writes under /tmp only"
    (volume,) = spec["volumes"]
    assert volume["name"] == "tmp" and "emptyDir" in volume


def test_ui_gets_only_its_api_base_from_its_own_config_map(rendered):
    container = ui_container(rendered)
    assert "envFrom" not in container, "sightgraph-config is the functions' settings, not the UI's"
    (env,) = container["env"]
    assert env["name"] == "SIGHTGRAPH_API_BASE"
    ref = env["valueFrom"]["configMapKeyRef"]
    (cm,) = [c for c in of_kind(rendered, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-ui")]
    assert ref == {"name": cm["metadata"]["name"], "key": "SIGHTGRAPH_API_BASE"}, "generated name, so a change rolls a Revision"
    # The same name all the way to the browser: the image's hook and the UI's config.
    assert "SIGHTGRAPH_API_BASE" in (ROOT / "docker/ui/40-config-js.sh").read_text()
    assert "window.SIGHTGRAPH_API_BASE" in (ROOT / "ui/src/shared/http/config.ts").read_text()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_points_the_ui_at_a_feature_service_the_browser_can_reach(overlay):
    base = ui_api_base(rendered_overlay(overlay))
    m = re.fullmatch(r"https?://([a-z0-9.-]+)(?::(\d+))?", base)
    assert m, f"{overlay}: SIGHTGRAPH_API_BASE={base!r} must be an origin without path or trailing slash"
    if overlay == "dev":
        # Public feature-service: its Knative route is <service>.<namespace>.<domain>.
        assert m.group(1).startswith("feature-service.sightgraph."), base
    else:
        # Cluster-local feature-service: the port-forward docs/deploy.md gives, on that port.
        assert m.group(1) == "localhost" and m.group(2), base
        docs = (ROOT / "docs/deploy.md").read_text()
        assert re.search(rf"port-forward deploy/feature-service-\S+ {m.group(2)}:8080", docs), \
            f"docs/deploy.md must forward localhost:{m.group(2)} to feature-service"


def test_services_set_resources_concurrency_and_autoscaling(rendered):
    for svc in ksvcs(rendered):
        name = svc["metadata"]["name"]
        spec = svc["spec"]["template"]["spec"]
        ann = svc["spec"]["template"]["metadata"]["annotations"]
        for key in ("min-scale", "max-scale", "target"):
            assert f"autoscaling.knative.dev/{key}" in ann, f"{name}: {key}"
        assert int(ann["autoscaling.knative.dev/max-scale"]) >= int(ann["autoscaling.knative.dev/min-scale"])
        assert spec["containerConcurrency"] >= 1, name
        res = spec["containers"][0]["resources"]
        assert {"cpu", "memory"} <= set(res["requests"]) and "memory" in res["limits"], name
    fs = by_name(ksvcs(rendered), "feature-service")
    assert "autoscaling.knative.dev/scale-down-delay" in fs["spec"]["template"]["metadata"]["annotations"]


def test_containers_run_as_non_root_on_a_read_only_filesystem(rendered):
    for svc in ksvcs(rendered):
        sc = svc["spec"]["template"]["spec"]["containers"][0]["securityContext"]
        assert sc["runAsNonRoot"] is True and sc["readOnlyRootFilesystem"] is True, svc["metadata"]["name"]
        assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]


def test_secrets_come_from_secret_refs_never_literals(rendered):
    for svc in ksvcs(rendered):
        for c in svc["spec"]["template"]["spec"]["containers"]:
            for env in c.get("env", []):
                if SECRETISH.search(env["name"]):
                    assert "value" not in env, f"{svc['metadata']['name']}: literal {env['name']}"
                    ref = env["valueFrom"]["secretKeyRef"]
                    assert (ref["name"], ref["key"]) == SECRET_KEYS[env["name"]], env
    for cm in of_kind(rendered, "ConfigMap"):
        secret_names = {name for name, _ in SECRET_KEYS.values()}
        leaked = [k for k, v in cm["data"].items() if SECRETISH.search(k) and v not in secret_names]
        assert not leaked, f"ConfigMap {cm['metadata']['name']} holds secret-looking keys {leaked}"
    assert not of_kind(rendered, "Secret"), "Secrets are created from Secret Manager, not committed"


def test_only_feature_service_gets_the_admin_token(rendered):
    for svc in ksvcs(rendered):
        names = {e["name"] for c in svc["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}
        assert ("ADMIN_TOKEN" in names) == (svc["metadata"]["name"] == "feature-service")


def test_config_map_is_referenced_by_its_generated_name(rendered):
    (cm,) = [c for c in of_kind(rendered, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")]
    for svc in ksvcs(rendered):
        for c in svc["spec"]["template"]["spec"]["containers"]:
            for src in c.get("envFrom", []):
                assert src["configMapRef"]["name"] == cm["metadata"]["name"]


def test_config_map_holds_the_job_template_settings(rendered):
    (cm,) = [c for c in of_kind(rendered, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")]
    data = cm["data"]
    for key in ("LAUNCHER", "JOB_NAMESPACE", "JOB_IMAGE", "JOB_SERVICE_ACCOUNT", "JOB_GPU_COUNT",
                "JOB_CPU_REQUEST", "JOB_MEMORY_REQUEST", "JOB_MEMORY_LIMIT", "JOB_BACKOFF_LIMIT",
                 "JOB_TTL_SECONDS", "JOB_PUBSUB_TOPIC", "JOB_NODE_SELECTOR", "JOB_RUST_LOG",
                "RUST_LOG", "LOG_FORMAT", "NEO4J_URI", "NEO4J_USER", "NEO4J_DATABASE", "FEATURE_SET",
                "CACHE_TTL_SECONDS", "WARM_LIMIT"):
        assert data.get(key), f"ConfigMap lacks {key}"
    assert data["LAUNCHER"] == "kubernetes"
    functions_ns = cm["metadata"]["namespace"]
    assert data["JOB_NAMESPACE"] == JOBS_NAMESPACE != functions_ns, "the Jobs run in a namespace of their own"
    assert "JOB_SINK" not in data, "Jobs hand their documents over through Pub/Sub, not the broker"
    assert int(data["JOB_ACTIVE_DEADLINE_SECONDS"]) > 0
    topic = re.fullmatch(r"projects/([a-z0-9-]+)/topics/(.+)-features-extracted", data["JOB_PUBSUB_TOPIC"])
    assert topic and topic.group(2) == topic.group(1), data["JOB_PUBSUB_TOPIC"]  # terraform: ${local.name}-…
    assert data["PUBSUB_DEAD_LETTER_TOPIC"] == data["JOB_PUBSUB_TOPIC"].replace("-features-extracted",
                                                                               "-features-dead-letter")
    job_accounts = {s["metadata"]["name"] for s in of_kind(rendered, "ServiceAccount")
                    if s["metadata"]["namespace"] == data["JOB_NAMESPACE"]}
    assert data["JOB_SERVICE_ACCOUNT"] in job_accounts, "the Job's account lives in the Jobs' namespace"
    assert "JOB_NEO4J_SECRET" not in data, "the Job gets no Neo4j password"


def test_job_launcher_role_may_only_create_and_read_jobs_in_the_jobs_namespace(rendered):
    role = by_name(of_kind(rendered, "Role"), "sightgraph-job-launcher")
    assert role["metadata"]["namespace"] == JOBS_NAMESPACE
    assert role["rules"] == [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get"]}], \
        "the launcher POSTs Jobs and GETs one that exists (launcher.rs create_job, existing_job)"
    assert not of_kind(rendered, "ClusterRole") and not of_kind(rendered, "ClusterRoleBinding")
    binding = by_name(of_kind(rendered, "RoleBinding"), "sightgraph-job-launcher")
    assert binding["metadata"]["namespace"] == JOBS_NAMESPACE
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role["metadata"]["name"]}
    assert {r["metadata"]["name"] for r in of_kind(rendered, "Role")} == {role["metadata"]["name"], "sightgraph-backfill-launcher"}
    (subject,) = binding["subjects"]
    trigger = by_name(ksvcs(rendered), "ingest-trigger")
    assert subject["kind"] == "ServiceAccount"
    assert subject["namespace"] == trigger["metadata"]["namespace"], "ingest-trigger's own account, from its namespace"
    assert trigger["spec"]["template"]["spec"]["serviceAccountName"] == subject["name"]
    others = [s for s in ksvcs(rendered) if s["metadata"]["name"] != "ingest-trigger"]
    assert all(s["spec"]["template"]["spec"]["serviceAccountName"] != subject["name"] for s in others)


def test_no_account_but_ingest_trigger_s_mounts_an_api_token(rendered):
    for sa in of_kind(rendered, "ServiceAccount"):
        mounts = sa.get("automountServiceAccountToken", True)
        assert mounts == (sa["metadata"]["name"] == "sightgraph-ingest-trigger"), sa["metadata"]["name"]


def test_triggers_filter_on_the_event_types_and_dead_letter(rendered):
    triggers = {(t["spec"]["subscriber"]["ref"]["name"], t["spec"]["filter"]["attributes"]["type"]): t
                for t in of_kind(rendered, "Trigger")}
    expected = {
        ("ingest-trigger", "google.cloud.storage.object.v1.finalized"),
        ("ingest-trigger", "google.cloud.storage.object.v1.deleted"),
        ("cache-warmer", "dev.knative.sources.ping"),
    }
    assert set(triggers) == expected
    for t in triggers.values():
        delivery = t["spec"]["delivery"]
        assert delivery["deadLetterSink"]["ref"]["name"] == "dead-letter"
        assert delivery["retry"] >= 1 and delivery["backoffPolicy"] in ("exponential", "linear")
        assert re.fullmatch(r"PT\d+(\.\d+)?S", delivery["backoffDelay"])
    (broker,) = of_kind(rendered, "Broker")
    assert broker["spec"]["delivery"]["deadLetterSink"]["ref"]["name"] == "dead-letter"
    assert by_name(ksvcs(rendered), "dead-letter")


def test_no_trigger_carries_the_feature_documents(rendered):
    # They go through Pub/Sub (JOB_PUBSUB_TOPIC -> push subscription -> POST /pubsub/push).
    types = {t["spec"]["filter"]["attributes"]["type"] for t in of_kind(rendered, "Trigger")}
    assert "dev.sightgraph.features.extracted" not in types
    assert not [t for t in of_kind(rendered, "Trigger") if t["spec"]["subscriber"]["ref"]["name"] == "feature-ingestor"]


def test_the_prod_broker_keeps_its_events_in_replicated_kafka_not_in_memory():
    objs = rendered_overlay("prod")
    (broker,) = of_kind(objs, "Broker")
    assert broker["metadata"]["annotations"]["eventing.knative.dev/broker.class"] == "Kafka"
    ref = broker["spec"]["config"]
    assert (ref["kind"], ref["namespace"]) == ("ConfigMap", broker["metadata"]["namespace"])
    config = by_name(of_kind(objs, "ConfigMap"), ref["name"])["data"]
    assert config["bootstrap.servers"] and int(config["default.topic.replication.factor"]) >= 3
    dev_broker, = of_kind(rendered_overlay("dev"), "Broker")
    assert dev_broker["metadata"]["annotations"]["eventing.knative.dev/broker.class"] == "MTChannelBasedBroker"


def test_feature_ingestor_takes_only_pubsub_pushes_as_its_own_identity(rendered):
    svc = by_name(ksvcs(rendered), "feature-ingestor")
    spec = svc["spec"]["template"]["spec"]
    env = {e["name"]: e for e in spec["containers"][0]["env"]}
    assert env["PUBSUB_PUSH_ONLY"]["value"] == "true", "public for Pub/Sub, so POST / must be closed"
    assert spec["serviceAccountName"] == "sightgraph-feature-ingestor"
    assert by_name(of_kind(rendered, "ServiceAccount"), "sightgraph-feature-ingestor")["automountServiceAccountToken"] is False


def test_ping_source_reaches_cache_warmer_through_its_trigger(rendered):
    (ping,) = of_kind(rendered, "PingSource")
    assert ping["spec"]["sink"]["ref"]["kind"] == "Broker"
    trigger = [t for t in of_kind(rendered, "Trigger") if t["spec"]["subscriber"]["ref"]["name"] == "cache-warmer"][0]
    for attr, value in ping["spec"]["ceOverrides"]["extensions"].items():
        assert trigger["spec"]["filter"]["attributes"][attr] == value


def test_vpas_only_recommend_and_target_the_current_revision(rendered):
    vpas = {v["metadata"]["name"]: v for v in of_kind(rendered, "VerticalPodAutoscaler")}
    assert set(vpas) == set(FUNCTIONS)
    for name, vpa in vpas.items():
        assert vpa["spec"]["updatePolicy"]["updateMode"] == "Off"
        revision = by_name(ksvcs(rendered), name)["spec"]["template"]["metadata"]["name"]
        assert revision.startswith(f"{name}-")
        assert vpa["spec"]["targetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{revision}-deployment"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlays_use_registry_images_and_a_matching_job_image(overlay):
    objs = rendered_overlay(overlay)
    images = {s["metadata"]["name"]: s["spec"]["template"]["spec"]["containers"][0]["image"] for s in ksvcs(objs)}
    ours = [*FUNCTIONS, UI]
    assert images[UI].rsplit(":", 1)[0].endswith("/ui")
    registries = {img.rsplit("/", 1)[0] for n, img in images.items() if n in ours}
    assert len(registries) == 1 and registries.pop().endswith(f"sightgraph-{overlay}/sightgraph")
    tags = {img.rsplit(":", 1)[1] for n, img in images.items() if n in ours}
    (cm,) = [c for c in of_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")]
    assert cm["data"]["JOB_IMAGE"] == images["feature-service"].replace("feature-service:", "cv-processor:")
    assert len(tags) == 1
    for name in ("sightgraph-cv-processor", "sightgraph-feature-ingestor"):
        sa = by_name(of_kind(objs, "ServiceAccount"), name)
        assert sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == (
            f"{name}@sightgraph-{overlay}.iam.gserviceaccount.com")
    assert cm["data"]["JOB_PUBSUB_TOPIC"].startswith(f"projects/sightgraph-{overlay}/topics/sightgraph-{overlay}-")


def test_visibility_event_consumers_are_cluster_local_and_prod_api_and_ui_too():
    for overlay in OVERLAYS:
        for svc in ksvcs(rendered_overlay(overlay)):
            local = svc["metadata"]["labels"].get("networking.knative.dev/visibility") == "cluster-local"
            if svc["metadata"]["name"] in ("feature-service", UI):
                assert local == (overlay == "prod"), (overlay, svc["metadata"]["name"])
            elif svc["metadata"]["name"] == "feature-ingestor":
                assert not local, "Pub/Sub pushes to it from outside the cluster"
            else:
                assert local, svc["metadata"]["name"]


def test_pubsub_push_component_exposes_only_the_push_receivers(tmp_path):
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "resources": [relative(KNATIVE / "overlays/prod", tmp_path)],
        "components": [relative(KNATIVE / "components/pubsub-push", tmp_path)],
    }))
    public = {s["metadata"]["name"] for s in ksvcs(kustomize(tmp_path))
              if "networking.knative.dev/visibility" not in s["metadata"]["labels"]}
    assert public == {"ingest-trigger", "feature-ingestor"}


def job_name(bucket: str, name: str, generation: int | None) -> str:
    """shared/src/domain/job_name.rs `JobName::for_object`, for checking the example."""
    digest = hashlib.sha256(
        bucket.encode() + b"\0" + name.encode() + b"\0" + struct.pack("<q", generation or 0)).hexdigest()[:16]
    stem = re.sub(r"[^a-z0-9]", "-", name.rsplit("/", 1)[-1].lower())[: 63 - 4 - len(digest)].strip("-")
    return "-".join(p for p in f"cv-{stem}-{digest}".split("-") if p)


def example_job() -> dict:
    return yaml.safe_load((KNATIVE / "examples/cv-processor-job.yaml").read_text())


def dev_config() -> dict:
    objs = rendered_overlay("dev")
    return [c for c in of_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")][0]["data"]


def test_example_job_agrees_with_the_config_map_and_the_gpu_pool():
    job, cm = example_job(), dev_config()
    spec = job["spec"]
    pod = spec["template"]["spec"]
    (c,) = pod["containers"]
    assert spec["backoffLimit"] == int(cm["JOB_BACKOFF_LIMIT"])
    assert spec["ttlSecondsAfterFinished"] == int(cm["JOB_TTL_SECONDS"])
    assert job["metadata"]["namespace"] == cm["JOB_NAMESPACE"]
    assert pod["serviceAccountName"] == cm["JOB_SERVICE_ACCOUNT"]
    gpus = str(cm["JOB_GPU_COUNT"])
    assert c["resources"]["requests"] == {"cpu": cm["JOB_CPU_REQUEST"], "memory": cm["JOB_MEMORY_REQUEST"],
                                          "nvidia.com/gpu": gpus}
    assert c["resources"]["limits"] == {"memory": cm["JOB_MEMORY_LIMIT"], "nvidia.com/gpu": gpus}
    # build_job tolerates the GPU taint (terraform node_pools.tf: nvidia.com/gpu=present:NoSchedule)
    # whatever its value, and selects the pool by JOB_NODE_SELECTOR.
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["nodeSelector"] == dict(p.split("=", 1) for p in cm["JOB_NODE_SELECTOR"].split(","))
    env = {e["name"]: e for e in c["env"]}
    assert [e["name"] for e in c["env"]] == ["CV_PUBSUB_TOPIC", "RUST_LOG", "LOG_FORMAT"], "no Neo4j settings, no Secret"
    assert env["CV_PUBSUB_TOPIC"]["value"] == cm["JOB_PUBSUB_TOPIC"]
    assert spec["activeDeadlineSeconds"] == int(cm["JOB_ACTIVE_DEADLINE_SECONDS"])
    assert env["RUST_LOG"]["value"] == cm["JOB_RUST_LOG"]
    assert "secretKeyRef" not in json.dumps(job) and "envFrom" not in c
    policy = by_name(of_kind(rendered_overlay("dev"), "NetworkPolicy"), "cv-processor-jobs")
    assert policy["metadata"]["namespace"] == job["metadata"]["namespace"]
    assert policy["spec"]["podSelector"].get("matchLabels", {}).items() <= job["spec"]["template"]["metadata"]["labels"].items()


def test_example_job_is_named_and_labelled_as_ingest_trigger_builds_it():
    job, cm = example_job(), dev_config()
    meta = job["metadata"]
    (c,) = job["spec"]["template"]["spec"]["containers"]
    uri = meta["annotations"]["sightgraph.dev/image-uri"]
    bucket, rest = uri.removeprefix("gs://").split("/", 1)
    name, generation = rest.split("#")
    assert meta["name"] == job_name(bucket, name, int(generation))
    assert c["args"] == ["--image-uri", uri, "--job-id", meta["name"], "--publish", cm["JOB_PUBSUB_TOPIC"]]
    assert meta["labels"] == {
        "app.kubernetes.io/name": "cv-processor",
        "app.kubernetes.io/part-of": "sightgraph",
        "app.kubernetes.io/managed-by": "ingest-trigger",
        "sightgraph.dev/image-uri-hash": hashlib.sha256(uri.encode()).hexdigest()[:16],
    }
    assert meta["annotations"]["sightgraph.dev/event-id"]
    assert c["imagePullPolicy"] == "IfNotPresent"


def test_example_job_fails_at_once_on_bad_input_and_retries_only_transient_failures():
    spec = example_job()["spec"]
    rules = spec["podFailurePolicy"]["rules"]
    assert [r["action"] for r in rules] == ["Ignore", "FailJob", "Count"]
    assert rules[0]["onPodConditions"] == [{"type": "DisruptionTarget", "status": "True"}]
    assert rules[1]["onExitCodes"] == {"containerName": "cv-processor", "operator": "In", "values": [64, 65, 78]}
    assert rules[2]["onExitCodes"] == {"containerName": "cv-processor", "operator": "In", "values": [75]}
    assert spec["template"]["spec"]["restartPolicy"] == "Never", "podFailurePolicy requires it"


def test_the_job_name_rule_matches_a_name_ingest_trigger_really_gave():
    # From the emulator end-to-end run (tests/e2e): gs://e2e-raw-images/photos/dog.jpg#1795610223926719.
    assert job_name("e2e-raw-images", "photos/dog.jpg", 1795610223926719) == "cv-dog-jpg-40df025f191ddf3f"


def test_prod_spanner_switches_every_function_to_the_terraform_database_with_workload_identity():
    objs = rendered_overlay("prod-spanner")
    (cm,) = [c for c in of_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")]
    # terraform/spanner.tf: instance "<local.name>-graph" (local.name = sightgraph-<environment>), database "sightgraph".
    assert cm["data"]["SPANNER_DATABASE"] == "projects/sightgraph-prod/instances/sightgraph-prod-graph/databases/sightgraph"
    assert cm["data"]["SPANNER_VECTOR_SEARCH"] in ("exact", "approx")
    assert "SPANNER_EMULATOR_HOST" not in cm["data"], "production talks to Cloud Spanner with credentials"
    gsa = "sightgraph-runtime@sightgraph-prod.iam.gserviceaccount.com"
    accounts = {s["spec"]["template"]["spec"]["serviceAccountName"] for s in ksvcs(objs) if s["metadata"]["name"] in FUNCTIONS}
    # feature-ingestor keeps prod's own account, which terraform/spanner.tf also grants the database.
    expected = {"sightgraph-runtime": gsa, "sightgraph-ingest-trigger": gsa,
                "sightgraph-feature-ingestor": "sightgraph-feature-ingestor@sightgraph-prod.iam.gserviceaccount.com"}
    assert accounts == set(expected)
    for name in accounts:
        sa = by_name(of_kind(objs, "ServiceAccount"), name)
        assert sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == expected[name], name
    # Everything else is prod's: same images, same Services, same config apart from SPANNER_*.
    prod = rendered_overlay("prod")
    (prod_cm,) = [c for c in of_kind(prod, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")]
    assert {k: v for k, v in cm["data"].items() if not k.startswith("SPANNER_")} == prod_cm["data"]
    strip = lambda svc: json.dumps(svc["spec"]["template"]["spec"]["containers"][0]["image"])
    assert [strip(s) for s in ksvcs(objs)] == [strip(s) for s in ksvcs(prod)]


def backfill_job() -> dict:
    return yaml.safe_load((KNATIVE / "examples/backfill-job.yaml").read_text())


def test_the_backfill_job_matches_the_kubernetes_schema_and_is_one_indexed_job_within_the_gpu_pool():
    job = backfill_job()
    _validate_core(job)
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    pool_total = hcl_gpu_max_nodes()
    assert 1 <= spec["parallelism"] <= min(spec["completions"], pool_total), "never more pods than the pool's GPUs"
    assert spec["backoffLimitPerIndex"] >= 1 and "backoffLimit" not in spec, "retries count per shard"
    (c,) = spec["template"]["spec"]["containers"]
    assert c["args"][0] == "batch" and "--run" in c["args"], "each pod runs its shard (JOB_COMPLETION_INDEX)"


def hcl_gpu_max_nodes() -> int:
    text = (ROOT / "terraform/variables.tf").read_text()
    block = text[text.index('variable "gpu_max_nodes"'):]
    return int(re.search(r"default\s*=\s*(\d+)", block).group(1))


def test_the_backfill_job_agrees_with_the_config_map_and_the_per_image_job():
    job, cm, single = backfill_job(), dev_config(), example_job()
    pod, single_pod = job["spec"]["template"]["spec"], single["spec"]["template"]["spec"]
    (c,), (single_c,) = pod["containers"], single_pod["containers"]
    assert job["metadata"]["namespace"] == cm["JOB_NAMESPACE"]
    assert pod["serviceAccountName"] == cm["JOB_SERVICE_ACCOUNT"]
    assert pod["automountServiceAccountToken"] is False and "secretKeyRef" not in json.dumps(job)
    assert c["resources"] == single_c["resources"]
    for key in ("securityContext", "tolerations", "nodeSelector", "restartPolicy", "enableServiceLinks"):
        assert pod[key] == single_pod[key], key
    assert c["securityContext"] == single_c["securityContext"]
    assert c["args"][c["args"].index("--publish") + 1] == cm["JOB_PUBSUB_TOPIC"], "documents through Pub/Sub"
    assert [e["name"] for e in c["env"]] == ["CV_PUBSUB_TOPIC", "RUST_LOG", "LOG_FORMAT"], "no Neo4j settings, no Secret"
    policy = by_name(of_kind(rendered_overlay("dev"), "NetworkPolicy"), "cv-processor-jobs")
    assert policy["spec"]["podSelector"].get("matchLabels", {}).items() <= job["spec"]["template"]["metadata"]["labels"].items()


def test_the_backfill_launcher_may_only_create_read_and_list_jobs_in_the_jobs_namespace(rendered):
    role = by_name(of_kind(rendered, "Role"), "sightgraph-backfill-launcher")
    assert role["metadata"]["namespace"] == JOBS_NAMESPACE == backfill_job()["metadata"]["namespace"]
    assert role["rules"] == [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "list"]}], \
        "functions/backfill launch/kubernetes.rs: list (a run still going), create, get (one that exists)"
    binding = by_name(of_kind(rendered, "RoleBinding"), "sightgraph-backfill-launcher")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    (subject,) = binding["subjects"]
    account = by_name(of_kind(rendered, "ServiceAccount"), subject["name"])
    assert subject["namespace"] == account["metadata"]["namespace"] != JOBS_NAMESPACE
    assert account.get("automountServiceAccountToken") is False, "operators take short-lived tokens"
    assert all(s["spec"]["template"]["spec"]["serviceAccountName"] != subject["name"] for s in ksvcs(rendered))


def test_feature_service_takes_the_backfill_parallelism_from_terraform_s_gpu_pool_total(rendered):
    svc = by_name(ksvcs(rendered), "feature-service")
    (c,) = svc["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in c["env"]}
    ref = env["BACKFILL_PARALLELISM"]["valueFrom"]["configMapKeyRef"]
    assert (ref["name"], ref["key"]) == ("sightgraph-infra", "BACKFILL_PARALLELISM")
