variable "project_id" {
  description = "GCP project that hosts this environment (one project per environment)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid GCP project id (6-30 chars, lowercase letters, digits, dashes)."
  }
}

variable "environment" {
  description = "Environment name; matches the Knative overlay (knative/overlays/<environment>)."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be \"dev\" or \"prod\"."
  }
}

variable "region" {
  description = "Region for the cluster (regional control plane), bucket, Redis, registry and Eventarc."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must look like europe-west1."
  }
}

variable "node_zones" {
  description = "Zones (in region) for the node pools. T4 GPUs must be offered in every zone listed."
  type        = list(string)
  default     = ["europe-west1-b", "europe-west1-c"]

  validation {
    condition     = length(var.node_zones) > 0
    error_message = "node_zones needs at least one zone."
  }
}

variable "subnet_cidr" {
  description = "Primary range of the cluster subnet (nodes)."
  type        = string
  default     = "10.10.0.0/20"

  validation {
    condition     = can(cidrhost(var.subnet_cidr, 0))
    error_message = "subnet_cidr must be a CIDR block."
  }
}

variable "pods_cidr" {
  description = "Secondary range for pods."
  type        = string
  default     = "10.20.0.0/14"

  validation {
    condition     = can(cidrhost(var.pods_cidr, 0))
    error_message = "pods_cidr must be a CIDR block."
  }
}

variable "services_cidr" {
  description = "Secondary range for Kubernetes Services."
  type        = string
  default     = "10.30.0.0/20"

  validation {
    condition     = can(cidrhost(var.services_cidr, 0))
    error_message = "services_cidr must be a CIDR block."
  }
}

variable "master_cidr" {
  description = "/28 range for the private control plane endpoint."
  type        = string
  default     = "172.16.0.0/28"

  validation {
    condition     = can(cidrhost(var.master_cidr, 0)) && endswith(var.master_cidr, "/28")
    error_message = "master_cidr must be a /28 CIDR block."
  }
}

variable "master_authorized_networks" {
  description = "CIDR blocks (name => cidr) allowed to reach the control plane (CI runners, operators)."
  type        = map(string)

  validation {
    condition     = alltrue([for cidr in values(var.master_authorized_networks) : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "master_authorized_networks must hold CIDR blocks, and never 0.0.0.0/0."
  }
}

variable "general_machine_type" {
  description = "Machine type of the general node pool (Knative, functions, Neo4j)."
  type        = string
  default     = "e2-standard-4"
}

variable "general_max_nodes" {
  description = "Upper bound of the general pool's autoscaler, per zone."
  type        = number
  default     = 4

  validation {
    condition     = var.general_max_nodes >= 1 && var.general_max_nodes <= 20
    error_message = "general_max_nodes must be between 1 and 20."
  }
}

variable "gpu_machine_type" {
  description = "Machine type of the GPU pool; T4s attach to N1 machine types."
  type        = string
  default     = "n1-standard-8"

  validation {
    condition     = startswith(var.gpu_machine_type, "n1-")
    error_message = "nvidia-tesla-t4 GPUs attach only to n1-* machine types."
  }
}

variable "gpu_max_nodes" {
  description = "Upper bound of GPUs in the GPU pool, in total across node_zones (the pool scales from 0); also the backfills' default parallelism (BACKFILL_PARALLELISM)."
  type        = number
  default     = 5

  validation {
    condition     = var.gpu_max_nodes >= 1 && var.gpu_max_nodes <= 5
    error_message = "gpu_max_nodes must be between 1 and 5."
  }
}

variable "redis_memory_size_gb" {
  description = "Memorystore for Redis capacity in GiB."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_memory_size_gb >= 1 && var.redis_memory_size_gb <= 300
    error_message = "redis_memory_size_gb must be between 1 and 300."
  }
}

variable "raw_images_retention_days" {
  description = "Days after which noncurrent versions of raw images are deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.raw_images_retention_days >= 1
    error_message = "raw_images_retention_days must be at least 1."
  }
}

variable "neo4j_chart_version" {
  description = "Version of the official neo4j/neo4j Helm chart (it tracks the Neo4j release)."
  type        = string
  default     = "5.26.0"

  validation {
    condition     = can(regex("^5\\.[0-9]+\\.[0-9]+$", var.neo4j_chart_version))
    error_message = "neo4j_chart_version must be a 5.x.y chart version."
  }
}

variable "neo4j_storage_size" {
  description = "Size of the Neo4j data volume."
  type        = string
  default     = "50Gi"

  validation {
    condition     = can(regex("^[0-9]+Gi$", var.neo4j_storage_size))
    error_message = "neo4j_storage_size must look like 50Gi."
  }
}

variable "knative_namespace" {
  description = "Namespace of the Knative manifests (knative/base sets the same)."
  type        = string
  default     = "sightgraph"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.knative_namespace))
    error_message = "knative_namespace must be a DNS-1123 label."
  }
}

variable "jobs_namespace" {
  description = "Namespace of the cv-processor Jobs (JOB_NAMESPACE; knative/base/rbac.yaml sets the same)."
  type        = string
  default     = "sightgraph-jobs"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.jobs_namespace))
    error_message = "jobs_namespace must be a DNS-1123 label."
  }
}

variable "enable_pubsub_push" {
  description = "Create the alternative ingest path: GCS notification -> Pub/Sub -> push to ingest-trigger."
  type        = bool
  default     = false
}

variable "pubsub_push_endpoint" {
  description = "HTTPS URL of ingest-trigger's POST /pubsub/push (needed when enable_pubsub_push)."
  type        = string
  default     = ""

  validation {
    condition     = var.pubsub_push_endpoint == "" || can(regex("^https://.+/pubsub/push$", var.pubsub_push_endpoint))
    error_message = "pubsub_push_endpoint must be an https:// URL ending in /pubsub/push, or empty."
  }
}

variable "features_push_endpoint" {
  description = "HTTPS URL of feature-ingestor's POST /pubsub/push; the documents' push subscription is created once it is set (docs/deploy.md)."
  type        = string
  default     = ""

  validation {
    condition     = var.features_push_endpoint == "" || can(regex("^https://.+/pubsub/push$", var.features_push_endpoint))
    error_message = "features_push_endpoint must be an https:// URL ending in /pubsub/push, or empty."
  }
}

variable "enable_spanner" {
  description = "Create a Cloud Spanner instance and database for the graph (use with knative/overlays/prod-spanner)."
  type        = bool
  default     = false
}

variable "spanner_edition" {
  description = "Spanner edition; the vector index and Spanner Graph (ddl/production.sql) need ENTERPRISE or higher."
  type        = string
  default     = "ENTERPRISE"

  validation {
    condition     = contains(["STANDARD", "ENTERPRISE", "ENTERPRISE_PLUS"], var.spanner_edition)
    error_message = "spanner_edition must be STANDARD, ENTERPRISE or ENTERPRISE_PLUS."
  }
}

variable "spanner_processing_units" {
  description = "Spanner compute: the fixed size, or the autoscaler's lower bound (1000 processing units = 1 node)."
  type        = number
  default     = 1000

  validation {
    condition = (
      var.spanner_processing_units >= 100 &&
      (var.spanner_processing_units < 1000 ? var.spanner_processing_units % 100 == 0 : var.spanner_processing_units % 1000 == 0)
    )
    error_message = "spanner_processing_units must be 100-900 in steps of 100, or a multiple of 1000."
  }
}

variable "spanner_autoscaling" {
  description = "Let Spanner's managed autoscaler move processing units between spanner_processing_units and spanner_max_processing_units."
  type        = bool
  default     = true
}

variable "spanner_max_processing_units" {
  description = "Upper bound of the Spanner autoscaler (processing units)."
  type        = number
  default     = 10000

  validation {
    condition     = var.spanner_max_processing_units >= 1000 && var.spanner_max_processing_units % 1000 == 0
    error_message = "spanner_max_processing_units must be a multiple of 1000."
  }
}

variable "spanner_production_ddl" {
  description = "Also apply ddl/production.sql: the vector index (SPANNER_VECTOR_SEARCH=approx) and the Spanner Graph property graph."
  type        = bool
  default     = true
}
