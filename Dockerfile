# syntax=docker/dockerfile:1
# The storyline binary in a small Debian image. Build and try it:
#
#   docker build -t storyline .
#   docker run --rm -p 8080:8080 storyline demo --corpus /usr/share/storyline/demo/corpus --serve
#   docker run -d -v storyline-data:/data -p 8080:8080 storyline      # `storyline run`: poll and serve
#
# With PostgreSQL and several workers: compose.yaml (README, "Running with PostgreSQL and
# several workers"). The default build has the extractive and OpenAI-compatible brief engines;
# `--build-arg FEATURES=local-llm` adds the in-process llama.cpp engine (it installs cmake,
# g++ and libclang-dev in the builder and takes much longer; bring the .gguf model yourself
# and set STORYLINE_LOCAL_MODEL).
# scripts/check-deploy.sh checks this file and compose.yaml (statically when no Docker engine).

# Keep at or above the highest rust-version of the locked dependencies (the check says which).
ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS builder
ARG FEATURES=""
RUN if [ -n "$FEATURES" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends cmake g++ clang libclang-dev \
        && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
# What the build reads: the manifests, the crates (migrations, prompts and static files are
# include_str!'d from inside them) and schema/ (the OpenAPI document embeds the brief schema).
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
COPY schema ./schema
# The target folder is a cache mount, so the binary is copied out of it in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p storyline ${FEATURES:+--features "$FEATURES"} \
    && install -m 0755 target/release/storyline /usr/local/bin/storyline

FROM debian:${DEBIAN_RELEASE}-slim
# ca-certificates: feeds and pages are fetched over https with the system's roots.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin storyline \
    && mkdir -p /data \
    && chown storyline:storyline /data
COPY --from=builder /usr/local/bin/storyline /usr/local/bin/storyline
# The sample corpus for `storyline demo --corpus ...` (the binary's built-in default path is
# the builder's checkout) and the starter feed list for `storyline feeds import ...`.
COPY demo/corpus /usr/share/storyline/demo/corpus
COPY feeds /usr/share/storyline/feeds
USER storyline
WORKDIR /data
# The SQLite store when no STORYLINE_DATABASE_URL is given; listen beyond the container.
ENV STORYLINE_DATA_DIR=/data \
    STORYLINE_SERVE_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
# `run` and `serve` stop cleanly on Ctrl-C (SIGINT); Docker's default SIGTERM would be
# ignored by PID 1 and end in a SIGKILL after the grace period.
STOPSIGNAL SIGINT
ENTRYPOINT ["storyline"]
CMD ["run"]
