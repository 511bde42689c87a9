# syntax=docker/dockerfile:1
#
# One image per Lattice app:
#   docker build --build-arg APP=gateway -t lattice/gateway .
# APP is gateway, device, push or scheduler. The runtime image is distroless Node 20, runs as
# a non-root user and holds only the app's build output, the built libs and production
# dependencies. It writes nothing to its filesystem, so it runs with readOnlyRootFilesystem.

ARG NODE_IMAGE=node:20.20-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
COPY . .
# Install scripts stay off, as in the repository (allowScripts); the build needs none.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
ARG APP
RUN case "$APP" in gateway|device|push|scheduler) ;; \
      *) echo "build with --build-arg APP=gateway|device|push|scheduler (got '$APP')" >&2; exit 1 ;; \
    esac
# Builds the app and the libs it references (project references).
RUN npx tsc -b "apps/${APP}/tsconfig.build.json"
# Production dependencies only; the workspace packages stay linked under node_modules.
RUN --mount=type=cache,target=/root/.npm rm -rf node_modules && npm ci --omit=dev --ignore-scripts
# The runtime tree: package manifests, node_modules, built libs, the built app.
RUN set -eu; \
    mkdir -p /out; \
    cp -a package.json node_modules proto /out/; \
    for dir in libs/* "apps/${APP}"; do \
      [ -d "$dir/dist" ] || continue; \
      mkdir -p "/out/$dir"; \
      cp -a "$dir/package.json" "$dir/dist" "/out/$dir/"; \
      if [ -d "$dir/node_modules" ]; then cp -a "$dir/node_modules" "/out/$dir/"; fi; \
    done; \
    find /out -name '*.tsbuildinfo' -delete; \
    ln -s "apps/${APP}/dist/main.js" /out/main.js

FROM ${RUNTIME_IMAGE}
ARG APP
LABEL org.opencontainers.image.title="lattice-${APP}" \
      org.opencontainers.image.description="Lattice ${APP} (node apps/${APP}/dist/main.js)"
WORKDIR /app
ENV NODE_ENV=production
# Owned by root and read-only for the app's user.
COPY --from=build /out/ /app/
# distroless "nonroot": uid/gid 65532 (the Kubernetes manifests run as the same ids).
USER 65532:65532
# The image's entrypoint is node; Kubernetes passes `apps/<app>/dist/main.js` as args.
CMD ["main.js"]
