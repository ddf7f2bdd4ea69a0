#!/usr/bin/env bash
# Reading speed by input format: the same generated records as the contract's CSV (UTF-8 and
# CP932), as a Japanese-header CSV read with an input profile, and as fixed-width CP932
# records read with an input profile, each through `shikaku check` (read, normalise, validate,
# apply the rules; nothing rendered). Reports records/s, the best of RUNS runs.
#
# usage: bench/read.sh [N]        (default 200000)
# env:   RUNS=3
#        INSTR=20000   also count instructions (valgrind --tool=callgrind) reading the first
#                      20000 records of each file: repeatable whatever else the machine runs
# writes target/bench/results/read.md
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-200000}"
RUNS="${RUNS:-3}"
DATA="$ROOT/target/bench/read/$N"; RES="$ROOT/target/bench/results"
mkdir -p "$DATA" "$RES"
cargo build --release --locked -q
SHIKAKU="$ROOT/target/release/shikaku"

[ -f "$DATA/records.csv" ] || python3 bench/gen_records.py "$N" "$DATA/records.csv"
[ -f "$DATA/records-cp932.csv" ] || iconv -f UTF-8 -t CP932 "$DATA/records.csv" > "$DATA/records-cp932.csv"
[ -f "$DATA/kokuho-host.dat" ] || python3 samples/profiles/make.py "$DATA/records.csv" "$DATA"

# name | check arguments
VARIANTS=(
  "contract CSV, UTF-8|--input $DATA/records.csv"
  "contract CSV, CP932|--input $DATA/records-cp932.csv --encoding cp932"
  "Japanese-header CSV + profile|--input $DATA/kokuho-export.csv --input-profile samples/profiles/kokuho-export.toml"
  "fixed-width CP932 + profile|--input $DATA/kokuho-host.dat --input-profile samples/profiles/kokuho-host.toml"
)

INSTR="${INSTR:-}"
# The first $INSTR records of a file: lines (after the header of a CSV), or fixed-width records
# of 350 bytes and CRLF.
head_of() {
  case "$1" in
    *.dat) head -c $((INSTR * 352)) "$1" ;;
    *) head -n $((INSTR + 1)) "$1" ;;
  esac
}
# Instructions a record: callgrind's total over the first $INSTR records, divided.
instructions() {
  local file="$1"; shift
  local part="$DATA/instr.${file##*.}"
  head_of "$file" > "$part"
  # shellcheck disable=SC2068
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$SHIKAKU" check --input "$part" $@ 2>&1 >/dev/null |
    awk -v n="$INSTR" '/refs:/ { gsub(",", "", $NF); printf "%.0f", $NF / n }'
}

OUT="$RES/read.md"
{
  if [ -n "$INSTR" ]; then
    echo "| input ($N records) | bytes | best of $RUNS (s) | records/s | instructions a record (first $INSTR) |"
    echo "|---|---|---|---|---|"
  else
    echo "| input ($N records) | bytes | best of $RUNS (s) | records/s |"
    echo "|---|---|---|---|"
  fi
} > "$OUT"
for variant in "${VARIANTS[@]}"; do
  name="${variant%%|*}"; args="${variant#*|}"
  best=""
  for _ in $(seq 1 "$RUNS"); do
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    status=0; "$SHIKAKU" check $args > "$DATA/check.out" 2>&1 || status=$?
    t1=$(date +%s.%N)
    if [ "$status" -gt 1 ]; then echo "FAILED: $name (see $DATA/check.out)" >&2; exit 1; fi
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    best=$(awk -v a="$best" -v b="$t" 'BEGIN{ if (a == "" || b < a) print b; else print a }')
  done
  read_line=$(tail -1 "$DATA/check.out")
  file=$(echo "$args" | awk '{print $2}')
  bytes=$(stat -c %s "$file")
  rate=$(awk -v n="$N" -v t="$best" 'BEGIN{printf "%.0f", n/t}')
  if [ -n "$INSTR" ]; then
    # shellcheck disable=SC2086
    per=$(instructions "$file" ${args#--input "$file"})
    echo "| $name | $bytes | $best | $rate | $per |" >> "$OUT"
  else
    echo "| $name | $bytes | $best | $rate |" >> "$OUT"
  fi
  echo "$name: $best s, $rate records/s ($read_line)" >&2
done
cat "$OUT"
