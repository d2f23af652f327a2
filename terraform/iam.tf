# Service accounts with least privilege. Pods get GCP identities only through Workload
# Identity (KSA -> GSA); nodes run as a minimal account, never the default compute one.

resource "google_service_account" "nodes" {
  account_id   = "${local.name}-nodes"
  display_name = "Sightgraph ${var.environment} GKE nodes"
}

resource "google_project_iam_member" "nodes" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
  ])
  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.nodes.email}"
}

resource "google_artifact_registry_repository_iam_member" "nodes_pull" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.nodes.email}"
}

# cv-processor Jobs (KSA sightgraph-jobs/sightgraph-cv-processor, in the Jobs' own namespace)
# read the raw images and publish their documents (pubsub.tf), nothing else: no other bucket,
# no Secret Manager, no project role.
resource "google_service_account" "cv_processor" {
  account_id   = "sightgraph-cv-processor"
  display_name = "Sightgraph cv-processor Jobs"
}

resource "google_storage_bucket_iam_member" "cv_processor_read" {
  bucket = google_storage_bucket.raw_images.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.cv_processor.email}"
}

resource "google_service_account_iam_member" "cv_processor_workload_identity" {
  service_account_id = google_service_account.cv_processor.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.jobs_namespace}/sightgraph-cv-processor]"
  depends_on         = [google_container_cluster.main]
}

# Eventarc trigger identity: may only receive events.
resource "google_service_account" "eventarc" {
  account_id   = "${local.name}-eventarc"
  display_name = "Sightgraph ${var.environment} Eventarc trigger"
}

resource "google_project_iam_member" "eventarc_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.eventarc.email}"
}

# Cloud Storage's service agent publishes the bucket's events (Eventarc uses Pub/Sub underneath).
data "google_storage_project_service_account" "gcs" {}

resource "google_project_iam_member" "gcs_agent_pubsub_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# What `gcloud eventarc gke-destinations init` grants Eventarc's service agent so it can
# run its event forwarder in the cluster.
resource "google_project_iam_member" "eventarc_agent_gke" {
  #checkov:skip=CKV_GCP_49:Eventarc's GKE destinations require its service agent to manage the event forwarder's service account (what gke-destinations init grants).
  #checkov:skip=CKV_GCP_42:Same grant: roles/iam.serviceAccountAdmin for Eventarc's Google-managed service agent, not for a workload.
  for_each = toset([
    "roles/compute.viewer",
    "roles/container.developer",
    "roles/iam.serviceAccountAdmin",
  ])
  project = var.project_id
  role    = each.value
  member  = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-eventarc.iam.gserviceaccount.com"
}

# feature-ingestor (KSA sightgraph/sightgraph-feature-ingestor) only publishes to the
# documents' dead-letter topic (pubsub.tf).
resource "google_service_account" "feature_ingestor" {
  account_id   = "sightgraph-feature-ingestor"
  display_name = "Sightgraph feature-ingestor"
}

resource "google_service_account_iam_member" "feature_ingestor_workload_identity" {
  service_account_id = google_service_account.feature_ingestor.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.knative_namespace}/sightgraph-feature-ingestor]"
  depends_on         = [google_container_cluster.main]
}

# Signs the OIDC tokens of the Pub/Sub push subscriptions (documents to feature-ingestor,
# and the alternative GCS path to ingest-trigger). Knative has no IAM invoker role: the
# receiving function verifies the token (issuer accounts.google.com, audience = its push
# URL, email = this account).
resource "google_service_account" "pubsub_push" {
  account_id   = "${local.name}-pubsub-push"
  display_name = "Sightgraph ${var.environment} Pub/Sub push identity"
}

resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# With Spanner as the graph store: the functions' pods (KSAs sightgraph-runtime and
# sightgraph-ingest-trigger) act as this account through Workload Identity; it may use
# the graph database and nothing else (spanner.tf).
resource "google_service_account" "graph_runtime" {
  count        = var.enable_spanner ? 1 : 0
  account_id   = "sightgraph-runtime"
  display_name = "Sightgraph functions (graph reads and writes)"
}

resource "google_service_account_iam_member" "graph_runtime_workload_identity" {
  for_each           = var.enable_spanner ? toset(["sightgraph-runtime", "sightgraph-ingest-trigger"]) : toset([])
  service_account_id = google_service_account.graph_runtime[0].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.knative_namespace}/${each.value}]"
  depends_on         = [google_container_cluster.main]
}
