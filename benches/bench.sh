#!/usr/bin/env bash
# `make bench` (after the release build): JWT verification with criterion, HTTP throughput,
# latency and server CPU per request with wrk (the app, and the floor of benches/floor.rs beside
# it), front-end sizes and time to hydrate, and the server's memory, printed as one table, each
# figure that has a target with it beside. Exits non-zero if any HTTP answer was not 2xx or any
# socket failed; a missed target is printed, not fatal.
source "$(dirname "$0")/lib.sh"

HTTP_SECONDS=15
CONNECTIONS=(1 16 128)
FLOOR_ADDR=127.0.0.1:4300
FLOOR_URL=http://$FLOOR_ADDR
HYDRATION_RUNS=10

ensure_commands wrk brotli

us() { awk -v ns="$1" 'BEGIN { printf "%.2f µs", ns / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# target VALUE OP LIMIT UNIT: "(target OP LIMIT UNIT: met)", or "MISSED".
target() {
  local verdict
  verdict=$(awk -v value="$1" -v op="$2" -v limit="$3" \
    'BEGIN { ok = op == "<=" ? value <= limit : value >= limit; print ok ? "met" : "MISSED" }')
  printf '(target %s %s %s: %s)' "${2/<=/≤}" "$3" "$4" "$verdict" | sed 's/>=/≥/'
}
# cpu_us_per_request TICKS REQUESTS: server CPU time per request in µs.
cpu_us_per_request() {
  awk -v ticks="$1" -v hz="$(getconf CLK_TCK)" -v requests="$2" \
    'BEGIN { printf "%.0f", ticks / hz * 1e6 / requests }'
}
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
first=$(estimate jwt_valid/first)
repeat=$(estimate jwt_valid/repeat)
rsa=$(estimate jwt_valid/rsa_floor)
row "bare RSA-2048 verify (aws-lc-rs), the floor" "$(us "$rsa")"
# jsonwebtoken::decode, as the design card asks; the verified-token cache makes it a first-sight cost.
row "valid token, first time: full check (jsonwebtoken)" \
  "$(us "$first")  $(ratio "$first" "$rsa") × floor"
row "valid token again: verified-token cache" \
  "$(us "$repeat")  $(target "$(awk -v ns="$repeat" 'BEGIN { print ns / 1000 }')" '<=' 2 µs)"
bad=$(estimate jwt_bad_signature/verifier)
bad_rsa=$(estimate jwt_bad_signature/rsa_floor)
row "bad signature: full check (never cached)" \
  "$(us "$bad")  $(ratio "$bad" "$bad_rsa") × its floor ($(us "$bad_rsa"))"

start_stack
sign_in
mint_token
idle_rss=$(memory_mib "$APP_PID" VmRSS)

step "building the floor (benches/floor.rs)"
floor_binary=$(LEPTOS_OUTPUT_NAME=account-security cargo bench --features ssr --bench floor \
  --no-run --message-format=json 2>>"$WORK/criterion.log" |
  node -e 'for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
    const message = line && JSON.parse(line);
    if (message.target?.name === "floor" && message.executable) console.log(message.executable);
  }')
[ -x "$floor_binary" ] || fail "the floor did not build; see $WORK/criterion.log"
# The same upstream call for the same user: the sub of the bench's access token.
floor_user=$(node -p "JSON.parse(Buffer.from('$BEARER'.split('.')[1], 'base64url')).sub")
# The floor's page: /security as the app sends it, headers and all, with the bundle's tags (the
# module preloads, the WASM preload and the module script) replaced by a script, with the page's
# nonce, that marks the page hydrated as soon as it has been parsed, as a module script runs.
curl -fsS -D "$WORK/floor-page.headers" -o "$WORK/security.html" -H "Cookie: $SESSION_COOKIE" \
  "$APP_URL/security"
node -e '
  const fs = require("fs");
  const [from, to] = process.argv.slice(1);
  let html = fs.readFileSync(from, "utf8");
  const nonce = /<script type="module"[^>]* nonce="([^"]+)"/.exec(html)?.[1];
  const tags = [/<link rel="modulepreload"[^>]*>/g, /<link rel="preload"[^>]*>/g, /<script type="module"[^>]*>[^<]*<\/script>/g];
  if (!nonce || !tags.every((tag) => tag.test(html))) throw new Error("the page no longer loads its bundle as benches/bench.sh expects");
  const marker = `<script type="module" nonce="${nonce}">document.body.dataset.hydrated = "true";</script>`;
  for (const tag of tags) html = html.replace(tag, tag === tags[2] ? marker : "");
  fs.writeFileSync(to, html);
' "$WORK/security.html" "$WORK/floor-page.html"
(
  set -a
  . "$WORK/services.env"
  exec env FLOOR_ADDR="$FLOOR_ADDR" FLOOR_USER_ID="$floor_user" FLOOR_PAGE="$WORK/floor-page.html" \
    FLOOR_PAGE_HEADERS="$WORK/floor-page.headers" LEPTOS_SITE_ROOT=target/site "$floor_binary"
) >"$WORK/floor.log" 2>&1 &
FLOOR_PID=$!
STARTED+=("$FLOOR_PID")
wait_until 30 "the floor" curl -fsS "$FLOOR_URL/api/authenticators"

section "HTTP (wrk, ${HTTP_SECONDS} s per row, keep-alive)" \
  "$(printf '%9s  %9s  %9s  %12s  %7s  %s' req/s p50 p99 'server CPU' non-2xx 'socket errors')"
failures=0
declare -A RPS CPU
for target in healthz api floor page; do
  pid=$APP_PID base=$APP_URL
  case $target in
  healthz) path=/healthz header="Accept: text/plain" ;;
  api) path=/api/authenticators header="Authorization: Bearer $BEARER" ;;
  floor) path=/api/authenticators header="Accept: application/json" pid=$FLOOR_PID base=$FLOOR_URL ;;
  page) path=/security header="Cookie: $SESSION_COOKIE" ;;
  esac
  label="GET $path"
  [ "$target" != floor ] || label="floor: GET $path"
  for connections in "${CONNECTIONS[@]}"; do
    step "wrk: $label, $connections concurrent, $HTTP_SECONDS s"
    before=$(cpu_ticks "$pid")
    WRK_BASE_URL=$base start_wrk "$target-$connections" "$connections" "$HTTP_SECONDS" "$path" "$header"
    wait "$WRK_PID"
    ticks=$(($(cpu_ticks "$pid") - before))
    result=$(wrk_result "$target-$connections")
    non2xx=$(field non2xx "$result")
    socket_errors=$(field socket_errors "$result")
    failures=$((failures + non2xx + socket_errors))
    RPS[$target-$connections]=$(field rps "$result")
    CPU[$target-$connections]=$(cpu_us_per_request "$ticks" "$(field requests "$result")")
    row "$label, $connections conn." "$(printf '%9s  %6s ms  %6s ms  %6s µs/req  %7s  %s' \
      "$(field rps "$result")" "$(field p50_ms "$result")" "$(field p99_ms "$result")" \
      "${CPU[$target-$connections]}" "$non2xx" "$socket_errors")"
  done
done
peak_rss=$(memory_mib "$APP_PID" VmHWM)
row "warnings and errors in the server's log" "$(logged_problems)"

section "GET /api/authenticators against the floor" "same run, same upstream"
for connections in 16 128; do
  cpu=$(ratio "${CPU[api-$connections]}" "${CPU[floor-$connections]}")
  throughput=$(ratio "${RPS[api-$connections]}" "${RPS[floor-$connections]}")
  row "server CPU per request, $connections conn." \
    "$cpu × floor  $(target "$cpu" '<=' 1.5 '× floor')"
  row "throughput, $connections conn." \
    "$throughput × floor  $(target "$throughput" '>=' 0.75 '× floor')"
done

section "Server memory"
row "RSS when idle, signed in" "$idle_rss MiB"
row "peak RSS (VmHWM) over the HTTP runs" "$peak_rss MiB"

step "front end: sizes, and time to hydrate in headless Chromium ($HYDRATION_RUNS loads)"
# The bundle this build serves: the content hashes the release build wrote beside the server.
bundle() { awk -F': *' -v kind="$1" '$1 == kind { print $2 }' target/release/hash.txt; }
wasm=target/site/pkg/account-security.$(bundle wasm).wasm
js=target/site/pkg/account-security.$(bundle js).js
css=target/site/pkg/account-security.$(bundle css).css
split_js=target/site/pkg/__wasm_split.$(bundle split).js
for file in "$wasm" "$js" "$css" "$split_js"; do [ -f "$file" ] || fail "$file is not there: rebuild"; done
# The WASM chunks fetched on first use (`--split`): every .wasm of the build but the bundle.
chunks=()
for file in target/site/pkg/*.wasm; do [ "$file" = "$wasm" ] || chunks+=("$file"); done
[ "${#chunks[@]}" -gt 0 ] || fail "no WASM chunks in target/site/pkg: build with --split"
# Each chunk is fetched, so compressed, on its own: their sizes are sums over the chunks.
chunks_bytes() {
  local total=0 file
  for file in "${chunks[@]}"; do total=$((total + $("$@" <"$file" | wc -c))); done
  echo "$total"
}
chunks_gzip=$(chunks_bytes gzip -9 -c)
section "Front end" "$(printf '%10s  %10s  %10s' raw 'gzip -9' 'brotli -q 11')"
row "WASM to hydrate (${wasm#target/site/})" "$(sizes <"$wasm")"
wasm_gzip_kib=$(gzip -9 -c "$wasm" | wc -c | awk '{ printf "%.1f", $1 / 1024 }')
row "WASM to hydrate, gzip -9" "$wasm_gzip_kib KiB  $(target "$wasm_gzip_kib" '<=' 200 KiB)"
row "WASM fetched on first use (${#chunks[@]} chunks)" "$(printf '%10s  %10s  %10s' \
  "$(kib "$(chunks_bytes cat)")" "$(kib "$chunks_gzip")" "$(kib "$(chunks_bytes brotli -q 11 -c)")")"
all_gzip_kib=$(awk -v a="$wasm_gzip_kib" -v b="$chunks_gzip" 'BEGIN { printf "%.1f", a + b / 1024 }')
row "all the WASM /security can load, gzip -9" "$all_gzip_kib KiB  $(target "$all_gzip_kib" '<=' 200 KiB)"
row "JS glue (${js#target/site/})" "$(sizes <"$js")"
row "JS chunk loader (${split_js#target/site/})" "$(sizes <"$split_js")"
row "CSS (${css#target/site/})" "$(sizes <"$css")"
row "/security HTML, signed in" \
  "$(curl -fsS -H "Cookie: $SESSION_COOKIE" "$APP_URL/security" | sizes)"
# Each language's messages as the page carries them (the JSON in <script id="i18n">): only
# the page's own language is sent.
for lang in en de fr es ja ar; do
  row "messages the page reads, $lang" "$(curl -fsS -H "Cookie: $SESSION_COOKIE; lang=$lang" \
    "$APP_URL/security" | node -e '
      const html = require("fs").readFileSync(0, "utf8");
      const json = /<script type="application\/json" id="i18n"[^>]*>([^<]*)<\/script>/.exec(html);
      if (!json) throw new Error("the page no longer carries its messages as benches/bench.sh expects");
      process.stdout.write(json[1]);' | sizes)"
done
# What a browser that accepts brotli is sent: the build's precompressed copy, when there is one.
sent=$(curl -fsS -o "$WORK/sent.wasm" -w '%{size_download}' -H 'Accept-Encoding: br, gzip' \
  -D "$WORK/sent.headers" "$APP_URL/${wasm#target/site/}")
row "WASM as sent (Accept-Encoding: br, gzip)" \
  "$(kib "$sent"), Content-Encoding: $(tr -d '\r' <"$WORK/sent.headers" |
    awk -F': ' 'tolower($1) == "content-encoding" { print $2; found = 1 } END { if (!found) print "none" }')"
row "Cache-Control of the WASM" \
  "$(curl -fsS -o /dev/null -D - "$APP_URL/${wasm#target/site/}" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "cache-control" { print $2 }')"
hydration=$(BENCH_COOKIE=$SESSION_COOKIE node benches/hydration.mjs "$APP_URL/security" "$HYDRATION_RUNS")
cold=$(field cold_ms "$hydration")
warm=$(field warm_ms "$hydration")
floor_page=$(BENCH_COOKIE=$SESSION_COOKIE node benches/hydration.mjs "$FLOOR_URL/security" "$HYDRATION_RUNS")
row "navigation start → hydrated, cold, median of $HYDRATION_RUNS" "$cold ms  $(target "$cold" '<=' 100 ms)"
row "navigation start → hydrated, warm, median of $HYDRATION_RUNS" "$warm ms  $(target "$warm" '<=' 50 ms)"
row "floor: the same page and headers, no WASM, cold" "$(field cold_ms "$floor_page") ms"
row "floor: the same page and headers, no WASM, warm" "$(field warm_ms "$floor_page") ms"
browser_errors=$(($(field errors "$hydration") + $(field errors "$floor_page")))
row "errors in the browser console over those loads" "$browser_errors"

print_table
[ "$failures" -eq 0 ] || fail "$failures HTTP answers were not 2xx or failed at the socket"
[ "$browser_errors" -eq 0 ] || fail "the pages logged $browser_errors errors while hydration was timed: the times above are not worth much"
