# syntax=docker/dockerfile:1
# The portal in one image: `web` (Next.js standalone server), `worker`, `migrate`. Build: docker build -t jit-portal .
# The build stage runs scripts/standalone-build.ts, the same script CI runs and starts (npm test, step "standalone").

FROM node:22-bookworm-slim AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
# Lifecycle scripts need the source (prisma generate); the build script runs them below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node --import tsx scripts/standalone-build.ts --out /app

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOSTNAME=0.0.0.0 \
    PORT=3000
# A fixed numeric id, so Kubernetes runAsNonRoot can verify it; it owns nothing in /app (code is read-only to it).
RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid portal --home-dir /nonexistent --shell /usr/sbin/nologin portal
WORKDIR /app
COPY --from=build --chown=root:root /app /app
USER 10001:10001
EXPOSE 3000
# Liveness of the web role; worker and migrate containers override or disable it (see docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
