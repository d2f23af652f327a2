# Images of the functions and cv-processor (scripts/deploy/images.sh --push).
resource "google_artifact_registry_repository" "images" {
  #checkov:skip=CKV_GCP_84:Images hold no customer data; Google-managed encryption is enough. Add kms_key_name if policy requires CMEK.
  location      = var.region
  repository_id = "sightgraph"
  description   = "Sightgraph function and cv-processor images"
  format        = "DOCKER"
  labels        = local.labels

  docker_config {
    immutable_tags = true
  }

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 20
    }
  }
  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "1209600s"
    }
  }

  depends_on = [google_project_service.apis]
}
