# syntax=docker/dockerfile:1
# Vigil as a container: `vigil serve` by default, `vigil worker` or any other command as arguments.
# Built from the same `npm ci` as a checkout (the lock file, the prepare script's build of dist/),
# then only what runs is copied into a slim image that runs as an unprivileged user.
#   docker build -t vigil .
#   docker compose -f deploy/compose.yaml up -d            (serve + workers + PostgreSQL + NATS)
# docs/deploy.md explains the settings, volumes and backups.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY web ./web
COPY samples ./samples
COPY integrations ./integrations
COPY tsconfig.json ./
# Installs exactly the locked packages and builds dist/ (the prepare script); then the web UI.
RUN npm ci --no-audit --no-fund && node scripts/build-web.mjs --force
# The runtime keeps the production packages only, as resolved by the lock file.
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
# pg_dump and pg_restore for `vigil backup` against PostgreSQL (Debian 12's client is version 15:
# it backs up servers of version 15 and older; docs/deploy.md), tini to pass signals on.
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client tini \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 vigil \
  && useradd --system --uid 10001 --gid vigil --home-dir /var/lib/vigil --shell /usr/sbin/nologin vigil \
  && install -d -o vigil -g vigil -m 0750 /var/lib/vigil
WORKDIR /opt/vigil
# No src/ in the image: bin/vigil.js then runs dist/ as built, with no rebuild check.
COPY --from=build /build/package.json ./
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/bin ./bin
COPY --from=build /build/dist ./dist
COPY --from=build /build/samples ./samples
COPY --from=build /build/integrations ./integrations
COPY --from=build /build/web/dist ./web/dist
ENV NODE_ENV=production \
  VIGIL_DATA_DIR=/var/lib/vigil/data \
  VIGIL_OUT=/var/lib/vigil/out \
  VIGIL_HOST=0.0.0.0 \
  VIGIL_PORT=8080
USER vigil
WORKDIR /var/lib/vigil
VOLUME ["/var/lib/vigil"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.VIGIL_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/vigil/bin/vigil.js"]
CMD ["serve"]
