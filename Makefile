# The two commands a newcomer needs: `make dev` and `make test`. Each one installs what is
# missing first (scripts/bootstrap.sh), so they work on a fresh clone.

# Playwright runs against a release build with fresh local emulators. Every test browser comes
# from 127.0.0.1, so the per-address limit is raised; per-user limits stay as in production.
E2E_DATA_DIR := target/e2e-data

.PHONY: dev test bootstrap bench load fuzz

## Build and run the app on http://localhost:3000, rebuilding and reloading on every change.
dev:
	scripts/bootstrap.sh
	cargo leptos watch --split

## Every check, stopping at the first failure: format, lints (server, WASM and the fuzz targets), Rust tests, Playwright.
test:
	scripts/bootstrap.sh --test
	cargo fmt --check
	cargo clippy --all-targets --features lambda -- -D warnings
	cargo clippy --all-targets --features hydrate --target wasm32-unknown-unknown -- -D warnings
	cargo fmt --manifest-path fuzz/Cargo.toml --check
	cargo clippy --manifest-path fuzz/Cargo.toml --bins --target-dir target/fuzz-check -- -D warnings
	cargo test --features lambda
	rm -rf $(E2E_DATA_DIR) end2end/results.json
	LOCAL_DATA_DIR=$(E2E_DATA_DIR) RATE_LIMIT_PER_IP_PER_MINUTE=1000 cargo leptos end-to-end --release --precompress --split \
		|| { node end2end/print-failures.mjs; exit 1; }

bootstrap:
	scripts/bootstrap.sh --test

## Benchmarks of the release build, printed as one table: JWT checks (criterion), HTTP (wrk), front end, memory.
bench:
	scripts/bootstrap.sh --test
	cargo leptos build --release --precompress --split
	benches/bench.sh

## A bounded 30 s load run of the release build; fails on any error or on RSS growth.
load:
	scripts/bootstrap.sh
	cargo leptos build --release --precompress --split
	benches/load.sh

## Fuzz the token verifier, server-function inputs, REST bodies, webhook deliveries and Authsignal responses, FUZZ_SECONDS (60) each; not in `make test`, which only builds them.
fuzz:
	scripts/fuzz.sh
