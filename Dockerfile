# syntax=docker/dockerfile:1
# Build: docker build -t petition-router .      (needs BuildKit, the default since Docker 23)
# Run:   docker run -p 50051:50051 -p 9464:9464 petition-router

# ---------------------------------------------------------------------------------------------
# Build stage: pinned toolchain so image builds are reproducible.
FROM rust:1.95-slim-bookworm AS build

# protoc, which compiles proto/ at build time, comes inside the protoc-bin-vendored crate: the
# build needs nothing but crates.io.
WORKDIR /src

# benches/ and tests/ are copied because Cargo.toml declares those targets and cargo refuses a
# manifest whose declared targets are missing, even when building only the binary.
COPY Cargo.toml Cargo.lock ./
COPY crates/ crates/
COPY src/ src/
COPY proto/ proto/
COPY benches/ benches/
COPY tests/ tests/
COPY models/ models/
COPY keyword-lists/ keyword-lists/

# Cache mounts keep the crates.io download and incremental artefacts between builds; target/ is a
# cache mount, so the binary must be copied out in this same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin petition-router \
 && cp target/release/petition-router /usr/local/bin/petition-router

# ---------------------------------------------------------------------------------------------
# Runtime stage: same Debian release as the build stage, so the glibc the binary links is there.
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Fixed numeric uid/gid: Kubernetes can only verify runAsNonRoot against a numeric USER.
RUN groupadd --system --gid 10001 router \
 && useradd --system --uid 10001 --gid router --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin router

COPY --from=build /usr/local/bin/petition-router /usr/local/bin/petition-router
# Root-owned and read-only for the service user: the defaults baked in cannot be altered at run
# time. Deployments that update them mount their own copies (see deploy/README.md).
COPY --from=build /src/models/ /opt/petition-router/models/
COPY --from=build /src/keyword-lists/ /opt/petition-router/keyword-lists/

# The paths compiled into the binary point at the build tree, which is not in this image, so the
# model and catalogue are always given explicitly.
ENV PETITION_ROUTER_ADDR=0.0.0.0:50051 \
    PETITION_ROUTER_METRICS_ADDR=0.0.0.0:9464 \
    PETITION_ROUTER_MODEL=/opt/petition-router/models/default.model \
    PETITION_ROUTER_CATALOGUE=/opt/petition-router/keyword-lists \
    PETITION_ROUTER_LOG_FORMAT=json

USER 10001:10001

# 50051: gRPC (routing, grpc.health.v1, admin); 9464: Prometheus /metrics.
EXPOSE 50051 9464

# Standard grpc.health.v1 Check over loopback; exits 0 only when SERVING.
# start-period covers loading the model and building the segmenter dictionary.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["petition-router", "health", "--addr", "127.0.0.1:50051"]

# The server is PID 1 (exec-form ENTRYPOINT, no shell), so it receives SIGTERM directly and
# drains in-flight requests itself.
STOPSIGNAL SIGTERM
ENTRYPOINT ["petition-router"]
CMD ["serve"]
