# Regional GKE Standard cluster: private nodes, Workload Identity, a release channel,
# Dataplane V2 (network policy), VPA (recommendations for the Knative functions).
resource "google_container_cluster" "main" {
  #checkov:skip=CKV_GCP_12:Dataplane V2 (datapath_provider ADVANCED_DATAPATH) enforces NetworkPolicy; the legacy network_policy block is for Calico and conflicts with it.
  #checkov:skip=CKV_GCP_69:The default pool is removed; every node pool (node_pools.tf) sets workload_metadata_config GKE_METADATA, asserted by tests/deploy.
  #checkov:skip=CKV_GCP_65:Google Groups for RBAC needs the organisation's Workspace domain (gke-security-groups@<domain>); add authenticator_groups_config where one exists.
  name     = local.name
  location = var.region
  # NB: node pools are managed in node_pools.tf; the default pool is removed at once.
  remove_default_node_pool = true
  initial_node_count       = 1
  deletion_protection      = var.environment == "prod"

  network         = google_compute_network.main.id
  subnetwork      = google_compute_subnetwork.nodes.id
  networking_mode = "VPC_NATIVE"
  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }
  datapath_provider = "ADVANCED_DATAPATH"

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
    master_ipv4_cidr_block  = var.master_cidr
  }
  master_authorized_networks_config {
    dynamic "cidr_blocks" {
      for_each = var.master_authorized_networks
      content {
        display_name = cidr_blocks.key
        cidr_block   = cidr_blocks.value
      }
    }
  }

  workload_identity_config {
    workload_pool = "${var.project_id}.svc.id.goog"
  }
  release_channel {
    channel = var.environment == "prod" ? "STABLE" : "REGULAR"
  }
  vertical_pod_autoscaling {
    enabled = true
  }
  enable_intranode_visibility = true
  enable_shielded_nodes       = true
  enable_legacy_abac          = false

  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }

  binary_authorization {
    evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE"
  }

  logging_config {
    enable_components = ["SYSTEM_COMPONENTS", "WORKLOADS"]
  }
  monitoring_config {
    enable_components = ["SYSTEM_COMPONENTS"]
    managed_prometheus {
      enabled = true
    }
  }

  resource_labels = local.labels

  depends_on = [google_project_service.apis]
}
