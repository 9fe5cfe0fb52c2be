# shellcheck shell=bash
# Steps shared by benches/bench.sh and benches/load.sh (sourced, not run): start the local
# emulators in a process of their own, start the release server against them as if they were
# the real services, sign in, and stop everything on exit. Ports are clear of `make dev`'s
# 3000/3100/3200.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APP_ADDR=127.0.0.1:4000
COGNITO_ADDR=127.0.0.1:4100
AUTHSIGNAL_ADDR=127.0.0.1:4200
SMTP_ADDR=127.0.0.1:4025
APP_URL=http://localhost:4000
COGNITO_URL=http://localhost:4100
WORK=target/bench
# Its own data: the demo user's methods and the keys survive between runs, never mixed with
# `make dev`'s or the end-to-end tests'.
DATA_DIR=$WORK/local-data

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

STARTED=()
# Newest first, each one waited for: wrk, then the app (which finishes its calls to the
# emulators), then the emulators.
stop_all() {
  local i
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    kill "${STARTED[i]}" 2>/dev/null || true
    wait "${STARTED[i]}" 2>/dev/null || true
  done
}
trap stop_all EXIT
# Ctrl-C and SIGTERM go through the EXIT trap too.
trap 'exit 130' INT TERM

# Debian packages, installed only when their command is missing.
ensure_commands() {
  local missing=() command
  for command in "$@"; do command -v "$command" >/dev/null || missing+=("$command"); done
  [ ${#missing[@]} -eq 0 ] && return
  step "installing ${missing[*]} from Debian"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local tries=$(($1 * 5)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ $tries -gt 0 ] || fail "$what did not come up; see $WORK/*.log"
    sleep 0.2
  done
}

# The server as `cargo leptos build --release` made it, copied aside before anything else runs:
# `cargo bench` and `cargo build` rebuild target/release/account-security without the flags
# cargo-leptos passes (`--cfg erase_components`), and that server's HTML no longer matches the
# WASM, so every page would fail to hydrate. With it, hash.txt: the server reads the bundle's
# names from beside itself.
APP_BINARY=$WORK/server/account-security
keep_release_server() {
  [ -x target/release/account-security ] || fail "no release build: run cargo leptos build --release --precompress --split"
  mkdir -p "$WORK/server"
  cp target/release/account-security target/release/hash.txt "$WORK/server/"
}
keep_release_server

# Sets APP_PID: the server's own process, for /proc/$APP_PID/status.
start_stack() {
  # cargo-leptos builds only the app. It sets LEPTOS_OUTPUT_NAME while it does, and the same
  # value here keeps the crates it built from being rebuilt.
  step "building local-services"
  LEPTOS_OUTPUT_NAME=account-security cargo build --release --features ssr --bin local-services
  mkdir -p "$WORK"
  rm -f "$WORK/services.env"
  step "starting the local emulators ($COGNITO_ADDR, $AUTHSIGNAL_ADDR)"
  # Access tokens outlive the run, so neither wrk nor the page ever triggers a refresh.
  env -u COGNITO_USER_POOL_ID -u AUTHSIGNAL_SECRET \
    APP_PUBLIC_URL="$APP_URL" LOCAL_COGNITO_ADDR="$COGNITO_ADDR" \
    LOCAL_AUTHSIGNAL_ADDR="$AUTHSIGNAL_ADDR" LOCAL_SMTP_ADDR="$SMTP_ADDR" LOCAL_DATA_DIR="$DATA_DIR" \
    LOCAL_COGNITO_ACCESS_TOKEN_SECONDS=86400 RUST_LOG=warn \
    target/release/local-services "$WORK/services.env" >"$WORK/services.log" 2>&1 &
  STARTED+=($!)
  # The last line written: the file is complete once it is there.
  wait_until 60 "the local emulators" grep -q '^AUTHSIGNAL_TENANT_ID=' "$WORK/services.env"

  step "starting the app on $APP_URL"
  # Request logs are off (RUST_LOG=warn): the runs measure the server, not its log file. Text
  # logs, so logged_problems can count the warnings.
  (
    set -a
    . "$WORK/services.env"
    exec env LOCAL_DATA_DIR="$DATA_DIR" LEPTOS_OUTPUT_NAME=account-security \
      LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_SITE_ADDR="$APP_ADDR" \
      LEPTOS_ENV=PROD LEPTOS_HASH_FILES=true LOG_FORMAT=text RUST_LOG=warn \
      "$APP_BINARY"
  ) >"$WORK/app.log" 2>&1 &
  APP_PID=$!
  STARTED+=("$APP_PID")
  wait_until 60 "the app (/readyz)" curl -fsS "$APP_URL/readyz"
}

# Sets BEARER: an access token for the demo user, from the local Cognito's test hook.
mint_token() {
  BEARER=$(curl -fsS -X POST "$COGNITO_URL/_local/mint" -H 'Content-Type: application/json' \
    -d '{"email": "demo@example.com"}' | node -p 'JSON.parse(require("fs").readFileSync(0)).token')
  local status
  status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BEARER" \
    "$APP_URL/api/authenticators")
  [ "$status" = 200 ] || fail "GET /api/authenticators with the minted token answered $status"
}

# Sets SESSION_COOKIE to the Cookie header a signed-in browser sends to /security, after the
# real sign-in: /auth/sign-in → /oauth2/authorize → /login, the form posted, /auth/callback.
# One jar for both ports: browsers do not separate cookies by port either.
sign_in() {
  local jar=$WORK/cookies.txt login landed
  rm -f "$jar"
  login=$(curl -fsS -o /dev/null -b "$jar" -c "$jar" -L -w '%{url_effective}' "$APP_URL/auth/sign-in")
  case $login in "$COGNITO_URL/login?"*) ;; *) fail "sign-in did not reach the login page: $login" ;; esac
  landed=$(curl -fsS -o /dev/null -b "$jar" -c "$jar" -L -w '%{http_code} %{url_effective}' \
    -H "Origin: $COGNITO_URL" --data-urlencode username=demo@example.com \
    --data-urlencode password=Demo-password-1 "$login")
  [ "$landed" = "200 $APP_URL/security" ] || fail "sign-in ended on $landed"
  # The app's session-* cookies from the Netscape jar (HttpOnly ones are the #HttpOnly_ lines).
  # Not the whole jar: curl 7.88 keeps the sign-in-flow cookie the callback deleted.
  SESSION_COOKIE=$(awk -F'\t' '$6 ~ /^session-/ { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$jar")
  local status
  status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $SESSION_COOKIE" "$APP_URL/security")
  [ "$status" = 200 ] || fail "GET /security with the session cookie answered $status"
}

# CPU time PID has used so far, user and system, all its threads, in clock ticks.
cpu_ticks() {
  # After the ")" that ends the command name, utime and stime are the 12th and 13th fields.
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# /proc/PID/status field in MiB: VmRSS now, VmHWM the peak so far.
memory_mib() {
  awk -v field="$2:" '$1 == field { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# start_wrk NAME CONNECTIONS SECONDS PATH HEADER: starts wrk in the background (WRK_PID), its
# whole report going to $WORK/wrk-NAME.txt. WRK_THREADS client threads (default 2, so the
# server keeps a core of its own); WRK_BASE_URL another server than the app.
start_wrk() {
  local name=$1 connections=$2 seconds=$3 path=$4 header=$5 threads=${WRK_THREADS:-2}
  [ "$connections" -ge "$threads" ] || threads=$connections
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s benches/wrk.lua \
    -H "$header" "${WRK_BASE_URL:-$APP_URL}$path" >"$WORK/wrk-$name.txt" &
  WRK_PID=$!
  STARTED+=("$WRK_PID")
}

# wrk_result NAME: the RESULT line benches/wrk.lua ended that report with.
wrk_result() {
  grep '^RESULT ' "$WORK/wrk-$1.txt" || fail "no result from wrk, see $WORK/wrk-$1.txt"
}

# field NAME LINE: the value of NAME=value in a RESULT line.
field() {
  local pair
  for pair in $2; do
    case $pair in "$1="*) echo "${pair#*=}" ;; esac
  done
}

# Warnings and errors the app logged so far: retried Authsignal calls, for one, never reach wrk.
logged_problems() {
  grep -c -E '^\S+ +(WARN|ERROR) ' "$WORK/app.log" || true
}

machine() {
  printf 'nproc %s, %s' "$(nproc)" "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
}

# The one table both scripts print: section TITLE [NOTE] starts a group of rows (a rule above
# it), row LABEL VALUE adds one, print_table prints them all.
ROWS=()
row() { ROWS+=("$1"$'\t'"$2"); }
section() { ROWS+=("#$1"$'\t'"${2:-}"); }
print_table() {
  # Widths count characters, not bytes (mawk counts bytes): UTF-8 continuation bytes are dropped.
  printf '%s\n' "${ROWS[@]}" | awk -F'\t' '
    function width(text) { gsub(/[\200-\277]/, "", text); return length(text) }
    function pad(text, n) { return text sprintf("%*s", n - width(text), "") }
    function dashes(n,   line) { line = sprintf("%*s", n, ""); gsub(/ /, "-", line); return line }
    { label[NR] = $1; value[NR] = $2
      w = width($1) - ($1 ~ /^#/)
      if (w > w1) w1 = w
      if (width($2) > w2) w2 = width($2) }
    END {
      rule = "+-" dashes(w1) "-+-" dashes(w2) "-+"
      print rule
      for (i = 1; i <= NR; i++) {
        if (label[i] ~ /^#/) {
          if (i > 1) print rule
          label[i] = substr(label[i], 2)
        }
        print "| " pad(label[i], w1) " | " pad(value[i], w2) " |"
      }
      print rule
    }'
}
