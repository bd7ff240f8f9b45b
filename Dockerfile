# One image for every Peregrine service: `docker run peregrine:local <command>` with ingest, evaluator, outputs, run,
# validate, replay, ...
FROM node:20-bookworm-slim AS build
# The native decoder (shared/simd-decode) is built against Debian's simdjson by node-gyp.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ libsimdjson-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY shared ./shared
COPY services ./services
COPY cli ./cli
# The cli imports the bench workspace (`peregrine bench`), so its sources are built too. npm ci needs the manifest of
# every workspace in the lockfile, faults/ included, though nothing of it goes into the image.
COPY bench ./bench
COPY faults/package.json ./faults/package.json
# --ignore-scripts skips the root `prepare` (tsc -b of every workspace, faults/ too); the cli and what it references
# are built explicitly instead.
RUN npm ci --no-audit --no-fund --ignore-scripts && npx tsc -b cli \
    && PEREGRINE_NATIVE=require npm rebuild @peregrine/simd-decode && npm prune --omit=dev

FROM node:20-bookworm-slim
# simdjson's shared library, for the native decoder built above.
RUN apt-get update && apt-get install -y --no-install-recommends libsimdjson14 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
COPY rules ./rules
# The image's user `node`, by number: Kubernetes can verify runAsNonRoot only for a numeric user
# (deploy/kubernetes runs it as 1000 too).
USER 1000:1000
# ingest's webhook; the /metrics, /healthz and /readyz of the evaluator and outputs.
EXPOSE 8765 9464
ENTRYPOINT ["node", "/app/cli/bin/peregrine.js"]
