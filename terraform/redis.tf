# Feature cache: Memorystore for Redis with AUTH and TLS (server authentication, port 6378).
# Clients must trust the instance's server CA (output redis_server_ca_certs).
resource "google_redis_instance" "cache" {
  name                    = "${local.name}-cache"
  region                  = var.region
  tier                    = var.environment == "prod" ? "STANDARD_HA" : "BASIC"
  memory_size_gb          = var.redis_memory_size_gb
  redis_version           = "REDIS_7_2"
  authorized_network      = google_compute_network.main.id
  connect_mode            = "DIRECT_PEERING"
  auth_enabled            = true
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  labels                  = local.labels

  redis_configs = {
    maxmemory-policy = "allkeys-lru"
  }

  depends_on = [google_project_service.apis]
}
