# The two commands of the README, and the steps they are made of.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

.PHONY: demo test setup web lint contract bench bench-log bench-browser fuzz soak

## Build everything and start keyscope with demo data on http://127.0.0.1:8080
demo: setup web
	cargo build --profile production -p keyscope-server --bin keyscope
	$(TARGET_DIR)/production/keyscope serve --demo

## Run every test: formatting, lints (native and wasm), unit, HTTP, the API
## against its OpenAPI document (Schemathesis), browser.
test:
	scripts/setup.sh --browser --contract
	$(MAKE) lint
	cargo test --workspace
	$(MAKE) contract
	$(MAKE) web
	KEYSCOPE_BIN=$(TARGET_DIR)/debug/keyscope node --test tests/e2e/

setup:
	scripts/setup.sh

## The served /v1/openapi.json against the server that serves it:
## Schemathesis calls every operation (the gateway and the live feed aside)
## with an admin key, then with a console session, and fails on a server
## error, an answer that breaks its schema, or an undocumented status,
## content type or header. CONTRACT_EXAMPLES (default 20) cases per
## operation and phase, CONTRACT_SEED (default 16), CONTRACT_ARGS for more
## Schemathesis options; reports in $(TARGET_DIR)/schemathesis.
contract:
	scripts/setup.sh --contract
	cargo build --quiet -p keyscope-server --bin keyscope
	KEYSCOPE_BIN=$(TARGET_DIR)/debug/keyscope CONTRACT_REPORTS=$(TARGET_DIR)/schemathesis \
	  .venv-schemathesis/bin/python scripts/schemathesis/run.py

## The web app: one wasm chunk per screen, fetched on its first visit
## (src/app.rs's lazy routes, split by crates/wasm-split, which trunk calls
## in wasm-bindgen's place). The rustflags repeat .cargo/config.toml's, which
## this variable replaces.
web:
	cargo build --quiet --profile server -p keyscope-wasm-split
	PATH=$(CURDIR)/scripts/wasm-split:$$PATH \
	KEYSCOPE_WASM_SPLIT=$(TARGET_DIR)/server/keyscope-wasm-split \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg erase_components --cfg keyscope_split -Clink-args=--emit-relocs" \
	trunk build --release

bench:
	scripts/bench/gateway.sh

## keyscope under a steady mixed load for DURATION seconds (default 240):
## gateway calls, verification and the console's log reads at fixed
## moderate rates, a SIGTERM and restart halfway; reports errors, resident
## memory and file descriptors over time, and records lost
## (scripts/soak/soak.py, which says what it checks). Loopback only.
soak:
	cargo build --quiet --profile production -p keyscope-server --bin keyscope --example bench_targets
	DURATION=$(or $(DURATION),240) KEYSCOPE_BIN=$(TARGET_DIR)/production/keyscope \
	TARGETS_BIN=$(TARGET_DIR)/production/examples/bench_targets python3 scripts/soak/soak.py

## The property tests `make test` runs (256 cases each, 4096 for the gateway
## path's), with PROPTEST_CASES (default 200000) cases each: every model
## parser, and the gateway path normaliser. Optimised (the server profile),
## where they run about ten times faster than unoptimised.
PROPTEST_CASES ?= 200000
GATEWAY_PROPERTIES := accepted_paths_reach_upstreams_as_checked any_text_is_split_without_panicking plain_paths_are_accepted_as_they_are
fuzz:
	PROPTEST_CASES=$(PROPTEST_CASES) cargo test --profile server -p keyscope-model
	PROPTEST_CASES=$(PROPTEST_CASES) cargo test --profile server -p keyscope-server --test api -- $(GATEWAY_PROPERTIES)

## The request log at scale: RECORDS records (default 10 million) into a fresh store.
bench-log:
	cargo build --quiet --profile server -p keyscope-server --example bench_log
	$(TARGET_DIR)/server/examples/bench_log $(RECORDS)

## The console in headless Chromium: first-visit bytes, time to a rendered
## dashboard, frame times while scrolling the request log.
bench-browser: setup web
	scripts/setup.sh --browser
	cargo build --quiet --profile server -p keyscope-server
	KEYSCOPE_BIN=$(TARGET_DIR)/server/keyscope node scripts/bench/first-visit.mjs
	KEYSCOPE_BIN=$(TARGET_DIR)/server/keyscope node scripts/bench/log-scroll.mjs

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown -p keyscope-web -p keyscope-model -- -D warnings
