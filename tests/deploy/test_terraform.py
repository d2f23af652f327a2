"""Terraform parsed with python-hcl2: file layout, pinned providers, variables, GKE settings."""
from pathlib import Path

import hcl2
import pytest

from conftest import ROOT

TF = ROOT / "terraform"
EXPECTED_FILES = {"versions.tf", "variables.tf", "outputs.tf", "gke.tf", "node_pools.tf", "storage.tf",
                  "eventarc.tf", "pubsub.tf", "redis.tf", "registry.tf", "iam.tf", "neo4j.tf", "spanner.tf"}


def unquote(v):
    if isinstance(v, str) and len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    if isinstance(v, list):
        return [unquote(x) for x in v]
    if isinstance(v, dict):
        return {unquote(k): unquote(x) for k, x in v.items() if k != "__is_block__"}
    return v


def parse(path: Path) -> dict:
    with path.open() as f:
        return unquote(hcl2.load(f))


@pytest.fixture(scope="module")
def config() -> dict:
    merged: dict = {}
    for path in sorted(TF.glob("*.tf")):
        for key, blocks in parse(path).items():
            merged.setdefault(key, []).extend(blocks)
    return merged


def resources(config, rtype) -> dict:
    return {name: body for block in config.get("resource", []) for t, named in block.items()
            if t == rtype for name, body in named.items()}


def test_every_terraform_file_parses_and_the_layout_is_split_by_concern():
    files = {p.name for p in TF.glob("*.tf")}
    assert EXPECTED_FILES <= files, EXPECTED_FILES - files
    for path in TF.glob("*.tf"):
        parse(path)


def test_providers_are_pinned_to_exact_versions(config):
    (tf,) = config["terraform"]
    providers = tf["required_providers"][0]
    assert {"google", "google-beta", "kubernetes", "helm"} <= set(providers)
    for name, spec in providers.items():
        assert spec["version"][0].isdigit(), f"{name} is not pinned: {spec['version']}"


def test_every_variable_has_a_description_and_inputs_are_validated(config):
    variables = {n: b for block in config["variable"] for n, b in block.items()}
    for name, body in variables.items():
        assert body.get("description"), f"variable {name} has no description"
    for name in ("project_id", "environment", "region", "gpu_max_nodes", "master_authorized_networks"):
        assert variables[name].get("validation"), f"variable {name} has no validation"
    outputs = {n: b for block in config["output"] for n, b in block.items()}
    assert all(b.get("description") for b in outputs.values())


def test_gpu_pool_autoscales_from_zero_to_five_t4s_in_total_behind_a_taint(config):
    pools = resources(config, "google_container_node_pool")
    gpu = [p for p in pools.values() if "guest_accelerator" in p["node_config"][0]]
    assert len(gpu) == 1, "exactly one GPU node pool"
    pool = gpu[0]
    node = pool["node_config"][0]
    (accel,) = node["guest_accelerator"]
    assert accel["type"] == "nvidia-tesla-t4" and accel["count"] == 1
    (auto,) = pool["autoscaling"]
    # Per-zone bounds (min/max_node_count) would multiply by the zones: the cap must be the pool's total.
    assert "max_node_count" not in auto and "min_node_count" not in auto
    assert auto["total_min_node_count"] == 0
    variables = {n: b for block in config["variable"] for n, b in block.items()}
    assert auto["total_max_node_count"] == "${var.gpu_max_nodes}" and variables["gpu_max_nodes"]["default"] == 5
    assert node["taint"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]
    assert pool["management"] == [{"auto_repair": True, "auto_upgrade": True}]


def test_every_node_pool_uses_workload_identity_and_shielded_nodes(config):
    for name, pool in resources(config, "google_container_node_pool").items():
        node = pool["node_config"][0]
        assert node["workload_metadata_config"] == [{"mode": "GKE_METADATA"}], name
        assert node["shielded_instance_config"][0]["enable_secure_boot"] is True, name
        assert pool["management"][0]["auto_repair"] is True, name


def test_cluster_is_private_with_workload_identity_and_a_release_channel(config):
    (cluster,) = resources(config, "google_container_cluster").values()
    assert cluster["private_cluster_config"][0]["enable_private_nodes"] is True
    assert cluster["workload_identity_config"][0]["workload_pool"] == "${var.project_id}.svc.id.goog"
    assert cluster["release_channel"]
    assert cluster["vertical_pod_autoscaling"] == [{"enabled": True}]
    assert cluster["remove_default_node_pool"] is True


def test_redis_has_auth_and_transit_encryption(config):
    (redis,) = resources(config, "google_redis_instance").values()
    assert redis["auth_enabled"] is True
    assert redis["transit_encryption_mode"] == "SERVER_AUTHENTICATION"


def test_eventarc_sends_finalized_and_deleted_objects_to_the_broker_ingress(config):
    (trigger,) = resources(config, "google_eventarc_trigger").values()
    locals_ = {k: v for block in config["locals"] for k, v in block.items()}
    assert trigger["for_each"] == "${local.gcs_event_types}"
    assert set(locals_["gcs_event_types"].values()) == {
        "google.cloud.storage.object.v1.finalized", "google.cloud.storage.object.v1.deleted"}
    criteria = {c["attribute"]: c["value"] for c in trigger["matching_criteria"]}
    assert criteria["type"] == "${each.value}"
    gke = trigger["destination"][0]["gke"][0]
    assert (gke["namespace"], gke["service"]) == ("knative-eventing", "${local.broker_ingress}")
    # prod's Broker is of the Kafka class (knative/overlays/prod/broker.yaml), dev's channel-based.
    assert locals_["broker_ingress"] == '${var.environment == "prod" ? "kafka-broker-ingress" : "broker-ingress"}'
    assert gke["path"] == "/${var.knative_namespace}/default"


def test_pubsub_path_notifies_on_finalize_and_delete_and_pushes_to_ingest_trigger(config):
    (note,) = resources(config, "google_storage_notification").values()
    assert note["event_types"] == ["OBJECT_FINALIZE", "OBJECT_DELETE"] and note["payload_format"] == "JSON_API_V1"
    sub = resources(config, "google_pubsub_subscription")["ingest_push"]
    assert sub["push_config"][0]["oidc_token"] and sub["dead_letter_policy"]


def test_feature_documents_are_handed_off_through_a_push_subscription_with_retries_and_a_dead_letter_topic(config):
    topics = resources(config, "google_pubsub_topic")
    assert topics["features"]["name"] == "${local.name}-features-extracted"
    assert "count" not in topics["features"], "the hand-off is always on"
    sub = resources(config, "google_pubsub_subscription")["features_push"]
    assert sub["topic"] == "${google_pubsub_topic.features.id}"
    assert "enable_message_ordering" not in sub, "ordering is not needed: writes are idempotent"
    push = sub["push_config"][0]
    assert push["push_endpoint"] == "${var.features_push_endpoint}"
    oidc = push["oidc_token"][0]
    assert oidc == {"service_account_email": "${google_service_account.pubsub_push.email}",
                    "audience": "${var.features_push_endpoint}"}
    assert sub["retry_policy"] == [{"minimum_backoff": "10s", "maximum_backoff": "600s"}]
    (dead,) = sub["dead_letter_policy"]
    assert dead["dead_letter_topic"] == "${google_pubsub_topic.features_dead_letter.id}"
    assert 5 <= dead["max_delivery_attempts"] <= 100
    assert sub["ack_deadline_seconds"] >= 60
    holder = resources(config, "google_pubsub_subscription")["features_dead_letters"]
    assert holder["topic"] == "${google_pubsub_topic.features_dead_letter.id}", "dead letters are kept"
    assert holder["expiration_policy"] == [{"ttl": ""}]


def test_the_hand_off_grants_exactly_what_each_party_needs(config):
    agent = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
    topic_grants = {(g["topic"], g["role"], g["member"]) for g in resources(config, "google_pubsub_topic_iam_member").values()}
    assert ("${google_pubsub_topic.features.id}", "roles/pubsub.publisher",
            "serviceAccount:${google_service_account.cv_processor.email}") in topic_grants
    assert ("${google_pubsub_topic.features_dead_letter.id}", "roles/pubsub.publisher", agent) in topic_grants
    assert ("${google_pubsub_topic.features_dead_letter.id}", "roles/pubsub.publisher",
            "serviceAccount:${google_service_account.feature_ingestor.email}") in topic_grants
    sub_grants = {(g["subscription"], g["role"], g["member"])
                  for g in resources(config, "google_pubsub_subscription_iam_member").values()}
    assert ("${google_pubsub_subscription.features_push[0].id}", "roles/pubsub.subscriber", agent) in sub_grants
    wi = resources(config, "google_service_account_iam_member")["feature_ingestor_workload_identity"]
    assert wi["member"].endswith("[${var.knative_namespace}/sightgraph-feature-ingestor]")
    token = resources(config, "google_service_account_iam_member")["pubsub_agent_token_creator"]
    assert "count" not in token, "the documents' push subscription always signs OIDC tokens"


def test_cv_processor_identity_only_reads_the_bucket_through_workload_identity(config):
    wi = resources(config, "google_service_account_iam_member")["cv_processor_workload_identity"]
    assert wi["role"] == "roles/iam.workloadIdentityUser"
    assert wi["member"].endswith("[${var.jobs_namespace}/sightgraph-cv-processor]"), "the Jobs' own namespace"
    grants = [b for b in resources(config, "google_storage_bucket_iam_member").values()]
    assert [g["role"] for g in grants] == ["roles/storage.objectViewer"]
    sa = resources(config, "google_service_account")["cv_processor"]
    assert sa["account_id"] == "sightgraph-cv-processor", "the overlays' Workload Identity annotation uses this id"


def test_neo4j_comes_from_the_official_chart_with_a_generated_password(config):
    (release,) = resources(config, "helm_release").values()
    assert release["repository"] == "https://helm.neo4j.com/neo4j" and release["chart"] == "neo4j"
    assert release["version"] == "${var.neo4j_chart_version}"
    assert release["set_sensitive"][0]["value"] == "${random_password.neo4j.result}"
    assert "neo4j-password" in (TF / "secrets.tf").read_text()


def test_the_jobs_namespace_enforces_the_restricted_pod_security_standard(config):
    ns = resources(config, "kubernetes_namespace_v1")["jobs"]
    labels = ns["metadata"][0]["labels"]
    assert ns["metadata"][0]["name"] == "${var.jobs_namespace}"
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    variables = {n: b for block in config["variable"] for n, b in block.items()}
    assert variables["jobs_namespace"]["default"] == "sightgraph-jobs" and variables["jobs_namespace"].get("validation")


def test_neo4j_answers_only_the_four_functions_on_bolt(config):
    policy = resources(config, "kubernetes_network_policy_v1")["neo4j_clients"]
    spec = policy["spec"][0]
    assert policy["metadata"][0]["namespace"] == "${kubernetes_namespace_v1.neo4j.metadata[0].name}"
    assert spec["policy_types"] == ["Ingress"]
    functions, own = spec["ingress"]
    (peer,) = functions["from"]
    assert peer["namespace_selector"][0]["match_labels"] == {
        "kubernetes.io/metadata.name": "${kubernetes_namespace_v1.sightgraph.metadata[0].name}"}
    (expr,) = peer["pod_selector"][0]["match_expressions"]
    assert (expr["key"], expr["operator"]) == ("serving.knative.dev/service", "In")
    assert sorted(expr["values"]) == ["cache-warmer", "feature-ingestor", "feature-service", "ingest-trigger"]
    assert functions["ports"] == [{"protocol": "TCP", "port": "7687"}]
    assert own["from"] == [{"pod_selector": [{}]}], "the release's own pods among themselves"


def test_the_infra_config_map_gives_the_functions_memorystore_s_tls_url_and_ca(config):
    data = resources(config, "kubernetes_config_map_v1")["infra"]["data"]
    assert data["REDIS_URL"].startswith("rediss://"), "Memorystore has transit encryption"
    assert "google_redis_instance.cache.server_ca_certs" in data["REDIS_CA_CERTS"]


def test_neo4j_ends_transactions_past_the_clients_own_bound_on_the_server():
    # shared/src/graph/neo4j/client.rs gives up after 30 s; the server must stop the work too.
    text = (TF / "neo4j.tf").read_text()
    assert '"db.transaction.timeout" = "30s"' in text
    assert "OPERATION_TIMEOUT: Duration = Duration::from_secs(30)" in \
        (ROOT / "shared/src/graph/neo4j/client.rs").read_text()


def ddl_statements(name: str) -> list[str]:
    """A DDL file split as terraform/spanner.tf and shared/src/graph/spanner/schema.rs split it."""
    text = (ROOT / "shared/src/graph/spanner/ddl" / f"{name}.sql").read_text()
    body = "\n".join(l for l in text.split("\n") if not l.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def test_spanner_instance_scales_by_processing_units_and_is_off_by_default(config):
    variables = {n: b for block in config["variable"] for n, b in block.items()}
    assert variables["enable_spanner"]["default"] is False, "Spanner costs money: opt in"
    (instance,) = resources(config, "google_spanner_instance").values()
    assert instance["count"] == "${var.enable_spanner ? 1 : 0}"
    assert instance["processing_units"] == "${var.spanner_autoscaling ? null : var.spanner_processing_units}"
    (auto,) = instance["dynamic"][0]["autoscaling_config"]["content"]
    limits = auto["autoscaling_limits"][0]
    assert limits == {"min_processing_units": "${var.spanner_processing_units}",
                      "max_processing_units": "${var.spanner_max_processing_units}"}
    assert instance["edition"] == "${var.spanner_edition}" and variables["spanner_edition"]["default"] == "ENTERPRISE"
    for name in ("spanner_processing_units", "spanner_max_processing_units", "spanner_edition"):
        assert variables[name].get("validation"), name


def test_spanner_database_takes_its_schema_from_the_files_the_binaries_apply(config):
    (db,) = resources(config, "google_spanner_database").values()
    assert db["deletion_protection"] is True and db["database_dialect"] == "GOOGLE_STANDARD_SQL"
    assert "local.spanner_ddl.schema" in db["ddl"] and "local.spanner_ddl.production" in db["ddl"]
    text = (TF / "spanner.tf").read_text()
    assert "../shared/src/graph/spanner/ddl" in text and 'file("${local.spanner_ddl_dir}/${f}.sql")' in text
    schema, production = ddl_statements("schema"), ddl_statements("production")
    assert len(schema) >= 14 and all(s.startswith(("CREATE ", "ALTER TABLE ")) for s in schema + production)
    assert all(" ADD COLUMN " in s for s in schema if s.startswith("ALTER TABLE ")), "additive changes only"
    assert any(s.startswith("CREATE VECTOR INDEX") for s in production)
    assert any(s.startswith("CREATE PROPERTY GRAPH") for s in production)
    assert not any("PROPERTY GRAPH" in s or "VECTOR INDEX" in s for s in schema), "the emulator refuses these"


def test_functions_use_spanner_as_one_database_user_through_workload_identity(config):
    grants = resources(config, "google_spanner_database_iam_member")
    assert {g["role"] for g in grants.values()} == {"roles/spanner.databaseUser"}, "no broader role"
    assert grants["graph_runtime"]["member"] == "serviceAccount:${google_service_account.graph_runtime[0].email}"
    # feature-ingestor runs as its own account (dead letters), and writes the graph too.
    assert grants["feature_ingestor"]["member"] == "serviceAccount:${google_service_account.feature_ingestor.email}"
    sa = resources(config, "google_service_account")["graph_runtime"]
    assert sa["account_id"] == "sightgraph-runtime", "knative/overlays/prod-spanner annotates with this id"
    wi = resources(config, "google_service_account_iam_member")["graph_runtime_workload_identity"]
    assert wi["role"] == "roles/iam.workloadIdentityUser"
    assert '"sightgraph-runtime", "sightgraph-ingest-trigger"' in wi["for_each"]
    assert wi["member"].endswith("[${var.knative_namespace}/${each.value}]")


def test_backfills_default_to_the_gpu_pool_s_total_as_their_parallelism(config):
    data = resources(config, "kubernetes_config_map_v1")["infra"]["data"]
    assert data["BACKFILL_PARALLELISM"] == "${tostring(var.gpu_max_nodes)}"
