#!/usr/bin/env bash
# `make bench` (after the release build): JWT verification with criterion, HTTP throughput and
# latency with wrk, front-end sizes and time to hydrate, and the server's memory, printed as
# one table. Exits non-zero if any HTTP answer was not 2xx or any socket failed.
source "$(dirname "$0")/lib.sh"

HTTP_SECONDS=15
CONNECTIONS=(1 16 128)
HYDRATION_RUNS=10

ensure_commands wrk brotli

us() { awk -v ns="$1" 'BEGIN { printf "%.2f µs", ns / 1000 }'; }
kib() { awk -v bytes="$1" 'BEGIN { printf "%.1f KiB", bytes / 1024 }'; }
estimate() {
  node -p "require('$PWD/target/criterion/$1/new/estimates.json').median.point_estimate"
}
# raw / gzip -9 / brotli -q 11 of standard input.
sizes() {
  local file=$WORK/sizes.tmp
  cat >"$file"
  printf '%10s  %10s  %10s' "$(kib "$(wc -c <"$file")")" \
    "$(kib "$(gzip -9 -c "$file" | wc -c)")" "$(kib "$(brotli -q 11 -c "$file" | wc -c)")"
}

# Before the servers start, so nothing else competes for the CPU.
step "JWT verification with criterion (log: $WORK/criterion.log)"
mkdir -p "$WORK"
# LEPTOS_OUTPUT_NAME as cargo-leptos sets it, so the crates its release build made are reused.
LEPTOS_OUTPUT_NAME=account-security cargo bench --features ssr --bench jwt >"$WORK/criterion.log" 2>&1 ||
  fail "cargo bench failed; see $WORK/criterion.log"

section "Machine"
row "CPU" "$(machine)"

section "JWT verification (criterion)" "median per token"
for case in valid bad_signature; do
  verifier=$(estimate "jwt_$case/verifier")
  floor=$(estimate "jwt_$case/rsa_floor")
  name=${case/_/ }
  row "$name token: app's TokenVerifier" "$(us "$verifier")"
  row "$name token: bare RSA-2048 verify (aws-lc-rs)" \
    "$(us "$floor")  (verifier = $(awk -v a="$verifier" -v b="$floor" 'BEGIN { printf "%.2f", a / b }') × floor)"
done

start_stack
sign_in
mint_token
idle_rss=$(memory_mib "$APP_PID" VmRSS)

section "HTTP (wrk, ${HTTP_SECONDS} s per row, keep-alive)" \
  "$(printf '%9s  %9s  %9s  %7s  %s' req/s p50 p99 non-2xx 'socket errors')"
failures=0
for target in api page; do
  case $target in
  api) path=/api/authenticators header="Authorization: Bearer $BEARER" ;;
  page) path=/security header="Cookie: $SESSION_COOKIE" ;;
  esac
  for connections in "${CONNECTIONS[@]}"; do
    step "wrk: GET $path, $connections concurrent, $HTTP_SECONDS s"
    start_wrk "$target-$connections" "$connections" "$HTTP_SECONDS" "$path" "$header"
    wait "$WRK_PID"
    result=$(wrk_result "$target-$connections")
    non2xx=$(field non2xx "$result")
    socket_errors=$(field socket_errors "$result")
    failures=$((failures + non2xx + socket_errors))
    row "GET $path, $connections conn." "$(printf '%9s  %6s ms  %6s ms  %7s  %s' \
      "$(field rps "$result")" "$(field p50_ms "$result")" "$(field p99_ms "$result")" \
      "$non2xx" "$socket_errors")"
  done
done
peak_rss=$(memory_mib "$APP_PID" VmHWM)
row "warnings and errors in the server's log" "$(logged_problems)"

section "Server memory"
row "RSS when idle, signed in" "$idle_rss MiB"
row "peak RSS (VmHWM) over the HTTP runs" "$peak_rss MiB"

step "front end: sizes, and time to hydrate in headless Chromium ($HYDRATION_RUNS loads)"
section "Front end" "$(printf '%10s  %10s  %10s' raw 'gzip -9' 'brotli -q 11')"
for file in target/site/pkg/*.wasm target/site/pkg/*.js; do
  row "${file#target/site/}" "$(sizes <"$file")"
done
row "/security HTML, signed in" \
  "$(curl -fsS -H "Cookie: $SESSION_COOKIE" "$APP_URL/security" | sizes)"
hydration=$(BENCH_COOKIE=$SESSION_COOKIE node benches/hydration.mjs "$APP_URL/security" "$HYDRATION_RUNS")
row "navigation start → hydrated, median of $HYDRATION_RUNS" \
  "cold $(field cold_ms "$hydration") ms, warm $(field warm_ms "$hydration") ms"

print_table
[ "$failures" -eq 0 ] || fail "$failures HTTP answers were not 2xx or failed at the socket"
