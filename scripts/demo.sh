#!/usr/bin/env bash
# Run the product locally: PostgreSQL (a cluster kept in var/pg), demo data, gunicorn, a Celery worker,
# Redis and anvil (its state kept in var/anvil, in step with the database).
# Usage: scripts/demo.sh   (make demo). Safe to re-run; Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv
apt_need redis-server redis-server
apt_need initdb postgresql
ensure_node_modules

export DJANGO_SETTINGS_MODULE=config.settings.demo
PORT=${PORT:-8000}
mkdir -p var
RUN_DIR=$(mktemp -d /tmp/greencompute-demo.XXXXXX)
PIDS=()
cleanup() {
  stop_anvil
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_redis
  stop_postgres
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT INT TERM

# The database and the chain are kept together: a new cluster starts a new chain.
if [ ! -f var/pg/data/PG_VERSION ]; then rm -rf var/anvil; fi
start_demo_postgres "$PWD/var/pg" "${DEMO_PG_PORT:-54329}"
start_redis "$RUN_DIR"
export CACHE_URL="redis://127.0.0.1:$REDIS_PORT/1"  # the API throttles count across gunicorn's workers
mkdir -p var/anvil
# --state loads the chain on start and writes it back on exit (and every 5 s, so a killed demo loses
# at most the last seconds; chain_demo then resets and redeploys); historical states are kept for
# record-date snapshots.
# A new chain starts on 1 April 2026, the day after the demo deal GCABS 2026-1 closed, so its tokens
# are minted before the record dates load_demo_servicing pays (its clock then moves forward as blocks come).
GENESIS=()
if [ ! -f var/anvil/state.json ]; then GENESIS=(--timestamp 1775001600); fi
start_anvil "$RUN_DIR" --state var/anvil/state.json --state-interval 5 --preserve-historical-states "${GENESIS[@]}"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py load_demo
.venv/bin/python manage.py load_demo_assets
.venv/bin/python manage.py load_demo_green
.venv/bin/python manage.py chain_demo
.venv/bin/python manage.py load_demo_servicing
.venv/bin/python manage.py load_demo_reporting
# From now on a block every 2 s as well as one per transaction, so what is sent from the admin
# reaches its confirmations (not before: the set-up above expects a chain with only its own blocks).
( while sleep 2; do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' \
      -d '{"jsonrpc":"2.0","id":1,"method":"evm_mine","params":[]}' "$CHAIN_RPC_URL" || exit 0
  done ) &
PIDS+=($!)

.venv/bin/celery -A config worker --loglevel=INFO --concurrency=1 -B \
  --schedule="$RUN_DIR/celerybeat-schedule" >var/celery.log 2>&1 &
PIDS+=($!)
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 2 \
  --access-logfile var/access.log >var/gunicorn.log 2>&1 &
PIDS+=($!)

for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/schema/" 2>/dev/null && break
  sleep 0.2
done
cat <<TXT

Back office running (Ctrl-C stops it; logs in var/):
  Admin         http://127.0.0.1:$PORT/admin/
  KYC queue     http://127.0.0.1:$PORT/compliance/queue/ (compliance officers)
  Portal        http://127.0.0.1:$PORT/portal/ (investors: holdings, payments and their proofs, reports; trustees: deal reports)
  My KYC        http://127.0.0.1:$PORT/compliance/my-kyc/ (an investor's own KYC case and documents)
  API           http://127.0.0.1:$PORT/api/v1/
  API docs      http://127.0.0.1:$PORT/api/docs/
  OpenAPI       http://127.0.0.1:$PORT/api/schema/
  Celery worker pid ${PIDS[0]}, Redis on 127.0.0.1:$REDIS_PORT
  Local chain   $CHAIN_RPC_URL (anvil, chain id $CHAIN_ID; contracts in the admin under Chain)

TXT
.venv/bin/python manage.py load_demo --print-logins
wait
