#!/usr/bin/env bash
# Times the README's two set-up commands on a fresh clone: the first (build and
# render the samples) and the second (the test suite), each from nothing but the
# clone and the cargo registry already on this machine. FRESH_REGISTRY=1 also
# starts from an empty cargo home, so crate downloads are counted too.
# Prints one Markdown table row for bench/README.md#build-times.
#
#   bench/build-times.sh [COMMIT]      # default: HEAD of this repository
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
commit="${1:-HEAD}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git clone -q "$repo" "$work/shikaku"
cd "$work/shikaku"
git checkout -q "$commit"
if [ "${FRESH_REGISTRY:-0}" = 1 ]; then
  export CARGO_HOME="$work/cargo-home"
fi

seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/log" 2>&1 || { tail -20 "$work/log" >&2; return 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

load="$(cut -d' ' -f1 /proc/loadavg)"
first=$(seconds cargo run --release -- render --input samples/records.csv --issuer samples/issuers --out out)
second=$(seconds bash scripts/test.sh)
printf '| %s | %s | %.0f s | %.0f s | %s | %s |\n' \
  "$(git rev-parse --short HEAD)" "$(nproc) cores" "$first" "$second" "$load" \
  "$([ "${FRESH_REGISTRY:-0}" = 1 ] && echo 'empty cargo home' || echo 'registry cached')"
