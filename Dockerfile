# One image for every Peregrine service: `docker run peregrine:local <command>` with ingest, evaluator, outputs, run,
# validate, replay, ...
FROM node:20-bookworm-slim AS build
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
RUN npm ci --no-audit --no-fund --ignore-scripts && npx tsc -b cli && npm prune --omit=dev

FROM node:20-bookworm-slim
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
