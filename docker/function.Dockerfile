# syntax=docker/dockerfile:1.7
# checkov:skip=CKV_DOCKER_2:Knative probes GET /healthz; distroless has no client to run a HEALTHCHECK.
# One image per long-running HTTP function: ingest-trigger, feature-ingestor,
# feature-service, cache-warmer. Build from the repo root (scripts/deploy/images.sh):
#   docker build -f docker/function.Dockerfile --build-arg BIN=feature-service .
# Dependencies are compiled in their own cached layer (cargo-chef), so a source change
# rebuilds only the workspace crates.
ARG RUST_VERSION=1.95
ARG CHEF_VERSION=0.1.71

FROM rust:${RUST_VERSION}-slim-bookworm AS chef
ARG CHEF_VERSION
RUN cargo install --locked cargo-chef --version "${CHEF_VERSION}"
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
# Binary to build and the crate (functions/<crate>/) that holds it.
ARG BIN
ARG CRATE=${BIN}
RUN test -n "${BIN}" || (echo "pass --build-arg BIN=<binary>" >&2; exit 1)
COPY --from=planner /src/recipe.json recipe.json
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo chef cook --release --locked --recipe-path recipe.json -p "${CRATE}"
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo build --release --locked -p "${CRATE}" --bin "${BIN}" \
 && install -D -m 0755 "target/release/${BIN}" /out/app

# distroless/cc: glibc, libgcc, OpenSSL and CA certificates, no shell; "nonroot" is 65532.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG BIN
LABEL org.opencontainers.image.source="https://github.com/sightgraph/sightgraph" \
      org.opencontainers.image.title="${BIN}"
COPY --from=builder /out/app /usr/local/bin/app
ENV PORT=8080 LOG_FORMAT=json
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/app"]
