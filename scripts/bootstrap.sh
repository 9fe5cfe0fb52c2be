#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping each one that is already present
# at the right version, so a second run takes seconds. Only package registries are used
# (crates.io, npm, Debian): nothing is downloaded from GitHub.
#
#   scripts/bootstrap.sh          build tools (make dev)
#   scripts/bootstrap.sh --test   build tools plus what the tests run for real, from Debian:
#                                 Chromium, Redis and an SMTP server (aiosmtpd) (make test)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then return; fi
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION"; then return; fi
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (no_downloads; about 10 minutes on 2 cores)"
  # opt-level 1 halves the build time; the tool only minifies our small CSS and JS.
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0 \
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
}

ensure_wasm_bindgen() {
  local version
  version=$(wasm_bindgen_version)
  if [ -z "$version" ]; then echo "no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
  if wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $version"; then return; fi
  step "installing wasm-bindgen-cli $version"
  # Not --locked: its lock file names a crate version the registry no longer has.
  CARGO_PROFILE_RELEASE_DEBUG=0 cargo install wasm-bindgen-cli --version "$version" --force
}

# npm ci, only when package-lock.json changed since the last install in that folder.
ensure_npm_packages() {
  local dir=$1 stamp lock_hash
  stamp="$dir/node_modules/.bootstrap-lock-hash"
  lock_hash=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then return; fi
  step "installing npm packages in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund)
  echo "$lock_hash" > "$stamp"
}

# Debian packages whose program (or file) is missing: `ensure_debian_packages path=package ...`.
ensure_debian_packages() {
  local missing=() pair
  for pair in "$@"; do
    [ -e "${pair%%=*}" ] || missing+=("${pair#*=}")
  done
  if [ ${#missing[@]} -eq 0 ]; then return; fi
  step "installing Debian's ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_wasm_target
ensure_cargo_leptos
ensure_wasm_bindgen
ensure_npm_packages .
ensure_npm_packages end2end
if [ "${1:-}" = "--test" ]; then
  # The fonts: without them Chromium draws Japanese as empty boxes, and Arabic from too few
  # shapes, in the screenshots of each language.
  ensure_debian_packages /usr/bin/chromium=chromium /usr/bin/redis-server=redis-server \
    /usr/bin/aiosmtpd=python3-aiosmtpd \
    /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc=fonts-noto-cjk \
    /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf=fonts-noto-core
fi
step "tools ready"
