# Neo4j on the cluster from the official Helm chart, standalone, reachable only inside
# the cluster at neo4j://neo4j.neo4j.svc.cluster.local:7687 (NEO4J_URI in the ConfigMap).
# Its password lives in Secret Manager (secrets.tf).
resource "helm_release" "neo4j" {
  name       = "neo4j"
  namespace  = kubernetes_namespace_v1.neo4j.metadata[0].name
  repository = "https://helm.neo4j.com/neo4j"
  chart      = "neo4j"
  version    = var.neo4j_chart_version
  timeout    = 900
  wait       = true

  values = [yamlencode({
    neo4j = {
      name    = "sightgraph"
      edition = "community"
      resources = {
        cpu    = "2"
        memory = "4Gi"
      }
    }
    # NB: the server ends any transaction after 30 s, the functions' own per-operation bound
    # (shared/src/graph/neo4j/client.rs), so a query the client gave up on stops using the server.
    config = {
      "db.transaction.timeout" = "30s"
    }
    volumes = {
      data = {
        mode = "defaultStorageClass"
        defaultStorageClass = {
          requests = { storage = var.neo4j_storage_size }
        }
      }
    }
    # No external load balancer: the functions reach Neo4j through the ClusterIP service.
    services = {
      neo4j = { enabled = false }
    }
  })]

  set_sensitive {
    name  = "neo4j.password"
    value = random_password.neo4j.result
  }

  depends_on = [google_container_node_pool.general]
}
