# Pub/Sub, two paths. Below first: the alternative ingest path (var.enable_pubsub_push): GCS
# notification -> Pub/Sub topic -> push subscription -> ingest-trigger POST /pubsub/push
# (OIDC-signed), with a dead-letter topic after 10 attempts. Off by default; Eventarc
# (eventarc.tf) is the main path. Then: the feature documents' hand-off (always on).
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
  event_types    = ["OBJECT_FINALIZE", "OBJECT_DELETE"]
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

# The durable hand-off cv-processor -> feature-ingestor. Each Job publishes its feature
# document (dev.sightgraph.features.extracted as a binary-mode CloudEvent) and exits 0 only
# once Pub/Sub stored it; the push subscription posts it to feature-ingestor's
# POST /pubsub/push (OIDC-signed), which answers 2xx only after the graph commit. Ordering
# is not needed (writes are idempotent on content-derived ids).
resource "google_pubsub_topic" "features" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption at rest; the documents hold no secrets, and a CMEK key would put Cloud KMS on every publish's path.
  name   = "${local.name}-features-extracted"
  labels = local.labels
  # NB: kept 7 days whether or not a subscription took them, so a subscription created
  # or repaired later can `seek` back to them (docs/deploy.md).
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "features_dead_letter" {
  #checkov:skip=CKV_GCP_83:Same as the features topic: Google-managed encryption at rest.
  name                       = "${local.name}-features-dead-letter"
  labels                     = local.labels
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

# Holds the dead letters (the push subscription's after max_delivery_attempts, and what
# feature-ingestor moves there at once because it can never succeed) for inspection and replay.
resource "google_pubsub_subscription" "features_dead_letters" {
  name                       = "${local.name}-features-dead-letters"
  topic                      = google_pubsub_topic.features_dead_letter.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}

# Created once feature-ingestor's public URL is known (var.features_push_endpoint, after
# step 5 of docs/deploy.md); documents published before are kept by the topic.
resource "google_pubsub_subscription" "features_push" {
  count                      = var.features_push_endpoint != "" ? 1 : 0
  name                       = "${local.name}-features-push"
  topic                      = google_pubsub_topic.features.id
  ack_deadline_seconds       = 120
  message_retention_duration = "604800s"
  labels                     = local.labels

  push_config {
    push_endpoint = var.features_push_endpoint
    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = var.features_push_endpoint
    }
  }

  # NB: 20 attempts with backoff to 10 minutes ride out a Neo4j outage of about 2.5 hours
  # before a document is dead-lettered; poison messages never get here (the ingestor
  # acknowledges and dead-letters them at once).
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.features_dead_letter.id
    max_delivery_attempts = 20
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_pubsub_topic_iam_member.features_dead_letter_agent,
    google_service_account_iam_member.pubsub_agent_token_creator,
  ]
}

# Pub/Sub's service agent moves undeliverable documents to the dead-letter topic and acks them.
resource "google_pubsub_topic_iam_member" "features_dead_letter_agent" {
  topic  = google_pubsub_topic.features_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_subscription_iam_member" "features_push_agent" {
  count        = var.features_push_endpoint != "" ? 1 : 0
  subscription = google_pubsub_subscription.features_push[0].id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# The cv-processor Jobs publish documents, nothing else.
resource "google_pubsub_topic_iam_member" "cv_processor_publisher" {
  topic  = google_pubsub_topic.features.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.cv_processor.email}"
}

# feature-ingestor moves messages that can never succeed to the dead-letter topic at once.
resource "google_pubsub_topic_iam_member" "feature_ingestor_dead_letter" {
  topic  = google_pubsub_topic.features_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.feature_ingestor.email}"
}
