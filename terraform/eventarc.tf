# GCS "object finalized" and "object deleted" -> Eventarc -> the Knative broker's ingress
# inside the cluster. Eventarc's GKE destination posts binary-mode CloudEvents through its
# event forwarder to <service>.<namespace>.svc.cluster.local<path>: the broker ingress,
# path /<namespace>/<broker>. The broker's Triggers route them to ingest-trigger.
locals {
  # NB: prod's Broker is of the Kafka class (knative/overlays/prod/broker.yaml), whose
  # ingress is another Service than the multi-tenant channel-based broker's.
  broker_ingress = var.environment == "prod" ? "kafka-broker-ingress" : "broker-ingress"
  gcs_event_types = {
    finalized = "google.cloud.storage.object.v1.finalized"
    deleted   = "google.cloud.storage.object.v1.deleted"
  }
}

resource "google_eventarc_trigger" "raw_image" {
  for_each = local.gcs_event_types
  name     = "${local.name}-raw-image-${each.key}"
  location = var.region
  labels   = local.labels

  matching_criteria {
    attribute = "type"
    value     = each.value
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
      service   = local.broker_ingress
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
