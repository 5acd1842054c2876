#!/usr/bin/env bash
# Issue 2's HTTP baseline, reproducibly: wrk on a category page and the lab's buyers on checkout at
# fixed concurrencies, each beside pgbench running the same SQL in the same session, printing
# requests/s, p50/p99 and the HTTP/pgbench ratio. The work is the lab's `baseline` command (tested
# code); this script only makes sure the tools are there and runs it.
#
# Usage: bench/http-baseline.sh [lab options], e.g.
#   bench/http-baseline.sh                          # guarded and naive, 8/32/128, 3 repeats of 5 s
#   bench/http-baseline.sh --modes guarded --repeats 1 --concurrency 8 32
# Results: lab-results/baseline/summary.{json,md}; `lab docs` puts them into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# wrk and hey come from Debian; pgbench from the PostgreSQL client package. Installed when missing
# (as root, or with sudo): apt-get update && apt-get install -y wrk hey postgresql-client
missing=()
for tool in wrk hey pgbench; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  packages=()
  for tool in "${missing[@]}"; do
    case "$tool" in pgbench) packages+=(postgresql-client) ;; *) packages+=("$tool") ;; esac
  done
  echo "Installing missing tools: ${missing[*]} (apt-get install -y ${packages[*]})" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${packages[@]}"
fi

exec dotnet run -c Release --project src/Bulwark.Lab -- baseline "$@"
