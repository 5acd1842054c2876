# Sourced by the bench scripts: builds Release, starts the payment sandbox and a shop with its private
# PostgreSQL pinned to CPU 0 (the load side goes on CPU 1), waits until the shop is ready, and leaves
# behind: $work (scratch, removed at exit), $shop, $sandbox and $postmaster (pids), $shop_port, and
# PGHOST/PGPORT/PGUSER/PGDATABASE/PGPASSWORD exported for psql and pgbench. Stops everything at exit.
# Expects $shop_port and $sandbox_port; honours PERF (perf maps for the JIT-compiled frames) and SHOP_ARGS (more
# shop settings, e.g. SHOP_ARGS='--Checkout:Coalescing:Enabled=false').
for tool in node pgbench psql taskset; do command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }; done
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs: the system under test on one, the buyers on the other" >&2; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"
dotnet build -c Release src/Bulwark.Shop -v q -nologo >/dev/null
dotnet build -c Release src/Bulwark.PaymentSandbox -v q -nologo >/dev/null
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

taskset -c 0 dotnet src/Bulwark.PaymentSandbox/bin/Release/net10.0/Bulwark.PaymentSandbox.dll --urls "http://127.0.0.1:$sandbox_port" \
  --Logging:LogLevel:Default=Warning >"$work/sandbox.log" 2>&1 &
sandbox=$!; pids+=("$sandbox")
# The per-address rate limit is off: every buyer comes from 127.0.0.1. Shedding and the gate stay on.
# Perf maps name the JIT-compiled frames; W^X double mapping would hide them from perf.
[ -n "${PERF:-}" ] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
# shellcheck disable=SC2086 # SHOP_ARGS is split into arguments on purpose
taskset -c 0 dotnet src/Bulwark.Shop/bin/Release/net10.0/Bulwark.Shop.dll --urls "http://127.0.0.1:$shop_port" \
  --Embedded:PostgresDirectory="$work/postgres" --Payments:BaseUrl="http://127.0.0.1:$sandbox_port" \
  --Guard:RateLimit:Enabled=false --Logging:LogLevel:Default=Warning ${SHOP_ARGS:-} >"$work/shop.log" 2>&1 &
shop=$!; pids=("$shop" "${pids[@]}")
for _ in $(seq 1 480); do curl -sf "http://127.0.0.1:$shop_port/health/ready" >/dev/null && break; sleep 0.5; done
pidfile=$(find "$work/postgres" -name postmaster.pid | head -1)
postmaster=$(sed -n 1p "$pidfile")
pg_port=$(sed -n 4p "$pidfile")
for pid in $postmaster $(pgrep -P "$postmaster"); do taskset -a -p -c 0 "$pid" >/dev/null; done
export PGHOST=127.0.0.1 PGPORT=$pg_port PGUSER=postgres PGDATABASE=bulwark
PGPASSWORD=$(cat "$work/postgres/password")
export PGPASSWORD
