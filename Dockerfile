# syntax=docker/dockerfile:1
# Multi-stage build: bundle the TypeScript and its dependencies with esbuild (tools/bundle.mjs),
# ship the bundle alone on a supported Node LTS: no node_modules in the image. The provider runs
# as root only because it must create its socket in the driver's hostPath directory; the chart
# drops every capability.
#
# The base images are build arguments, so the same file builds from local stand-ins where no
# registry is reachable (test/image/, docs/install.md); the defaults are the production bases.
ARG BUILD_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# Behind a TLS-inspecting proxy, pass its CA as a build secret (never stored in the image):
#   --secret id=npm-ca,src=/etc/ssl/certs/ca-certificates.crt
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm-ca \
    if [ -s /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tools ./tools
COPY proto ./proto
COPY src ./src
RUN npm run build

FROM ${RUNTIME_IMAGE} AS runtime
LABEL org.opencontainers.image.title="vault-csi-provider-ts" \
      org.opencontainers.image.description="Secrets Store CSI driver provider for HashiCorp Vault" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/example/vault-csi-provider-ts"
WORKDIR /app
ENV NODE_ENV=production
# The bundle: main.js, sandbox-worker.js (the sandbox's worker), their chunks and the licences of
# the packages bundled into them (*.LEGAL.txt).
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY proto ./proto
# Node's module compile cache, filled here by the image's own Node (an entry is used only by the
# same Node version and code): loading the bundle at start-up takes about a third less time on
# Node 24. Unused on a Node without it; if the directory is read-only at run time, Node only
# reads it. The benchmark does the same when this line is here (bench/targets.ts).
ENV NODE_COMPILE_CACHE=/app/compile-cache
RUN ["/nodejs/bin/node", "--max-semi-space-size=1", "/app/dist/main.js", "version"]
EXPOSE 8080
# distroless has no shell or curl: the probe is Node itself against the readiness endpoint.
# (Docker runs it; Kubernetes uses the chart's probes instead.)
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:8080/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# V8's young generation capped at 1 MiB a semi-space (default 16): a Mount's garbage is short-lived
# and small, and the default let a busy node's provider reach ~250 MB, the chart's limit, where
# this flag holds it near 150 MB for the same CPU (docs/benchmarks.md). The
# benchmark runs the provider with the flags of this line.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "/app/dist/main.js"]
CMD ["-endpoint=/provider/vault.sock"]
