# Dispatch: the two commands a newcomer needs are `make run` and `make test`.
# Both install what is missing first (scripts/setup.sh, idempotent).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

DISPATCH_ADDR ?= 127.0.0.1:3000
export DISPATCH_ADDR

.PHONY: run test bench fuzz cli-matrix image-test setup setup-test build fake-cli fmt-check clippy test-rust e2e clean FORCE

## Install what is missing, build in release mode, serve on $(DISPATCH_ADDR).
run: setup build
	./target/release/dispatch

## Install what is missing, then every check: fmt, clippy, Rust tests, Playwright.
test: setup-test fmt-check clippy test-rust build e2e

setup:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

## The server binary and the site (WASM, JS, CSS) in release mode, with
## gzip (zopfli) and brotli copies of the site's files that the server sends.
## check-split: each chunk kept its own data (not the main module's 6 KB).
## Done again only when a source changed (or an output is missing): the
## front end alone takes over a minute on 2 cores.
BUILD_INPUTS := $(shell find src style public -type f) Cargo.toml Cargo.lock Leptos.toml \
	.cargo/config.toml scripts/check-split.mjs scripts/precompress.sh
BUILT := target/.release-built
build: $(BUILT)

$(BUILT): $(BUILD_INPUTS) $(if $(and $(wildcard target/release/dispatch),$(wildcard target/site/pkg)),,FORCE)
	cargo leptos build --release --split --precompress
	node scripts/check-split.mjs target/site/pkg
	scripts/precompress.sh target/site
	touch $@

FORCE:

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

test-rust:
	cargo test --features ssr
	cargo test --lib --features hydrate

## The stand-in `claude` the browser tests drive (debug: shares the Rust tests' build).
fake-cli:
	cargo build --features ssr --bin fake-claude

## Playwright against the release build (run `make build` first).
e2e: fake-cli
	cd end2end && npx playwright test

## Figures, not assertions: time to URL, concurrent flows, page load, page weight.
bench: setup build
	scripts/setup.sh bench
	cargo build --release --no-default-features --features ssr --bin fake-claude
	cargo bench --no-default-features --features ssr --bench load
	cd end2end && node bench/phone.mjs

## Longer fuzzing of the two parsers that read outside bytes, the frame
## reader and the terminal screen reader (make test runs a few seconds of
## each): DISPATCH_FUZZ_CASES cases per property, 50,000 by default.
fuzz:
	DISPATCH_FUZZ_CASES=$${DISPATCH_FUZZ_CASES:-50000} \
	  cargo test --release --features ssr --lib -- read_or_refused never_panic

## The Docker image, built with podman and run: HTTPS, uid, health, the
## real CLI's link, the credential across containers, SIGTERM, the compose
## file (root; by hand, not in `make test`: half an hour on 2 cores).
image-test:
	scripts/image-test.sh

## Every CLI version in scripts/cli-versions.txt signs in through the
## server, in a network namespace with a stand-in token endpoint (root).
cli-matrix: setup
	scripts/cli-matrix.sh

clean:
	cargo clean
