# syntax=docker/dockerfile:1.7
# checkov:skip=CKV_DOCKER_2:Knative probes GET / on the serving port; Kubernetes ignores HEALTHCHECK.
# ui: the web UI (ui/, Vite + Vue) as static files behind an unprivileged nginx on :8080.
# Build from the repo root (scripts/deploy/images.sh):
#   docker build -f docker/ui.Dockerfile .
# At start, docker/ui/40-config-js.sh writes /config.js from SIGHTGRAPH_API_BASE, which
# ui/index.html loads before the app (ui/src/shared/http/config.ts); unset, the UI calls
# its own origin.
ARG NODE_VERSION=20.20.2
ARG NGINX_VERSION=1.28.0

# NB: a glibc base, not alpine: the lockfile's native rolldown binding for musl is only
# picked when npm runs on musl, and the build is what the tests run on glibc.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src/ui
COPY ui/package.json ui/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --loglevel=error
COPY ui/ ./
RUN npm run build

FROM nginxinc/nginx-unprivileged:${NGINX_VERSION}-alpine AS runtime
LABEL org.opencontainers.image.source="https://github.com/sightgraph/sightgraph" \
      org.opencontainers.image.title="ui"
COPY docker/ui/nginx.conf /etc/nginx/nginx.conf
COPY --chmod=0755 docker/ui/40-config-js.sh /docker-entrypoint.d/40-config-js.sh
COPY --from=build /src/ui/dist/ /usr/share/nginx/html/
ENV SIGHTGRAPH_API_BASE=""
EXPOSE 8080
# The base image's own unprivileged user (nginx, 101); Knative may run it as another uid.
USER 101:101
