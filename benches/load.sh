#!/usr/bin/env bash
# `make load` (after the release build): 30 s of load on loopback, GET /api/authenticators and
# the /security page at once, 100 connections each (200 in all), with the server's RSS sampled
# every second. Fails on any error (an answer that is not 2xx, or a socket error or timeout),
# or when the RSS averaged over the last 10 s exceeds the average over the first 10 s by more
# than RSS_GROWTH_LIMIT percent. The first 10 s already include the climb from idle to the
# working set, so a server that holds steady stays within a few percent; a leak of a few hundred
# bytes per request at these rates adds tens of MiB.
source "$(dirname "$0")/lib.sh"

LOAD_SECONDS=30
CONNECTIONS=100
RSS_GROWTH_LIMIT=10

ensure_commands wrk

start_stack
sign_in
mint_token

step "load: $LOAD_SECONDS s, $CONNECTIONS connections on each of /api/authenticators and /security"
# One client thread each: the two wrk processes then leave the server most of both cores.
WRK_THREADS=1 start_wrk load-api "$CONNECTIONS" "$LOAD_SECONDS" /api/authenticators \
  "Authorization: Bearer $BEARER"
api_wrk=$WRK_PID
WRK_THREADS=1 start_wrk load-page "$CONNECTIONS" "$LOAD_SECONDS" /security "Cookie: $SESSION_COOKIE"
page_wrk=$WRK_PID

# Samples at 0.5 s, 1.5 s, …: each one well inside its second of the run.
rss=()
sleep 0.5
for ((second = 0; second < LOAD_SECONDS; second++)); do
  rss+=("$(memory_mib "$APP_PID" VmRSS)")
  sleep 1
done
wait "$api_wrk" "$page_wrk"
kill -0 "$APP_PID" 2>/dev/null || fail "the server died during the run; see $WORK/app.log"
peak_rss=$(memory_mib "$APP_PID" VmHWM)

average() { printf '%s\n' "$@" | awk '{ sum += $1 } END { printf "%.1f", sum / NR }'; }
first=$(average "${rss[@]:0:10}")
last=$(average "${rss[@]: -10}")
growth=$(awk -v first="$first" -v last="$last" 'BEGIN { printf "%.1f", (last - first) / first * 100 }')

section "Machine"
row "CPU" "$(machine)"
section "Load (wrk, $LOAD_SECONDS s, both at once)" \
  "$(printf '%9s  %9s  %9s  %7s  %s' req/s p50 p99 non-2xx 'socket errors')"
errors=0
for target in api page; do
  result=$(wrk_result "load-$target")
  non2xx=$(field non2xx "$result")
  socket_errors=$(field socket_errors "$result")
  errors=$((errors + non2xx + socket_errors))
  case $target in api) path=/api/authenticators ;; page) path=/security ;; esac
  row "GET $path, $CONNECTIONS conn." "$(printf '%9s  %6s ms  %6s ms  %7s  %s' \
    "$(field rps "$result")" "$(field p50_ms "$result")" "$(field p99_ms "$result")" \
    "$non2xx" "$socket_errors")"
done
row "warnings and errors in the server's log" "$(logged_problems)"
section "Server memory"
row "peak RSS (VmHWM)" "$peak_rss MiB"
row "RSS, average of the first 10 s" "$first MiB"
row "RSS, average of the last 10 s" "$last MiB  ($growth % vs first 10 s; limit $RSS_GROWTH_LIMIT %)"
section "Verdict"
problems=""
[ "$errors" -eq 0 ] || problems="$errors errors"
if awk -v growth="$growth" -v limit="$RSS_GROWTH_LIMIT" 'BEGIN { exit !(growth > limit) }'; then
  problems="${problems:+$problems, }RSS grew $growth % (limit $RSS_GROWTH_LIMIT %)"
fi
row "errors and RSS growth" "${problems:+FAIL: }${problems:-pass}"
print_table
[ -z "$problems" ]
