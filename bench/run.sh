#!/usr/bin/env bash
# Every benchmark against a throwaway PostgreSQL and Redis on loopback; one figure per line.
# Usage: bash bench/run.sh [NAME...]   (make bench runs them all; names: allocation screening api
# chain metering waterfall green entitlements payout reconciliation reporting admin). What the figures mean: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv
apt_need redis-server redis-server
apt_need initdb postgresql
apt_need wrk wrk
ensure_node_modules

RUN_DIR=$(mktemp -d /tmp/greencompute-bench.XXXXXX)
cleanup() {
  stop_anvil
  stop_redis
  stop_postgres
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

start_postgres "$RUN_DIR"
start_redis "$RUN_DIR"
# A high block gas limit packs the chain benchmark into a handful of blocks (anvil keeps state per block).
start_anvil "$RUN_DIR" --gas-limit 1000000000
export DJANGO_SETTINGS_MODULE=bench.settings
.venv/bin/python manage.py migrate --noinput -v0

FIGURES=$RUN_DIR/figures.txt
WANT=" ${*:-allocation screening api chain metering waterfall green entitlements payout reconciliation reporting admin} "
want() { [[ "$WANT" == *" $1 "* ]]; }
if want allocation; then
  echo "==> allocation: close the book of 10,000 subscriptions"
  .venv/bin/python -m bench.allocation | tee -a "$FIGURES"
fi
if want screening; then
  echo "==> screening: 10,000 investors against a 50,000-entry list"
  .venv/bin/python -m bench.screening | tee -a "$FIGURES"
fi
if want api; then
  echo "==> API list latency"
  bash bench/api_latency.sh "$RUN_DIR" | tee -a "$FIGURES"
fi
if want chain; then
  echo "==> chain: index 100,000 Transfer events from anvil (raw vs web3.py), payout gas"
  .venv/bin/python -m bench.chain_indexer | tee -a "$FIGURES"
fi
if want metering; then
  echo "==> metering: one year of hourly metering for 2,000 GPU servers (17.5 million rows)"
  .venv/bin/python -m bench.metering | tee -a "$FIGURES"
fi
if want waterfall; then
  echo "==> waterfall: the engine on 10 tranches over 360 periods"
  .venv/bin/python -m bench.waterfall | tee -a "$FIGURES"
fi
if want green; then
  echo "==> green: footprint of 17.5 million metering rows per lessee and month; overlap check on 1,000,000 blocks"
  .venv/bin/python -m bench.green | tee -a "$FIGURES"
fi
if want entitlements; then
  echo "==> entitlements: one distribution to 100,000 holders"
  .venv/bin/python -m bench.entitlements | tee -a "$FIGURES"
fi
if want payout; then
  echo "==> payout: gas per holder and holders per batch of a distribution paid on anvil"
  .venv/bin/python -m bench.payout_gas | tee -a "$FIGURES"
fi
if want reconciliation; then
  echo "==> reconciliation: engine 1,000,000 x 1,000,000 rows (and a dictionary loop); chain matching 100,000 holders; cash matching 100,000 x 100,000"
  .venv/bin/python -m bench.reconciliation | tee -a "$FIGURES"
fi
if want reporting; then
  echo "==> reporting: 1,000 investor statements on 2 worker processes, beside the plain reportlab ceiling"
  .venv/bin/python -m bench.reporting | tee -a "$FIGURES"
fi
if want admin; then
  echo "==> admin: the first page of the main list pages over 2,000 rows each"
  .venv/bin/python -m bench.admin | tee -a "$FIGURES"
fi
echo "==> figures: $(date +%F), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
cat "$FIGURES"
