# In-cluster objects that depend on infrastructure values: the namespaces, the
# sightgraph-infra ConfigMap the Knative Services read REDIS_URL and Memorystore's CA from,
# and the NetworkPolicy that lets only the functions reach Neo4j.
resource "kubernetes_namespace_v1" "sightgraph" {
  metadata {
    name   = var.knative_namespace
    labels = { "app.kubernetes.io/part-of" = "sightgraph" }
  }
}

# The cv-processor Jobs run apart from the functions: their own service account, no Secrets,
# Pod Security "restricted" (the Job spec of ingest-trigger's job.rs meets it), and a
# NetworkPolicy (knative/base/networkpolicy.yaml) that keeps them away from Neo4j and Redis.
resource "kubernetes_namespace_v1" "jobs" {
  metadata {
    name = var.jobs_namespace
    labels = {
      "app.kubernetes.io/part-of"                  = "sightgraph"
      "pod-security.kubernetes.io/enforce"         = "restricted"
      "pod-security.kubernetes.io/enforce-version" = "latest"
      # Admitted by knative/components/broker-ingress-policy: the Jobs post to the broker.
      "sightgraph.dev/broker-sender" = "true"
    }
  }
}

resource "kubernetes_namespace_v1" "neo4j" {
  metadata {
    name   = "neo4j"
    labels = { "app.kubernetes.io/part-of" = "sightgraph" }
  }
}

resource "kubernetes_config_map_v1" "infra" {
  metadata {
    name      = "sightgraph-infra"
    namespace = kubernetes_namespace_v1.sightgraph.metadata[0].name
  }
  data = {
    REDIS_URL      = "rediss://${google_redis_instance.cache.host}:${google_redis_instance.cache.port}"
    RAW_BUCKET     = google_storage_bucket.raw_images.name
    REDIS_CA_CERTS = join("\n", [for c in google_redis_instance.cache.server_ca_certs : c.cert])
    # A backfill's Indexed Job runs at most this many pods at once: the GPU pool's total bound.
    BACKFILL_PARALLELISM = tostring(var.gpu_max_nodes)
  }
}

# Neo4j (bolt 7687) answers only the four functions that use it; the Jobs, the UI and any
# other pod are refused. The Helm release's own pods may still talk among themselves.
resource "kubernetes_network_policy_v1" "neo4j_clients" {
  metadata {
    name      = "neo4j-clients"
    namespace = kubernetes_namespace_v1.neo4j.metadata[0].name
  }
  spec {
    pod_selector {}
    policy_types = ["Ingress"]
    ingress {
      from {
        namespace_selector {
          match_labels = { "kubernetes.io/metadata.name" = kubernetes_namespace_v1.sightgraph.metadata[0].name }
        }
        pod_selector {
          match_expressions {
            key      = "serving.knative.dev/service"
            operator = "In"
            values   = ["ingest-trigger", "feature-ingestor", "feature-service", "cache-warmer"]
          }
        }
      }
      ports {
        protocol = "TCP"
        port     = "7687"
      }
    }
    ingress {
      from {
        pod_selector {}
      }
    }
  }
}
