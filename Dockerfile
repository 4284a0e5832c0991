# lipsync-gateway image: the gateway, plus kling-sim (the upstream stand-in)
# and lipsync-cli for smoke tests and debugging from inside the cluster.
#
#   podman build --pull=never -t lipsync-gateway:ci .        (or docker build)
#   podman run --rm --network=host lipsync-gateway:ci --help
#
# See docs/OPERATIONS.md ("The image") for how it is verified.

# ---- build stage --------------------------------------------------------------
FROM debian:bookworm AS build

# The build half of scripts/setup.sh (keep in step with it). Not the script
# itself: its test-only packages (gtest, sox, ffmpeg, python3-yaml, ...) would
# add hundreds of MB of downloads to every image build.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev \
      golang-github-gogo-googleapis-dev grpc-proto \
      libcurl4-openssl-dev \
      nlohmann-json3-dev \
      libcpp-httplib-dev libssl-dev \
      prometheus-cpp-dev \
      libgoogle-perftools-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The .dockerignore is an allowlist: only what the three binaries need
# (CMakeLists.txt, cmake/, proto/, service/, sim/, client/, and
# bench/CMakeLists.txt for the configure step) is in the context.
COPY . .

ARG JOBS=2
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
          -DLIPSYNC_BUILD_TESTS=OFF \
 && cmake --build /build -j"${JOBS}" \
          --target lipsync-gateway kling-sim lipsync-cli \
 && mkdir -p /out \
 && install -m 0755 -s /build/service/lipsync-gateway /build/sim/kling-sim \
          /build/client/lipsync-cli /out/

# ---- runtime stage ------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="lipsync-gateway" \
      org.opencontainers.image.description="gRPC gateway in front of the Kling AI lip-sync REST API (with kling-sim and lipsync-cli)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim" \
      org.opencontainers.image.vendor="lipsync-gateway"

# Runtime libraries only: the packages owning each binary's NEEDED libraries
# (found with `dpkg -S` on the build machine). libstdc++6, libgcc-s1 and libc6
# are already in the base. ca-certificates: the upstream is https.
# libprometheus-cpp-*: the /metrics listener (service/observability).
# libtcmalloc-minimal4: the gateway's malloc (LIPSYNC_TCMALLOC).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libabsl20220623 \
      libcpp-httplib0.11 \
      libcurl4 \
      libgrpc++1.51 \
      libgrpc29 \
      libprometheus-cpp-core1.0 \
      libprometheus-cpp-pull1.0 \
      libprotobuf32 \
      libssl3 \
      libtcmalloc-minimal4 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt/* /var/log/dpkg.log \
 && groupadd --system --gid 10001 lipsync \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin lipsync

COPY --from=build /out/ /usr/local/bin/

# Fail the build, naming the library, if a binary needs one this stage lacks
# (the slim image has no ldd: ask the dynamic loader directly).
RUN set -e; loader=$(ls /lib64/ld-linux-*.so.* /lib/ld-linux-*.so.* 2>/dev/null | head -n1); \
    for b in /usr/local/bin/lipsync-gateway /usr/local/bin/kling-sim /usr/local/bin/lipsync-cli; do \
      if "$loader" --list "$b" | grep 'not found'; then \
        echo "missing runtime library for $b" >&2; exit 1; \
      fi; \
    done

USER 10001:10001
# 50051: gRPC (LIPSYNC_LISTEN); 9090: Prometheus /metrics (LIPSYNC_METRICS_LISTEN).
EXPOSE 50051 9090
ENTRYPOINT ["/usr/local/bin/lipsync-gateway"]
