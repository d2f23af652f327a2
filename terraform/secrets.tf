# Secret Manager is the source of truth for the three Kubernetes Secrets the functions
# read (sightgraph-neo4j/password, sightgraph-redis/auth, sightgraph-admin/token);
# scripts/deploy/secrets.sh copies them into the cluster.
resource "random_password" "neo4j" {
  length  = 32
  special = false
}

resource "random_password" "admin_token" {
  length  = 48
  special = false
}

locals {
  secrets = {
    neo4j-password = random_password.neo4j.result
    redis-auth     = google_redis_instance.cache.auth_string
    admin-token    = random_password.admin_token.result
  }
}

resource "google_secret_manager_secret" "runtime" {
  for_each  = toset(keys(local.secrets))
  secret_id = "${local.name}-${each.value}"
  labels    = local.labels

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "runtime" {
  for_each    = google_secret_manager_secret.runtime
  secret      = each.value.id
  secret_data = local.secrets[each.key]
}
