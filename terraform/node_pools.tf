# Two pools: "general" for Knative, the functions and Neo4j; "gpu" (T4, scales from 0)
# only for the cv-processor Jobs, kept away from everything else by a taint.
resource "google_container_node_pool" "general" {
  name           = "general"
  cluster        = google_container_cluster.main.id
  location       = var.region
  node_locations = var.node_zones

  autoscaling {
    min_node_count = 1
    max_node_count = var.general_max_nodes
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type    = var.general_machine_type
    image_type      = "COS_CONTAINERD"
    disk_size_gb    = 100
    disk_type       = "pd-balanced"
    service_account = google_service_account.nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    labels          = merge(local.labels, { pool = "general" })

    workload_metadata_config {
      mode = "GKE_METADATA"
    }
    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
    metadata = {
      disable-legacy-endpoints = "true"
    }
  }
}

resource "google_container_node_pool" "gpu" {
  name           = "gpu-t4"
  cluster        = google_container_cluster.main.id
  location       = var.region
  node_locations = var.node_zones

  # NB: total_* bound the whole pool across node_zones; min/max_node_count are per zone, so
  # two zones would allow twice gpu_max_nodes GPUs (twice the cost cap).
  autoscaling {
    total_min_node_count = 0
    total_max_node_count = var.gpu_max_nodes
    location_policy      = "ANY"
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type    = var.gpu_machine_type
    image_type      = "COS_CONTAINERD"
    disk_size_gb    = 100
    disk_type       = "pd-balanced"
    service_account = google_service_account.nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    labels          = merge(local.labels, { pool = "gpu" })

    guest_accelerator {
      type  = "nvidia-tesla-t4"
      count = 1
      gpu_driver_installation_config {
        gpu_driver_version = "LATEST"
      }
    }

    # Only pods that tolerate it (the cv-processor Jobs) land here.
    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }
    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
    metadata = {
      disable-legacy-endpoints = "true"
    }
  }
}
