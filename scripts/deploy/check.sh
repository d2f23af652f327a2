#!/usr/bin/env bash
# Every offline deploy check (`just test` calls it): Knative manifests and overlays
# (kustomize, Knative JSON schemas, core-kind schemas, semantic rules), Dockerfiles,
# terraform (fmt, HCL assertions) and a checkov policy scan. Installs what it needs once
# under $SIGHTGRAPH_CACHE; exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
cd "$SIGHTGRAPH_ROOT"

command -v kubectl >/dev/null || die "kubectl is required (it embeds kustomize)"
command -v terraform >/dev/null || die "terraform is required for \`terraform fmt\`"
command -v node >/dev/null || die "node (>= 18) is required for the Knative schemas"

# Node: @kubernetes-models/knative from tests/deploy's lockfile, installed outside the repo.
node_dir="$SIGHTGRAPH_CACHE/node-deploy"
want="$(cat tests/deploy/package.json tests/deploy/package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$node_dir/.stamp" || "$(cat "$node_dir/.stamp")" != "$want" ]]; then
  log "installing Knative schemas (npm ci) into $node_dir"
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  cp tests/deploy/package.json tests/deploy/package-lock.json "$node_dir/"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$node_dir/.stamp"
fi
export SIGHTGRAPH_NODE_MODULES="$node_dir/node_modules"

py="$(venv deploy tests/deploy/requirements.txt)"
checkov_env="$(venv checkov tests/deploy/requirements-checkov.txt)"
export SIGHTGRAPH_CHECKOV="$checkov_env/bin/checkov"

log "terraform fmt -check -recursive terraform/"
terraform fmt -check -recursive -diff terraform/ || die "terraform fmt found unformatted files (run: terraform fmt -recursive terraform/)"

log "pytest tests/deploy"
"$py/bin/python" -m pytest -q -p no:cacheprovider tests/deploy "$@"
