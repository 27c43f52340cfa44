#!/usr/bin/env bash
# The import contracts (.importlinter), then the whole test suite against a throwaway PostgreSQL,
# Redis and anvil on loopback.
# Usage: scripts/test.sh [pytest arguments]   (make test)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv
apt_need redis-server redis-server
apt_need initdb postgresql
ensure_node_modules
apt_need chromium chromium

RUN_DIR=$(mktemp -d /tmp/greencompute-test.XXXXXX)
cleanup() {
  stop_anvil
  stop_redis
  stop_postgres
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

start_postgres "$RUN_DIR"
start_redis "$RUN_DIR"
start_anvil "$RUN_DIR"
export DJANGO_SETTINGS_MODULE=config.settings.test

# The dependency graph (docs/architecture.md, "Dependencies"): a broken contract fails the run.
.venv/bin/lint-imports --no-cache

status=0
.venv/bin/pytest "$@" || status=$?
exit $status
