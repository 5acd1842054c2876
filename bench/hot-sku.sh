#!/usr/bin/env bash
# How fast one hot SKU sells (issue 11, item 3): N closed-loop buyers (bench/purchase-loop.mjs with
# PRODUCTS=1-1) all buying product 1 from a Release shop, beside what PostgreSQL alone does on that one
# row in the same run: pgbench's single-row conditional UPDATE (autocommit, the floor of any checkout
# that takes the row) and the lab's whole checkout.sql on the same row. Shop, its PostgreSQL and the
# payment sandbox on CPU 0; buyers and pgbench on CPU 1 (bench/pinned-shop.sh). The stock never runs
# out, so every second measures selling, not refusing. Stops everything it started.
#
# Usage: bench/hot-sku.sh [seconds] [buyers]     (defaults 20 and 32)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
buyers=${2:-32}
shop_port=5096
sandbox_port=5095
# shellcheck source=bench/pinned-shop.sh
source bench/pinned-shop.sh
hot=1
psql -q -c "UPDATE products SET stock = 100000000 WHERE id = $hot" >/dev/null

result=$(PRODUCTS="$hot-$hot" taskset -c 1 node bench/purchase-loop.mjs "http://127.0.0.1:$shop_port" "$buyers" 10 "$seconds" \
  "$shop=shop" "$sandbox=sandbox" "$postmaster=postgres+children")

psql -q -c "DELETE FROM cart_items" >/dev/null
cat >"$work/hot-row.sql" <<SQL
UPDATE products SET stock = stock - 1 WHERE id = $hot AND stock >= 1;
SQL
tps() { awk '/^tps = / {print $3; exit}'; }
update_tps=$(taskset -c 1 pgbench -n -M extended -c "$buyers" -j 1 -T "$seconds" -f "$work/hot-row.sql" 2>&1 | tps)
user_base=$(psql -tA -c "SELECT min(id) FROM users WHERE email LIKE 'cost-%'")
checkout_tps=$(taskset -c 1 pgbench -n -M extended -c "$buyers" -j 1 -T "$seconds" -f src/Bulwark.Lab/Bench/pgbench/checkout.sql \
  -D user_base="$user_base" -D product_min=$hot -D product_max=$hot 2>&1 | tps)

node -e '
const r = JSON.parse(process.argv[1]);
const rate = r.paid / r.seconds;
console.log(`hot SKU: ${r.paid} orders in ${r.seconds.toFixed(1)} s = ${rate.toFixed(0)} orders/s with ${process.argv[4]} buyers; other answers: ${JSON.stringify(r.other)}`);
console.log(`pgbench on the same row: single-row UPDATE ${Number(process.argv[2]).toFixed(0)}/s, checkout.sql ${Number(process.argv[3]).toFixed(0)} tps`);
console.log(`shop / single-row UPDATE = ${(rate / Number(process.argv[2])).toFixed(2)}`);
' "$result" "$update_tps" "$checkout_tps" "$buyers"
echo "load: $(uptime)"
