# One image for every Peregrine service: `docker run peregrine:local <command>` with ingest, evaluator, outputs, run,
# validate, replay, ...
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY shared ./shared
COPY services ./services
COPY cli ./cli
COPY bench/package.json ./bench/package.json
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
COPY rules ./rules
USER node
ENTRYPOINT ["node", "/app/cli/bin/peregrine.js"]
