#!/usr/bin/env bash
# Sixteen (or N) people signing up at the same moment on an otherwise idle shop: each sign-up's status and time,
# cold (the shop's first requests) and warm (3 s later). With HOGS=k, k busy-looping processes run beside it, as on a
# CI runner other test assemblies keep the cores busy. A Release shop with its private PostgreSQL; nothing pinned.
# Prints "status seconds" per sign-up, sorted by time. Stops everything it started.
#
# Usage: [HOGS=3] bench/signup-burst.sh [people]     (default 16)
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-16}
hogs=${HOGS:-0}
port=5098

work=$(mktemp -d)
dotnet build -c Release src/Bulwark.Shop -v q -nologo >/dev/null
dotnet src/Bulwark.Shop/bin/Release/net10.0/Bulwark.Shop.dll --urls "http://127.0.0.1:$port" \
  --Embedded:PostgresDirectory="$work/postgres" --Logging:LogLevel:Default=Warning >"$work/shop.log" 2>&1 &
shop=$!
hog_pids=()
trap 'kill "${hog_pids[@]}" 2>/dev/null; kill -TERM $shop 2>/dev/null; wait $shop 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 480); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
for _ in $(seq 1 "$hogs"); do (while :; do :; done) & hog_pids+=($!); done

burst() {
  for i in $(seq 1 "$people"); do
    curl -s -o "$work/answer-$1-$i" -w '%{http_code} %{time_total}\n' -H 'content-type: application/json' \
      -d "{\"email\":\"burst-$1-$i-$RANDOM@example.com\",\"password\":\"a long enough passphrase\"}" \
      "http://127.0.0.1:$port/api/accounts" &
  done
  wait
}
echo "cold ($hogs busy processes beside):"; burst cold | sort -k2 -n | tr '\n' ' '; echo
sleep 3
echo "warm:"; burst warm | sort -k2 -n | tr '\n' ' '; echo
echo "refusals, by reason:"
cat "$work"/answer-* | grep -o '"reason":"[a-z_]*"' | sort | uniq -c || echo "  none"
