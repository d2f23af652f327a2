# syntax=docker/dockerfile:1.7
# checkov:skip=CKV_DOCKER_2:a run-to-completion Job, not a server; Kubernetes ignores HEALTHCHECK.
# cv-processor: the per-image batch Job. CUDA + cuDNN runtime, ONNX Runtime's GPU
# libraries taken from the onnxruntime-gpu wheel (loaded at run time via ORT_DYLIB_PATH),
# and the models built by `just models`, passed as a named build context:
#   docker build -f docker/cv-processor.Dockerfile \
#     --build-context models="$SIGHTGRAPH_CACHE/models" .
# NB: ORT_VERSION follows the onnxruntime the tests pin (scripts/models/requirements-ort.txt,
# 1.32.0), but PyPI has no onnxruntime-gpu 1.32.0 yet: 1.31.1 is the newest GPU build, same
# C API generation (the `ort` crate needs API >= 17). Its wheel declares CUDA 13 and cuDNN 9
# (extras `cuda`/`cudnn`), so the runtime base is CUDA 13 with cuDNN, which needs an NVIDIA
# driver >= 580 on the node. tests/deploy/test_docker.py checks both against the pins.
ARG RUST_VERSION=1.95
ARG CHEF_VERSION=0.1.71
ARG ORT_VERSION=1.31.1

FROM rust:${RUST_VERSION}-slim-bookworm AS chef
ARG CHEF_VERSION
RUN cargo install --locked cargo-chef --version "${CHEF_VERSION}"
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG BIN=cv-processor
ARG CRATE=${BIN}
COPY --from=planner /src/recipe.json recipe.json
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo chef cook --release --locked --recipe-path recipe.json -p "${CRATE}"
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo build --release --locked -p "${CRATE}" --bin "${BIN}" \
 && install -D -m 0755 "target/release/${BIN}" /out/cv-processor

# Only the shared libraries are kept from the wheel; Python is not in the final image.
FROM python:3.12-slim-bookworm AS onnxruntime
ARG ORT_VERSION
RUN pip install --no-cache-dir --no-deps --target /wheel "onnxruntime-gpu==${ORT_VERSION}" \
 && mkdir -p /opt/onnxruntime/lib \
 && cp -a /wheel/onnxruntime/capi/libonnxruntime*.so* /opt/onnxruntime/lib/ \
 && cd /opt/onnxruntime/lib \
 && test -e "libonnxruntime.so.${ORT_VERSION}" \
 && ln -sf "libonnxruntime.so.${ORT_VERSION}" libonnxruntime.so \
 && test -e libonnxruntime_providers_cuda.so && test -e libonnxruntime_providers_shared.so

FROM nvidia/cuda:13.1.1-cudnn-runtime-ubuntu24.04 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin nonroot
COPY --from=onnxruntime /opt/onnxruntime/lib /opt/onnxruntime/lib
COPY --from=models detector.onnx embedder.onnx manifest.json /opt/sightgraph/models/
COPY --from=builder /out/cv-processor /usr/local/bin/cv-processor
# The variables cv-processor reads (functions/cv-processor/src/cli.rs): the library to
# dlopen and the folder with manifest.json, detector.onnx and embedder.onnx. The CUDA
# provider libraries are found next to libonnxruntime.so.
ENV ORT_DYLIB_PATH=/opt/onnxruntime/lib/libonnxruntime.so \
    LD_LIBRARY_PATH=/opt/onnxruntime/lib:${LD_LIBRARY_PATH} \
    SIGHTGRAPH_MODEL_DIR=/opt/sightgraph/models \
    LOG_FORMAT=json
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/cv-processor"]
