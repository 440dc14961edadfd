#!/usr/bin/env bash
# Installs what Dispatch needs to build and run (`setup.sh run`) or, in
# addition, to be tested (`setup.sh test`) or benchmarked (`setup.sh bench`:
# wrk, Chromium and Playwright). Idempotent: each step checks what
# is there and skips it when it is already at the right version, so a second
# run costs seconds. Only the package registries are reached (crates.io, npm,
# Debian); nothing is downloaded from anywhere else.
set -euo pipefail

cd "$(dirname "$0")/.."
mode="${1:-run}"

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs rustc >= 1.96
# The wasm-bindgen CLI must match the library in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Without --locked: its lockfile names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# The Claude CLI and wasm-opt (binaryen 132: Debian's wasm-opt 108 silently
# breaks the release WASM) come from package.json / package-lock.json.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.lock-hash 2>/dev/null || true)" != "$lock_hash" ] \
   || ! node_modules/.bin/claude --version >/dev/null 2>&1 \
   || ! node_modules/.bin/wasm-opt --version >/dev/null 2>&1; then
  say "installing the Claude CLI and wasm-opt from package-lock.json"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.lock-hash
fi

# zopfli: the smallest gzip copies of the site (scripts/precompress.sh).
if ! command -v zopfli >/dev/null; then
  say "installing zopfli (the site's gzip copies)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends zopfli
fi

# The browser tests and the phone benchmark both drive Debian's Chromium.
if [ "$mode" = test ] || [ "$mode" = bench ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's Chromium for the browser tests and the phone benchmark"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
  fi
  e2e_hash=$(sha256sum end2end/package-lock.json | cut -d' ' -f1)
  if [ "$(cat end2end/node_modules/.lock-hash 2>/dev/null || true)" != "$e2e_hash" ]; then
    say "installing Playwright (the test runner only: it uses Debian's Chromium)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    echo "$e2e_hash" > end2end/node_modules/.lock-hash
  fi
fi
if [ "$mode" = test ]; then
  if ! command -v pebble >/dev/null || ! command -v pebble-challtestsrv >/dev/null; then
    say "installing pebble, the ACME test server the HTTPS-by-ACME tests run against"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pebble
  fi
fi
if [ "$mode" = bench ] && ! command -v wrk >/dev/null; then
  say "installing wrk (the HTTP load generator of make bench)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk
fi
say "ready"
