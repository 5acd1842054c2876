#!/usr/bin/env bash
# What one refusal costs the shop's CPU over keep-alive connections, the floor the lab's own flood
# (new connections, Poisson arrivals) sits above: a Release shop with its private PostgreSQL pinned to
# CPU 0, wrk pinned to CPU 1 sending anonymous GET /api/cart from one address (the per-client token
# bucket answers 429 at the edge). Prints the shop's user and system CPU-µs per request, read from
# /proc/<pid>/stat around the measured run. Stops everything it started.
#
# With PERF=<file>, samples the shop with Linux perf during the measured run (JIT-compiled frames named through
# perf maps) and prints the hottest symbols and the share of kernel time.
#
# Usage: bench/refusal-cost.sh [seconds] [connections]     (defaults 10 and 16)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-16}
port=5099
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs: shop on one, wrk on the other" >&2; exit 1; }

work=$(mktemp -d)
dotnet build -c Release src/Bulwark.Shop -v q -nologo >/dev/null
[ -n "${PERF:-}" ] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
taskset -c 0 dotnet src/Bulwark.Shop/bin/Release/net10.0/Bulwark.Shop.dll --urls "http://127.0.0.1:$port" \
  --Embedded:PostgresDirectory="$work/postgres" --Logging:LogLevel:Default=Warning >"$work/shop.log" 2>&1 &
shop=$!
trap 'kill -TERM $shop 2>/dev/null; wait $shop 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 480); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
# PostgreSQL was started by the shop before it was ready; its backends fork from the postmaster.
postmaster=$(head -1 "$(find "$work/postgres" -name postmaster.pid | head -1)")
for pid in $postmaster $(pgrep -P "$postmaster"); do taskset -a -p -c 0 "$pid" >/dev/null; done

cpu() { awk '{print $14, $15}' "/proc/$shop/stat"; }
taskset -c 1 wrk -t1 -c"$connections" -d3s "http://127.0.0.1:$port/api/cart" >/dev/null   # warm-up
read -r user0 sys0 < <(cpu)
perf_job=""
if [ -n "${PERF:-}" ]; then
  taskset -c 1 perf record -F 999 -g -p "$shop" -o "$PERF" -- sleep "$seconds" >"$PERF.log" 2>&1 &
  perf_job=$!
fi
out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/api/cart")
read -r user1 sys1 < <(cpu)
requests=$(awk '/requests in/ {print $1}' <<<"$out")
non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
ticks=$(getconf CLK_TCK)
awk -v r="$requests" -v n="${non2xx:-0}" -v u=$((user1 - user0)) -v s=$((sys1 - sys0)) -v t="$ticks" -v d="$seconds" 'BEGIN {
  printf "requests %d (%d refused) in %d s: %.0f/s\n", r, n, d, r / d
  printf "shop CPU per request: %.1f µs user + %.1f µs system = %.1f µs\n", u / t / r * 1e6, s / t / r * 1e6, (u + s) / t / r * 1e6
}'
if [ -n "$perf_job" ]; then
  wait "$perf_job" || echo "perf failed: $(cat "$PERF.log")" >&2
  perf report -i "$PERF" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -8
  perf report -i "$PERF" --no-children --sort symbol --stdio -g none 2>/dev/null | grep '%' | head -30 | cut -c1-200
fi

