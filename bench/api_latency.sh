#!/usr/bin/env bash
# API list latency under load: seeds data, serves bench.settings with gunicorn (2 sync workers)
# on loopback and measures three endpoints with wrk. Prints one figure per line on stdout.
# Usage: bash bench/api_latency.sh RUN_DIR   (bench/run.sh calls it with DATABASE_URL set to a
# freshly migrated database; RUN_DIR holds the logs). BENCH_WRK_DURATION (default 10s) per endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

RUN_DIR=${1:?usage: bash bench/api_latency.sh RUN_DIR}
DURATION=${BENCH_WRK_DURATION:-10s}
export DJANGO_SETTINGS_MODULE=bench.settings

echo "==> seeding API data" >&2
TOKEN=$(.venv/bin/python -m bench.api_seed)
AUTH="Authorization: Token $TOKEN"

PORT=$(free_port)
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --worker-class sync \
  --log-file "$RUN_DIR/gunicorn.log" &
GUNICORN_PID=$!
stop_gunicorn() {
  kill "$GUNICORN_PID" 2>/dev/null || true
  wait "$GUNICORN_PID" 2>/dev/null || true
}
trap stop_gunicorn EXIT

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
  curl -fsS -o /dev/null "$BASE/bench/bare/" 2>/dev/null && break
  sleep 0.1
done
if ! curl -fsS -o /dev/null "$BASE/bench/bare/"; then
  echo "gunicorn did not start:" >&2
  tail -n 30 "$RUN_DIR/gunicorn.log" >&2
  exit 1
fi
echo "==> gunicorn on 127.0.0.1:$PORT; wrk -t2 -c8 -d$DURATION per endpoint" >&2

# measure NAME PATH MIN_COUNT [curl/wrk -H arguments]: check one response, then load it with wrk.
# A long --timeout so slow responses are measured, not dropped from the histogram as timeouts.
measure() {
  local name=$1 url=$BASE$2 min_count=$3
  shift 3
  local body=$RUN_DIR/$name.json out=$RUN_DIR/$name.wrk code
  code=$(curl -sS -o "$body" -w '%{http_code}' "$@" "$url")
  if [ "$code" != 200 ]; then
    echo "$name: HTTP $code from $url" >&2
    head -c 500 "$body" >&2
    return 1
  fi
  .venv/bin/python - "$body" "$min_count" <<'PY'
import json, sys
data, least = json.load(open(sys.argv[1])), int(sys.argv[2])
count = data.get("count", least if data.get("next") else 0)  # cursor pages carry no count
if least and (count < least or len(data["results"]) != 50):
    sys.exit(f"{sys.argv[1]}: {count} rows, {len(data['results'])} on the page")
PY
  BENCH_NAME=$name wrk -t2 -c8 -d"$DURATION" --timeout 30s --latency -s bench/wrk_report.lua "$@" "$url" >"$out"
  if [ "$(sed -n 's/^errors //p' "$out")" != 0 ] || [ "$(sed -n 's/^requests //p' "$out")" = 0 ]; then
    echo "$name: wrk saw errors or no requests:" >&2
    cat "$out" >&2
    return 1
  fi
  sed -n 's/^figure //p' "$out"
}

measure deals_list "/api/v1/deals/?page_size=50" 200 -H "$AUTH"
measure subscriptions_list "/api/v1/subscriptions/?page_size=50" 400000 -H "$AUTH"
measure bare "/bench/bare/" 0
