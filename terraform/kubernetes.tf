# In-cluster objects that depend on infrastructure values: the namespaces and the
# sightgraph-infra ConfigMap the Knative Services read REDIS_URL from.
resource "kubernetes_namespace_v1" "sightgraph" {
  metadata {
    name   = var.knative_namespace
    labels = { "app.kubernetes.io/part-of" = "sightgraph" }
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
  }
}
