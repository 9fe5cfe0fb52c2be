#!/usr/bin/env bash
# Runs each fuzz target in fuzz/ for a bounded time, then reports its executions, their rate,
# its corpus and whether anything crashed; exits non-zero if anything did. Not part of
# `make test`: it keeps both cores busy for minutes.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   SECONDS per target (else $FUZZ_SECONDS, else 60);
#                                           every target when none is named
#
# Inputs that reach new code stay in fuzz/corpus/<target>/ for the next run; crashing inputs
# land in fuzz/artifacts/<target>/, and this replays one:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -a <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

seconds=${FUZZ_SECONDS:-60}
if [[ ${1-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi

if ! command -v cargo-fuzz >/dev/null; then
  step "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# cargo-fuzz passes nightly-only flags (-Zsanitizer, the sancov passes); the stable compiler
# takes them when told it is bootstrapping. AddressSanitizer works this way because stable's
# rust-std ships its runtime. --debug-assertions adds overflow checks too, so an arithmetic
# overflow is a crash here rather than a silently wrapped value.
export RUSTC_BOOTSTRAP=1
# cargo-fuzz's own backtrace on a crash says nothing about the crash.
export RUST_LIB_BACKTRACE=0
fuzz_flags=(--sanitizer address --debug-assertions)

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

mkdir -p fuzz/target
step "building the fuzz targets (log: fuzz/target/build.log)"
if ! cargo fuzz build "${fuzz_flags[@]}" >fuzz/target/build.log 2>&1; then
  tail -n 40 fuzz/target/build.log
  exit 1
fi

final_stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -n 1; }

started=$(mktemp)
trap 'rm -f "$started"' EXIT
failed=()
summary=()
for target in "${targets[@]}"; do
  log=fuzz/target/$target.log
  corpus=fuzz/corpus/$target
  artifacts=fuzz/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  dirs=("$corpus")
  [ -d "fuzz/seeds/$target" ] && dirs+=("fuzz/seeds/$target")
  step "fuzzing $target for ${seconds}s (log: $log)"
  status=0
  # -timeout turns a hang into a reported failure instead of a silent wait until the end.
  cargo fuzz run "${fuzz_flags[@]}" "$target" "${dirs[@]}" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?

  last=$(grep ' corp: ' "$log" | tail -n 1 || true)
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/\([^ ]*\).*/\1 inputs, \2/p' <<<"$last")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  mapfile -t new_artifacts < <(find "$artifacts" -type f -newer "$started" | sort)
  if [ "$status" -eq 0 ] && [ ${#new_artifacts[@]} -eq 0 ]; then
    result=ok
  else
    result="CRASHED (exit $status)"
    failed+=("$target")
    # The panic or sanitizer report through libFuzzer's Base64 of the input, else the log's end.
    report=$(sed -n '/panicked at\|ERROR: libFuzzer\|ERROR: AddressSanitizer\|ALARM:/,/^Base64:/p' "$log")
    if [ -n "$report" ]; then echo "$report"; else tail -n 30 "$log"; fi
    [ ${#new_artifacts[@]} -gt 0 ] && printf 'artifact: %s\n' "${new_artifacts[@]}"
  fi
  line=$(printf '%-22s %-18s executions %-10s exec/s %-6s corpus %-20s edges %s' \
    "$target" "$result" "$(final_stat "$log" number_of_executed_units)" \
    "$(final_stat "$log" average_exec_per_sec)" \
    "${corp:-?}" "${cov:-?}")
  echo "$line"
  summary+=("$line")
done

step "summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashed: ${failed[*]}" >&2
  exit 1
fi
echo "no crashes"
