#!/usr/bin/env bash
# Load benchmark of the preview server: POST /api/render with 50 concurrent
# clients for 30 s (wrk, Debian's package), the bodies cycling through the
# sample members who get a 資格確認書 card, logged in as a user of the issue
# role. Prints wrk's latency distribution, the server's resident memory after
# a warm-up and after the run, and the load average around the run (the
# machine is shared: compare runs only at similar load).
#
#   bench/serve.sh                      # cards, 50 clients, 30 s, login on
#   DOCS=notice bench/serve.sh          # the A4 お知らせ instead
#   LEDGER=1 bench/serve.sh             # also keep a ledger: each PDF an issued document
#   LOGIN=0 bench/serve.sh              # without login
#   TLS=1 bench/serve.sh                # HTTPS, with a self-signed certificate made for the run
#   CLIENTS=10 SECONDS_=10 bench/serve.sh
#   PROFILE=debug bench/serve.sh        # the dev build (only to compare with itself)
#   BIN=/tmp/shikaku-main bench/serve.sh  # a binary built elsewhere, for A/B runs at the same load
#
# It builds the release binary (unless BIN is given) and listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CLIENTS=${CLIENTS:-50}
DURATION=${SECONDS_:-30}
PORT=${PORT:-18431}
DOCS=${DOCS:-card}
LOGIN=${LOGIN:-1}
LEDGER=${LEDGER:-0}
TLS=${TLS:-0}
PROFILE=${PROFILE:-release}
case "$DOCS" in
  card) IDS="T0001 T0003 T0005 T0006 T0007 T0008 T0009 T0011 T0013" ;;  # kokuho and kouki cards
  notice) IDS="T0002 T0004 T0010 T0012 M0001" ;;                         # マイナ保険証 holders
  *) echo "DOCS is card or notice" >&2; exit 2 ;;
esac

command -v wrk >/dev/null || {
  echo "installing wrk" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
}
if [ -n "${BIN:-}" ]; then
  shikaku=$BIN
else
  if [ "$PROFILE" = release ]; then cargo build --release --locked --quiet; else cargo build --locked --quiet; fi
  shikaku="target/$PROFILE/shikaku"
fi

work=$(mktemp -d)
extra=()
if [ "$LOGIN" = 1 ]; then
  echo 'bench password' | "$shikaku" user add bench --role issue --users "$work/users.toml" --password-stdin 2>/dev/null
  extra+=(--users "$work/users.toml")
fi
scheme=http
trust=()  # curl's options to trust the run's certificate
if [ "$TLS" = 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  extra+=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
  scheme=https
  trust=(--cacert "$work/cert.pem")
fi
render="/api/render"
if [ "$LEDGER" = 1 ]; then
  extra+=(--ledger "$work/ledger.sqlite")
  render="/api/render?reason=renewal"
fi
"$shikaku" serve --addr "127.0.0.1:$PORT" --issuer samples/issuers --records samples/records.csv \
  "${extra[@]}" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  grep -q "^listening on" "$work/server.log" && break
  sleep 0.1
done
url="$scheme://127.0.0.1:$PORT"
cookie=""
if [ "$LOGIN" = 1 ]; then
  cookie=$(curl "${trust[@]}" -sf -D - -o /dev/null -H 'Content-Type: application/json' \
    --data '{"user": "bench", "password": "bench password"}' "$url/api/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
  [ -n "$cookie" ] || { echo "login failed" >&2; exit 1; }
fi

# One Lua table of request bodies: each member as the page would post them.
{
  echo 'bodies = {'
  for id in $IDS; do
    printf '[==['
    curl "${trust[@]}" -sf -H "Cookie: $cookie" "$url/api/records/$id" | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["record"], ensure_ascii=False), end="")'
    printf ']==],\n'
  done
  echo '}'
  printf 'cookie = "%s"\n' "$cookie"
  cat <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = cookie
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
LUA
} >"$work/bodies.lua"

rss() { awk '/^VmRSS/ { print $2 " " $3 }' "/proc/$server/status"; }
# CPU seconds the server has used (user + system), from /proc/PID/stat.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$server/stat"; }
echo "rendering $DOCS: $(echo $IDS | wc -w) members, $(nproc) cores"
wrk -t2 -c"$CLIENTS" -d5s -s "$work/bodies.lua" "$url$render" >/dev/null
echo "RSS after a 5 s warm-up: $(rss)"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
before=$(cpu)
wrk -t2 -c"$CLIENTS" -d"${DURATION}s" --latency -s "$work/bodies.lua" "$url$render"
echo "RSS after the run: $(rss)"
echo "load average after the run: $(cut -d" " -f1-3 /proc/loadavg)"
echo "server CPU during the run: $(awk -v a="$before" -v b="$(cpu)" -v d="$DURATION" 'BEGIN { printf "%.1f s, %.2f cores", b - a, (b - a) / d }')"
renders=$(grep -c '^POST /api/render ' "$work/server.log" || true)
failed=$(grep '^POST /api/render ' "$work/server.log" | grep -c -v ' 200 ' || true)
echo "server log: $renders renders, $failed not 200"
