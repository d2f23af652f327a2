#!/usr/bin/env bash
# Copy the runtime secrets from Secret Manager (created by terraform, secrets.tf) into the
# cluster's Kubernetes Secrets. Idempotent; re-run after rotating a secret.
#   scripts/deploy/secrets.sh PROJECT_ID ENV      e.g. sightgraph-dev dev
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
(($# == 2)) || die "usage: secrets.sh PROJECT_ID ENV"
project="$1" env="$2" ns="${SIGHTGRAPH_NAMESPACE:-sightgraph}"
command -v gcloud >/dev/null || die "gcloud is required"
command -v kubectl >/dev/null || die "kubectl is required"

sync() { # sync K8S_SECRET KEY SECRET_MANAGER_SUFFIX
  local value
  value="$(gcloud secrets versions access latest --project "$project" --secret "sightgraph-$env-$3")"
  kubectl create secret generic "$1" -n "$ns" --from-literal="$2=$value" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  log "synced secret $ns/$1 ($2)"
}
sync sightgraph-neo4j password neo4j-password
sync sightgraph-redis auth redis-auth
sync sightgraph-admin token admin-token
