"""Who may reach what (docs/security.md), checked on the rendered manifests: NetworkPolicies
per receiver, the Jobs' namespace, Memorystore's CA, and the Pub/Sub push identity."""
import re

import pytest
import yaml

from conftest import KNATIVE, OVERLAYS, ROOT, by_name, ksvcs, kustomize, of_kind, rendered_overlay

JOBS_NAMESPACE = "sightgraph-jobs"
QUEUE_PROXY = {8012, 8013}
# The only peers a Knative Service pod admits, with the ports each may use: every request
# to a Service (broker filter, browsers, Pub/Sub push) arrives through the ingress gateway
# or the activator (scale from zero); the autoscaler scrapes queue-proxy's metrics.
SERVING_DATA_PLANE = {
    ("kourier-system", "app=3scale-kourier-gateway"): QUEUE_PROXY,
    ("knative-serving", "app=activator"): QUEUE_PROXY,
    ("knative-serving", "app=autoscaler"): {9090},
}


def selects(selector: dict, labels: dict) -> bool:
    """A Kubernetes label selector (matchLabels, matchExpressions In/NotIn/Exists/DoesNotExist)."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        key, op, values = e["key"], e["operator"], e.get("values", [])
        ok = {"In": labels.get(key) in values, "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}[op]
        if not ok:
            return False
    return True


def pod_labels(svc: dict) -> dict:
    """The labels Knative puts on a Service's Revision pods."""
    labels = dict(svc["spec"]["template"]["metadata"].get("labels", {}))
    name = svc["metadata"]["name"]
    labels.update({"serving.knative.dev/service": name, "serving.knative.dev/configuration": name,
                   "serving.knative.dev/revision": svc["spec"]["template"]["metadata"].get("name", name)})
    return labels


def peer(p: dict) -> tuple:
    assert "ipBlock" not in p, f"an ipBlock admits addresses, not workloads: {p}"
    assert set(p) == {"namespaceSelector", "podSelector"}, f"a peer names both namespace and pods: {p}"
    (ns,) = p["namespaceSelector"]["matchLabels"].values()
    assert list(p["namespaceSelector"]["matchLabels"]) == ["kubernetes.io/metadata.name"], p
    pods = ",".join(f"{k}={v}" for k, v in sorted(p["podSelector"]["matchLabels"].items()))
    return ns, pods


def admitted(policies: list[dict], namespace: str, labels: dict) -> dict:
    """(namespace, pod selector) -> ports, over every ingress rule of the policies selecting the pod."""
    found: dict = {}
    for pol in policies:
        if pol["metadata"]["namespace"] != namespace or not selects(pol["spec"]["podSelector"], labels):
            continue
        assert "Ingress" in pol["spec"]["policyTypes"], pol["metadata"]["name"]
        for rule in pol["spec"].get("ingress", []):
            assert rule.get("from"), f"{pol['metadata']['name']}: a rule without `from` admits everyone"
            assert rule.get("ports"), f"{pol['metadata']['name']}: a rule without ports admits every port"
            ports = {p["port"] for p in rule["ports"]}
            for p in rule["from"]:
                found.setdefault(peer(p), set()).update(ports)
    return found


def test_the_selector_matcher_agrees_with_kubernetes():
    labels = {"app": "a", "serving.knative.dev/service": "x"}
    assert selects({}, labels)
    assert selects({"matchExpressions": [{"key": "serving.knative.dev/service", "operator": "Exists"}]}, labels)
    assert not selects({"matchLabels": {"app": "b"}}, labels)
    assert not selects({"matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}]}, labels)


def test_every_namespace_we_run_pods_in_denies_ingress_by_default(rendered):
    policies = of_kind(rendered, "NetworkPolicy")
    for ns in ("sightgraph", JOBS_NAMESPACE):
        deny = [p for p in policies if p["metadata"]["namespace"] == ns and p["spec"]["podSelector"] == {}
                and "Ingress" in p["spec"]["policyTypes"]]
        assert deny, f"{ns} has no policy selecting every pod for ingress"


def test_every_knative_service_admits_only_the_serving_data_plane(rendered):
    policies = of_kind(rendered, "NetworkPolicy")
    services = ksvcs(rendered)
    assert {s["metadata"]["name"] for s in services} >= {"ingest-trigger", "feature-ingestor", "cache-warmer",
                                                        "feature-service", "dead-letter", "ui"}
    for svc in services:
        got = admitted(policies, svc["metadata"]["namespace"], pod_labels(svc))
        assert got == SERVING_DATA_PLANE, f"{svc['metadata']['name']} admits {got}"


def test_a_pod_that_is_no_knative_service_admits_nothing(rendered):
    policies = of_kind(rendered, "NetworkPolicy")
    assert admitted(policies, "sightgraph", {"app": "debug-shell"}) == {}


def test_the_jobs_admit_nothing_and_reach_only_dns_the_broker_metadata_and_public_https(rendered):
    (policy,) = [p for p in of_kind(rendered, "NetworkPolicy") if p["metadata"]["namespace"] == JOBS_NAMESPACE]
    spec = policy["spec"]
    assert spec["podSelector"] == {} and set(spec["policyTypes"]) == {"Ingress", "Egress"}
    assert not spec.get("ingress"), "Job pods serve nothing"
    rules = {tuple(sorted((p.get("protocol", "TCP"), p["port"]) for p in r["ports"])): r.get("to") for r in spec["egress"]}
    assert rules.pop((("TCP", 53), ("UDP", 53))) is None, "DNS"
    (broker,) = rules.pop((("TCP", 8080),))
    assert peer(broker) == ("knative-eventing", "eventing.knative.dev/brokerRole=ingress")
    assert rules.pop((("TCP", 80),)) == [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "metadata server"
    assert rules.pop((("TCP", 988),)) == [{"ipBlock": {"cidr": "169.254.169.252/32"}}], "metadata server (pre-DPv2)"
    (https,) = rules.pop((("TCP", 443),))
    assert https["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"} <= set(https["ipBlock"]["except"]), \
        "no private address: Neo4j, Redis and other pods stay out of reach"
    assert not rules, f"unexpected egress {rules}"


def test_only_the_jobs_account_lives_in_the_jobs_namespace_and_it_has_no_api_token(rendered):
    in_jobs = [o for o in rendered if o["metadata"].get("namespace") == JOBS_NAMESPACE]
    assert {o["kind"] for o in in_jobs} == {"ServiceAccount", "Role", "RoleBinding", "NetworkPolicy"}
    (sa,) = of_kind(in_jobs, "ServiceAccount")
    assert sa["automountServiceAccountToken"] is False


def test_services_that_use_redis_trust_memorystore_s_ca_from_terraform(rendered):
    users = 0
    for svc in ksvcs(rendered):
        (c,) = svc["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in c.get("env", [])}
        if "REDIS_URL" not in env:
            continue
        users += 1
        assert env["REDIS_CA_CERTS"]["valueFrom"]["configMapKeyRef"] == {"name": "sightgraph-infra", "key": "REDIS_CA_CERTS"}, \
            f"{svc['metadata']['name']}: rediss:// needs Memorystore's server CA"
    assert users == 3, "feature-ingestor, feature-service and cache-warmer use Redis"
    infra = (ROOT / "terraform/kubernetes.tf").read_text()
    assert re.search(r'REDIS_CA_CERTS\s*=\s*join\("\\n", \[for c in google_redis_instance\.cache\.server_ca_certs', infra)
    assert re.search(r'REDIS_URL\s*=\s*"rediss://', infra)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingest_trigger_verifies_pushes_from_the_project_s_push_account(overlay):
    (cm,) = [c for c in of_kind(rendered_overlay(overlay), "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")]
    data = cm["data"]
    # terraform iam.tf: account_id "${local.name}-pubsub-push", local.name = "sightgraph-${environment}".
    assert data["PUSH_AUTH_SERVICE_ACCOUNT"] == f"sightgraph-{overlay}-pubsub-push@sightgraph-{overlay}.iam.gserviceaccount.com"
    assert data["PUSH_AUTH_AUDIENCE"].startswith("https://") and data["PUSH_AUTH_AUDIENCE"].endswith("/pubsub/push")
    assert "PUSH_AUTH_DISABLED" not in data, "verification is never switched off in the cluster"
    assert re.search(r'account_id\s*=\s*"\$\{local\.name\}-pubsub-push"', (ROOT / "terraform/iam.tf").read_text())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_feature_ingestor_verifies_pushes_for_its_own_url(overlay):
    objs = rendered_overlay(overlay)
    (cm,) = [c for c in of_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith("sightgraph-config")]
    (c,) = by_name(ksvcs(objs), "feature-ingestor")["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    audience = env["PUSH_AUTH_AUDIENCE"]
    # terraform pubsub.tf: the documents' push subscription signs for var.features_push_endpoint.
    assert audience.startswith("https://feature-ingestor.") and audience.endswith("/pubsub/push"), audience
    assert audience != cm["data"]["PUSH_AUTH_AUDIENCE"], "a token for ingest-trigger's URL must not pass here"
    assert env["PUBSUB_PUSH_ONLY"] == "true"
    assert "PUSH_AUTH_DISABLED" not in env


def test_no_manifest_switches_push_verification_off():
    for path in KNATIVE.rglob("*"):
        if path.is_file():
            assert "PUSH_AUTH_DISABLED" not in path.read_text(), path


def test_the_public_pubsub_push_component_serves_only_verified_pushes(tmp_path):
    import os
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "resources": [os.path.relpath(KNATIVE / "overlays/prod", tmp_path)],
        "components": [os.path.relpath(KNATIVE / "components/pubsub-push", tmp_path)],
    }))
    objs = kustomize(tmp_path)
    trigger = by_name(ksvcs(objs), "ingest-trigger")
    (c,) = trigger["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    assert not any(n.startswith("PUSH_AUTH_") for n in env), "the ConfigMap's values stand: verification on"
    assert env["PUBSUB_PUSH_ONLY"] == "true", "a public ingest-trigger must not take unauthenticated CloudEvents"
    assert admitted(of_kind(objs, "NetworkPolicy"), "sightgraph", pod_labels(trigger)) == SERVING_DATA_PLANE


def test_the_broker_ingress_component_admits_only_eventing_and_labelled_sender_namespaces(tmp_path):
    import os
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "resources": [os.path.relpath(KNATIVE / "overlays/dev", tmp_path)],
        "components": [os.path.relpath(KNATIVE / "components/broker-ingress-policy", tmp_path)],
    }))
    policy = by_name(of_kind(kustomize(tmp_path), "NetworkPolicy"), "broker-ingress-senders")
    assert policy["metadata"]["namespace"] == "knative-eventing", "the component must not be moved into sightgraph"
    assert policy["spec"]["podSelector"] == {"matchLabels": {"eventing.knative.dev/brokerRole": "ingress"}}
    (rule,) = policy["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    assert [p["namespaceSelector"]["matchLabels"] for p in rule["from"]] == [
        {"kubernetes.io/metadata.name": "knative-eventing"}, {"sightgraph.dev/broker-sender": "true"}]
    jobs = (ROOT / "terraform/kubernetes.tf").read_text()
    assert re.search(r'"sightgraph\.dev/broker-sender"\s*=\s*"true"', jobs), "terraform labels the Jobs' namespace"
