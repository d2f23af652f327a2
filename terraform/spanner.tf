# Cloud Spanner as the graph store (enable_spanner; the functions switch to it with
# SPANNER_DATABASE, see knative/overlays/prod-spanner and docs/deploy.md "When to choose
# Spanner"). The schema is the same DDL the binaries apply at start: one file for
# everything, one for the vector index and the Spanner Graph property graph (Enterprise
# edition; the local emulator cannot run it, so it is tested only here, by a real apply).

locals {
  spanner_ddl_dir = "${path.module}/../shared/src/graph/spanner/ddl"
  # Statements of each DDL file: lines starting with `--` dropped, split on `;`
  # (shared/src/graph/spanner/schema.rs reads the files the same way).
  spanner_ddl = {
    for f in ["schema", "production"] : f => [
      for s in split(";", join("\n", [
        for l in split("\n", file("${local.spanner_ddl_dir}/${f}.sql")) : l if !startswith(trimspace(l), "--")
      ])) : trimspace(s) if trimspace(s) != ""
    ]
  }
}

resource "google_project_service" "spanner" {
  count              = var.enable_spanner ? 1 : 0
  service            = "spanner.googleapis.com"
  disable_on_destroy = false
}

resource "google_spanner_instance" "graph" {
  count        = var.enable_spanner ? 1 : 0
  name         = "${local.name}-graph"
  config       = "regional-${var.region}"
  display_name = "Sightgraph ${var.environment} graph"
  edition      = var.spanner_edition
  labels       = local.labels

  # Fixed size without autoscaling; with it, processing units float between the two bounds.
  processing_units = var.spanner_autoscaling ? null : var.spanner_processing_units

  dynamic "autoscaling_config" {
    for_each = var.spanner_autoscaling ? [1] : []
    content {
      autoscaling_limits {
        min_processing_units = var.spanner_processing_units
        max_processing_units = var.spanner_max_processing_units
      }
      autoscaling_targets {
        high_priority_cpu_utilization_percent = 65
        storage_utilization_percent           = 90
      }
    }
  }

  depends_on = [google_project_service.spanner]
}

resource "google_spanner_database" "graph" {
  count                    = var.enable_spanner ? 1 : 0
  instance                 = google_spanner_instance.graph[0].name
  name                     = "sightgraph"
  database_dialect         = "GOOGLE_STANDARD_SQL"
  version_retention_period = "3d"
  deletion_protection      = true
  # NB: statements can only be appended (the files only grow); terraform applies new ones.
  ddl = concat(local.spanner_ddl.schema, var.spanner_production_ddl ? local.spanner_ddl.production : [])
}

# The functions that read and write the graph (ingest-trigger, feature-ingestor,
# feature-service, cache-warmer) reach it as the runtime identity (iam.tf).
resource "google_spanner_database_iam_member" "graph_runtime" {
  count    = var.enable_spanner ? 1 : 0
  instance = google_spanner_instance.graph[0].name
  database = google_spanner_database.graph[0].name
  role     = "roles/spanner.databaseUser"
  member   = "serviceAccount:${google_service_account.graph_runtime[0].email}"
}
