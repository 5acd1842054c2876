#!/usr/bin/env bash
# The gate as a lab replay sees it, from outside: scrapes a shop's /metrics every half second and prints, per
# scrape, the database limit, connections in use, waiters by priority and the mean connection wait of the critical
# work admitted since the scrape before. Point it at the shop log a lab run writes (its first line carries --urls);
# it waits for the shop to come up and stops when the shop is gone. Run it on the load side's CPU, e.g.:
#
#   lab incident 3 --duration 45s --modes guarded --out /tmp/i3 &
#   taskset -c 1 bench/scrape-gate.sh /tmp/i3/incident-3/shop-guarded.log
#
# (How docs/benchmarks.md's incident 3 item saw checkouts wait 0–34 ms for a connection.)
#
# Usage: bench/scrape-gate.sh <shop log>
set -euo pipefail
log=$1
for _ in $(seq 1 600); do grep -q -- "--urls" "$log" 2>/dev/null && break; sleep 0.5; done
port=$(head -1 "$log" | grep -o -- "--urls http://127.0.0.1:[0-9]*" | grep -o "[0-9]*$")
metrics=$(mktemp)
trap 'rm -f "$metrics"' EXIT
printf '%7s %5s %5s %9s %9s %9s %14s\n' seconds limit used critical normal sheddable critical-wait
start=$(date +%s.%N) last_sum=0 last_count=0 fails=0
while [ "$fails" -lt 20 ]; do
  if ! curl -sf -m 2 "http://127.0.0.1:$port/metrics" -o "$metrics"; then fails=$((fails + 1)); sleep 0.5; continue; fi
  fails=0
  read -r limit used pc pn ps sum count < <(awk '
    /^bulwark_db_limit/ { limit = $NF }
    /^db_client_connection_count.*state="used"/ { used += $NF }
    /^db_client_connection_pending_requests.*priority="critical"/ { pc = $NF }
    /^db_client_connection_pending_requests.*priority="normal"/ { pn = $NF }
    /^db_client_connection_pending_requests.*priority="sheddable"/ { ps = $NF }
    /^db_client_connection_wait_time_seconds_sum.*priority="critical"/ { sum += $NF }
    /^db_client_connection_wait_time_seconds_count.*priority="critical"/ { count += $NF }
    END { print limit + 0, used + 0, pc + 0, pn + 0, ps + 0, sum + 0, count + 0 }' "$metrics")
  awk -v t="$(date +%s.%N)" -v s="$start" -v l="$limit" -v u="$used" -v c="$pc" -v n="$pn" -v p="$ps" \
      -v ds="$sum" -v ls="$last_sum" -v dc="$count" -v lc="$last_count" 'BEGIN {
    wait = dc > lc ? (ds - ls) / (dc - lc) * 1000 : 0
    printf "%7.1f %5d %5d %9d %9d %9d %11.1f ms\n", t - s, l, u, c, n, p, wait }'
  last_sum=$sum last_count=$count
  sleep 0.5
done
