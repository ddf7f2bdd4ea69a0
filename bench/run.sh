#!/usr/bin/env bash
# The benchmark: shikaku against Typst, ReportLab and pdfme on the same card, in one run,
# plus shikaku alone on realistic mixed batches (cards and notices).
#
# usage: bench/run.sh [N ...]        (default: 10000 100000)
# env:   RUNS=3  PEERS="typst-notags reportlab-form pdfme-basepdf"  PEER_MAX=10000
#        (peers run only up to PEER_MAX records: Typst holds 2.7 GB at 10k and would not fit
#        this 24 GB machine at 100k)
#
# Installs the peers with the kit in ../shared/peers (typst-cli from crates.io, ReportLab
# from PyPI, @pdfme/generator from npm: the typst build takes ~10 minutes the first time)
# into target/bench/peers, then writes target/bench/results/{raw.tsv,table.md}.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NS=("${@:-10000 100000}"); read -r -a NS <<< "${NS[*]}"
RUNS="${RUNS:-3}"
PEERS="${PEERS:-typst typst-notags reportlab reportlab-form pdfme pdfme-basepdf}"
PEER_MAX="${PEER_MAX:-10000}"
KIT="${KIT:-$ROOT/../shared/peers}"
WORK="$ROOT/target/bench"; PEERDIR="$WORK/peers"; RES="$WORK/results"; DATA="$WORK/data"
mkdir -p "$WORK" "$RES" "$DATA"

command -v pdfinfo >/dev/null && [ -x /usr/bin/time ] || { apt-get update -qq; apt-get install -y -qq poppler-utils time >/dev/null; }
if [ ! -d "$PEERDIR" ]; then cp -r "$KIT" "$PEERDIR"; chmod -R u+w "$PEERDIR"; fi
[ -x "$PEERDIR/.cargo-typst/bin/typst" ] || bash "$PEERDIR/setup.sh"
cargo build --release --locked -q
SHIKAKU="$ROOT/target/release/shikaku"
python3 bench/peer_card.py layout "$PEERDIR/layout.json" "$WORK/peer-card"

RAW="$RES/raw.tsv"
FAILED=0
printf 'tool\tN\trun\twall_s\tcpu_s\tmaxrss_kb\tbytes\tpages\n' > "$RAW"
measure() { # tool n run outdir -- command...
  local tool=$1 n=$2 r=$3 out=$4; shift 5
  local tv="$RES/time_${tool}_${n}_$r.txt"
  local t0 t1; t0=$(date +%s.%N)
  # Exit 1 is shikaku's "some records rejected" (the peers' kit has a few records whose card
  # would expire before its issue date): the rest rendered, so it is measured.
  local status=0
  /usr/bin/time -v -o "$tv" "$@" > "$RES/log_${tool}_${n}_$r.txt" 2>&1 || status=$?
  if [ "$status" -gt 1 ]; then echo "FAILED: $tool $n (see $RES/log_${tool}_${n}_$r.txt)" >&2; FAILED=1; return 0; fi
  t1=$(date +%s.%N)
  local wall cpu rss bytes=0 pages=0 f
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.2f", u+s}' "$tv")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tv")
  for f in "$out"/*.pdf; do
    [ -e "$f" ] || continue
    bytes=$((bytes + $(stat -c %s "$f"))); pages=$((pages + $(pdfinfo "$f" | awk '/^Pages:/{print $2}')))
  done
  # A tool that rejected every record wrote no page: a row of it would compare nothing.
  if [ "$pages" -eq 0 ]; then echo "FAILED: $tool $n wrote no page (see $RES/log_${tool}_${n}_$r.txt)" >&2; FAILED=1; return 0; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$n" "$r" "$wall" "$cpu" "$rss" "$bytes" "$pages" | tee -a "$RAW" >&2
}

for n in "${NS[@]}"; do
  [ -f "$PEERDIR/data/records_$n.json" ] || (cd "$PEERDIR" && .venv/bin/python gen_records.py "$n" data >/dev/null)
  python3 bench/peer_card.py records "$PEERDIR/data/records_$n.json" "$DATA/peer_$n.csv"
  [ -f "$DATA/mixed_$n.csv" ] || python3 bench/gen_records.py "$n" "$DATA/mixed_$n.csv"
  for r in $(seq 1 "$RUNS"); do
    if [ "$n" -le "$PEER_MAX" ]; then
      for peer in $PEERS; do
        cmd=$(cd "$PEERDIR" && TYPST="$PEERDIR/.cargo-typst/bin/typst" PY="$PEERDIR/.venv/bin/python" bash -c "source <(sed -n '/^cmd_for()/,/^}/p' bench.sh); P=$PEERDIR; OUT=$WORK/out-$peer; FONTDIR=/usr/share/fonts/truetype/bizud-gothic; cmd_for $peer $n")
        rm -rf "$WORK/out-$peer"; mkdir -p "$WORK/out-$peer"
        (cd "$PEERDIR" && measure "$peer" "$n" "$r" "$WORK/out-$peer" -- $cmd)
      done
    fi
    # The same card in shikaku: its layout and records converted from the peers' kit.
    for jobs in 1 2; do
      out="$WORK/out-shikaku-j$jobs"; rm -rf "$out"
      measure "shikaku-j$jobs" "$n" "$r" "$out" -- "$SHIKAKU" render --input "$DATA/peer_$n.csv" \
        --issuer "$WORK/peer-card/issuers" --layout "$WORK/peer-card/card.toml" --cycle 2024 --jobs "$jobs" \
        --per-file 1000000 --out "$out"
    done
    # The whole product on a realistic batch: cards front and back, A4 notices, mailing order.
    out="$WORK/out-mixed"; rm -rf "$out"
    measure "shikaku-mixed" "$n" "$r" "$out" -- "$SHIKAKU" render --input "$DATA/mixed_$n.csv" --issuer samples/issuers --out "$out"
  done
done

median() { sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
{
  echo "| tool | N | wall s | pages | pages/s | CPU s | bytes/page | peak RSS MiB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' 'NR>1{print $1"\t"$2}' "$RAW" | awk '!seen[$0]++' | while IFS=$'\t' read -r tool n; do
    rows=$(awk -F'\t' -v t="$tool" -v n="$n" '$1==t && $2==n' "$RAW")
    w=$(cut -f4 <<< "$rows" | median); c=$(cut -f5 <<< "$rows" | median)
    m=$(cut -f6 <<< "$rows" | median); b=$(cut -f7 <<< "$rows" | median); p=$(cut -f8 <<< "$rows" | median)
    awk -v t="$tool" -v n="$n" -v w="$w" -v c="$c" -v m="$m" -v b="$b" -v p="$p" 'BEGIN{
      printf "| %s | %d | %.2f | %d | %.0f | %.2f | %.0f | %.0f |\n", t, n, w, p, p/w, c, b/p, m/1024 }'
  done
} | tee "$RES/table.md"
# The table is written either way; a failed tool makes the run fail.
exit "$FAILED"
