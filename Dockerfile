# syntax=docker/dockerfile:1
# Dispatch in a container: build with cargo-leptos, run as `appuser` with the
# pinned Claude CLI. Credentials live on volumes, so they survive a new
# container. See docs/deployment.md, "Docker". `make image-test` builds it
# and runs it (tests/image.rs); tests/container.rs checks its shape and
# runtime layout on every `make test`.

ARG RUST_VERSION=1.95
ARG NODE_VERSION=20

# 1. The Claude CLI and wasm-opt (binaryen), exactly as package-lock.json pins them.
FROM node:${NODE_VERSION}-bookworm-slim AS npm
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# 2. The server binary and the site (WASM, JS, CSS), in release mode.
FROM rust:${RUST_VERSION}-bookworm AS build
# Keep in step with scripts/setup.sh (a test checks they agree).
ARG CARGO_LEPTOS_VERSION=0.3.10
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends zopfli \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version "${CARGO_LEPTOS_VERSION}" --locked
WORKDIR /app
# The wasm-bindgen CLI must match the library in Cargo.lock exactly.
COPY Cargo.lock ./
RUN cargo install wasm-bindgen-cli --force --version \
    "$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"
# wasm-opt from binaryen is a node script.
COPY --from=npm /usr/local/bin/node /usr/local/bin/node
COPY --from=npm /app/node_modules ./node_modules
COPY . .
# The same steps as `make build`: the site with gzip (zopfli) and brotli copies.
RUN PATH="/app/node_modules/.bin:${PATH}" cargo leptos build --release --split --precompress \
 && node scripts/check-split.mjs target/site/pkg \
 && scripts/precompress.sh target/site

# 3. The runtime: the binary, the site, the CLI; nothing to build with.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin appuser \
 && install -d -o appuser -g appuser -m 0700 /home/appuser/.claude /home/appuser/.config/dispatch
WORKDIR /app
COPY --from=build /app/target/release/dispatch /app/dispatch
COPY --from=build /app/target/site /app/site
COPY --from=build /app/Leptos.toml /app/Leptos.toml
# The CLI is one native binary (the runtime has no node). Only it and its
# package.json: npm also keeps the same binary in its platform package
# (@anthropic-ai/claude-code-linux-x64), a second 400 MB never run here.
COPY --from=npm /app/node_modules/@anthropic-ai/claude-code/package.json \
     /app/node_modules/@anthropic-ai/claude-code/package.json
COPY --from=npm /app/node_modules/@anthropic-ai/claude-code/bin/claude.exe \
     /app/node_modules/@anthropic-ai/claude-code/bin/claude.exe
RUN mkdir -p /app/node_modules/.bin \
 && ln -s ../@anthropic-ai/claude-code/bin/claude.exe /app/node_modules/.bin/claude \
 && /app/node_modules/.bin/claude --version
# Every path the server uses, spelled out. 0.0.0.0 inside the container:
# Dispatch refuses to serve it as plain HTTP unless it has TLS
# (DISPATCH_TLS_CERT, DISPATCH_TLS_KEY), a trusted proxy
# (DISPATCH_TRUSTED_PROXIES) or DISPATCH_INSECURE_HTTP=true.
ENV HOME=/home/appuser \
    DISPATCH_ADDR=0.0.0.0:3000 \
    LEPTOS_SITE_ROOT=/app/site \
    CLAUDE_CLI=/app/node_modules/.bin/claude \
    CLAUDE_CREDENTIALS_PATH=/home/appuser/.claude \
    DISPATCH_CREDENTIALS_KEY_FILE=/home/appuser/.config/dispatch/credentials.key \
    DISPATCH_LOG_FORMAT=json
USER appuser
# The stored credential, and the key that decrypts it (kept apart, as the
# design asks): both must outlive the container.
VOLUME ["/home/appuser/.claude", "/home/appuser/.config/dispatch"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/app/dispatch", "healthcheck"]
# SIGTERM: live flows are told, their CLIs killed, then the server exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/dispatch"]
