#!/usr/bin/env bash
# Every benchmark against a throwaway PostgreSQL and Redis on loopback; one figure per line.
# Usage: bash bench/run.sh   (make bench). What the figures mean: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv
apt_need redis-server redis-server
apt_need initdb postgresql
apt_need wrk wrk

RUN_DIR=$(mktemp -d /tmp/greencompute-bench.XXXXXX)
cleanup() {
  stop_redis
  stop_postgres
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

start_postgres "$RUN_DIR"
start_redis "$RUN_DIR"
export DJANGO_SETTINGS_MODULE=bench.settings
.venv/bin/python manage.py migrate --noinput -v0

FIGURES=$RUN_DIR/figures.txt
echo "==> allocation: close the book of 10,000 subscriptions"
.venv/bin/python -m bench.allocation | tee -a "$FIGURES"
echo "==> screening: 10,000 investors against a 50,000-entry list"
.venv/bin/python -m bench.screening | tee -a "$FIGURES"
echo "==> API list latency"
bash bench/api_latency.sh "$RUN_DIR" | tee -a "$FIGURES"

echo "==> metering: one year of hourly metering for 2,000 GPU servers (17.5 million rows)"
.venv/bin/python -m bench.metering | tee -a "$FIGURES"
echo "==> figures: $(date +%F), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
cat "$FIGURES"
