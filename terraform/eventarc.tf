# GCS "object finalized" -> Eventarc -> the Knative broker's ingress inside the cluster.
# Eventarc's GKE destination posts binary-mode CloudEvents through its event forwarder
# to <service>.<namespace>.svc.cluster.local<path>: here the multi-tenant broker ingress,
# path /<namespace>/<broker>. The broker's Trigger routes them to ingest-trigger.
resource "google_eventarc_trigger" "raw_image_finalized" {
  name     = "${local.name}-raw-image-finalized"
  location = var.region
  labels   = local.labels

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }
  matching_criteria {
    attribute = "bucket"
    value     = google_storage_bucket.raw_images.name
  }

  destination {
    gke {
      cluster   = google_container_cluster.main.name
      location  = var.region
      namespace = "knative-eventing"
      service   = "broker-ingress"
      path      = "/${var.knative_namespace}/default"
    }
  }

  service_account = google_service_account.eventarc.email

  depends_on = [
    google_project_iam_member.gcs_agent_pubsub_publisher,
    google_project_iam_member.eventarc_receiver,
    google_project_iam_member.eventarc_agent_gke,
  ]
}
