# Alternative ingest path (var.enable_pubsub_push): GCS notification -> Pub/Sub topic ->
# push subscription -> ingest-trigger POST /pubsub/push (OIDC-signed), with a dead-letter
# topic after 10 attempts. Off by default; Eventarc (eventarc.tf) is the main path.
resource "google_pubsub_topic" "raw_images" {
  count                      = var.enable_pubsub_push ? 1 : 0
  name                       = "${local.name}-raw-images"
  labels                     = local.labels
  message_retention_duration = "86400s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "raw_images_dead_letter" {
  count  = var.enable_pubsub_push ? 1 : 0
  name   = "${local.name}-raw-images-dead-letter"
  labels = local.labels
}

resource "google_storage_notification" "raw_images" {
  count          = var.enable_pubsub_push ? 1 : 0
  bucket         = google_storage_bucket.raw_images.name
  topic          = google_pubsub_topic.raw_images[0].id
  payload_format = "JSON_API_V1"
  event_types    = ["OBJECT_FINALIZE"]
  depends_on     = [google_pubsub_topic_iam_member.gcs_publisher]
}

resource "google_pubsub_topic_iam_member" "gcs_publisher" {
  count  = var.enable_pubsub_push ? 1 : 0
  topic  = google_pubsub_topic.raw_images[0].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

resource "google_pubsub_subscription" "ingest_push" {
  count                      = var.enable_pubsub_push ? 1 : 0
  name                       = "${local.name}-ingest-push"
  topic                      = google_pubsub_topic.raw_images[0].id
  ack_deadline_seconds       = 60
  message_retention_duration = "86400s"
  labels                     = local.labels

  push_config {
    push_endpoint = var.pubsub_push_endpoint
    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = var.pubsub_push_endpoint
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.raw_images_dead_letter[0].id
    max_delivery_attempts = 10
  }

  lifecycle {
    precondition {
      condition     = var.pubsub_push_endpoint != ""
      error_message = "enable_pubsub_push needs pubsub_push_endpoint (https://<ingest-trigger>/pubsub/push)."
    }
  }
}

# Pub/Sub's service agent moves undeliverable messages to the dead-letter topic and acks them.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  count  = var.enable_pubsub_push ? 1 : 0
  topic  = google_pubsub_topic.raw_images_dead_letter[0].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  count        = var.enable_pubsub_push ? 1 : 0
  subscription = google_pubsub_subscription.ingest_push[0].id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
