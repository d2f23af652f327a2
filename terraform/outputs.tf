output "cluster_name" {
  description = "GKE cluster name (gcloud container clusters get-credentials)."
  value       = google_container_cluster.main.name
}

output "cluster_location" {
  description = "GKE cluster region."
  value       = google_container_cluster.main.location
}

output "registry" {
  description = "Artifact Registry path to push images to (REGISTRY for scripts/deploy/images.sh)."
  value       = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

output "raw_images_bucket" {
  description = "Bucket whose finalized objects start the pipeline."
  value       = google_storage_bucket.raw_images.name
}

output "redis_url" {
  description = "REDIS_URL of the cache (TLS); also in the sightgraph-infra ConfigMap."
  value       = "rediss://${google_redis_instance.cache.host}:${google_redis_instance.cache.port}"
}

output "redis_server_ca_certs" {
  description = "PEM CA certificates clients must trust for the Redis TLS connection."
  value       = join("\n", [for c in google_redis_instance.cache.server_ca_certs : c.cert])
}

output "cv_processor_gsa" {
  description = "GCP service account of the cv-processor Jobs (Workload Identity annotation in the overlays)."
  value       = google_service_account.cv_processor.email
}

output "secret_ids" {
  description = "Secret Manager ids read by scripts/deploy/secrets.sh, by purpose."
  value       = { for k, s in google_secret_manager_secret.runtime : k => s.secret_id }
}

output "eventarc_trigger" {
  description = "Eventarc trigger delivering GCS finalize events to the broker."
  value       = google_eventarc_trigger.raw_image["finalized"].name
}

output "eventarc_delete_trigger" {
  description = "Eventarc trigger delivering GCS delete events (locations leave the graph) to the broker."
  value       = google_eventarc_trigger.raw_image["deleted"].name
}

output "pubsub_topic" {
  description = "Topic of the alternative Pub/Sub push path (null when disabled)."
  value       = var.enable_pubsub_push ? google_pubsub_topic.raw_images[0].id : null
}

output "features_topic" {
  description = "Topic the cv-processor Jobs publish their documents to (JOB_PUBSUB_TOPIC)."
  value       = google_pubsub_topic.features.id
}

output "features_dead_letter_topic" {
  description = "Dead-letter topic of the documents (PUBSUB_DEAD_LETTER_TOPIC of feature-ingestor)."
  value       = google_pubsub_topic.features_dead_letter.id
}

output "features_dead_letter_subscription" {
  description = "Pull subscription holding the dead-lettered documents, for inspection and replay."
  value       = google_pubsub_subscription.features_dead_letters.id
}

output "feature_ingestor_gsa" {
  description = "GCP service account of feature-ingestor (Workload Identity annotation in the overlays)."
  value       = google_service_account.feature_ingestor.email
}

output "spanner_database" {
  description = "SPANNER_DATABASE for the functions (null unless enable_spanner)."
  value       = var.enable_spanner ? "projects/${var.project_id}/instances/${google_spanner_instance.graph[0].name}/databases/${google_spanner_database.graph[0].name}" : null
}

output "graph_runtime_gsa" {
  description = "GCP service account of the functions with Spanner (Workload Identity annotation in knative/overlays/prod-spanner)."
  value       = var.enable_spanner ? google_service_account.graph_runtime[0].email : null
}
