#!/usr/bin/env bash
# What one purchase (cart update, checkout, gateway call, settlement) costs the CPU, beside what
# PostgreSQL alone spends on the same statements (issue 8, item 5): a Release shop, its private
# PostgreSQL and the payment sandbox (its own process) pinned to CPU 0; closed-loop buyers
# (bench/purchase-loop.mjs, Node) and pgbench on CPU 1. Prints CPU-µs per purchase for the shop,
# PostgreSQL and the sandbox, PostgreSQL's CPU-µs per pgbench checkout transaction (the lab's
# checkout.sql, the same statements), and the ratio the issue targets (shop + PostgreSQL ÷ pgbench's
# PostgreSQL, ≤ 1.5). With PROFILE=<file>, also records the shop's CPU samples during the measured
# window with dotnet-trace (`dotnet tool install -g dotnet-trace`) and prints the top frames; with PERF=<file>,
# samples the shop's CPU (JIT-compiled frames included, through DOTNET_PerfMapEnabled) with Linux perf
# (`apt-get install linux-perf`) and prints the hottest symbols.
# Stops everything it started.
#
# Usage: bench/purchase-cost.sh [seconds] [buyers]     (defaults 20 and 8; WARMUP=<seconds> of unmeasured buying first, default 120:
# the JIT's tiered recompilation of a fresh shop under this loop runs for about 90 s — dotnet-counters read 4,357 methods
# compiled in the ten seconds around 60 s, 21 around 110 s — and a 60 s warm-up still had 5-7 % of the shop's samples in the
# tiered-compilation thread, priced into every purchase)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
buyers=${2:-8}
warmup=${WARMUP:-120}
shop_port=5098
sandbox_port=5097
# shellcheck source=bench/pinned-shop.sh
source bench/pinned-shop.sh
# Purchases never run out.
psql -q -c "UPDATE products SET stock = 1000000" >/dev/null

trace=""
dotnet_trace=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
if [ -n "${PROFILE:-}" ]; then
  [ -x "$dotnet_trace" ] || { echo "dotnet-trace is missing: dotnet tool install -g dotnet-trace" >&2; exit 1; }
  # Started after the buyers' sign-ups and warm-up, for about the measured window.
  ( sleep $((warmup + 5)); taskset -c 1 "$dotnet_trace" collect -p "$shop" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d "$seconds")" -o "$PROFILE" >"${PROFILE}.log" 2>&1 ) &
  trace=$!
fi
perf_job=""
if [ -n "${PERF:-}" ]; then
  command -v perf >/dev/null || { echo "perf is missing: apt-get install -y linux-perf" >&2; exit 1; }
  ( sleep $((warmup + 5)); taskset -c 1 perf record -F 499 -g -p "$shop" -o "$PERF" -- sleep "$seconds" >"$PERF.log" 2>&1 ) &
  perf_job=$!
fi
result=$(taskset -c 1 node bench/purchase-loop.mjs "http://127.0.0.1:$shop_port" "$buyers" "$warmup" "$seconds" \
  "$shop=shop" "$sandbox=sandbox" "$postmaster=postgres+children")
if [ -n "$perf_job" ] && ! wait "$perf_job"; then echo "perf failed: $(cat "$PERF.log")" >&2; fi
if [ -n "$trace" ] && ! wait "$trace"; then echo "dotnet-trace failed: $(cat "$PROFILE.log")" >&2; fi

# pgbench on the same core, with the buyers' accounts (one per client) and the whole catalog.
user_base=$(psql -tA -c "SELECT min(id) FROM users WHERE email LIKE 'cost-%'")
psql -q -c "DELETE FROM cart_items" >/dev/null
ticks() { # postmaster and its live children, as the Node side counts them
  local total=0 pid
  for pid in "$postmaster" $(pgrep -P "$postmaster"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo $((total + $(awk '{print $16 + $17}' "/proc/$postmaster/stat")))
}
t0=$(ticks)
pgbench_out=$(taskset -c 1 pgbench -n -M extended -c "$buyers" -j 1 -T "$seconds" -f src/Bulwark.Lab/Bench/pgbench/checkout.sql \
  -D user_base="$user_base" -D product_min=1 -D product_max=10000 2>&1)
t1=$(ticks)
transactions=$(awk '/number of transactions actually processed/ {print $NF}' <<<"$pgbench_out" | cut -d/ -f1)

node -e '
const r = JSON.parse(process.argv[1]); const hz = Number(process.argv[2]);
const pgTicks = Number(process.argv[3]); const tx = Number(process.argv[4]);
const per = ticks => ticks / hz / r.paid * 1e6;
const shop = per(r.cpuTicks.shop), pg = per(r.cpuTicks.postgres), sandbox = per(r.cpuTicks.sandbox);
const pgbench = pgTicks / hz / tx * 1e6;
console.log(`purchases: ${r.paid} in ${r.seconds.toFixed(1)} s (${(r.paid / r.seconds).toFixed(0)}/s); other answers: ${JSON.stringify(r.other)}`);
console.log(`CPU-µs per purchase: shop ${shop.toFixed(0)}, PostgreSQL ${pg.toFixed(0)}, sandbox ${sandbox.toFixed(0)}`);
console.log(`pgbench checkout.sql: ${tx} transactions, PostgreSQL ${pgbench.toFixed(0)} CPU-µs each`);
console.log(`(shop + PostgreSQL) / pgbench PostgreSQL = ${((shop + pg) / pgbench).toFixed(2)}; PostgreSQL alone ${(pg / pgbench).toFixed(2)}`);
' "$result" "$(getconf CLK_TCK)" "$((t1 - t0))" "$transactions"
if [ -n "${PROFILE:-}" ] && [ -f "$PROFILE" ]; then
  "$dotnet_trace" report "$PROFILE" topN -n 40
fi
if [ -n "${PERF:-}" ] && [ -f "$PERF" ]; then
  perf report -i "$PERF" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -40
fi
