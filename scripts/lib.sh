# Shared shell functions for scripts/demo.sh and scripts/test.sh. Source, do not run.

PYTHON=${PYTHON:-python3}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Install Debian packages whose command is missing: apt_need COMMAND PACKAGE...
apt_need() {
  local cmd=$1; shift
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "==> installing $* (apt)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

# A virtualenv with the pinned requirements; reinstalls only when requirements.txt changes.
ensure_venv() {
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
  fi
  local want have
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  have=$(cat .venv/.requirements.sha256 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    echo "==> installing Python requirements"
    .venv/bin/pip install -q -r requirements.txt
    echo "$want" > .venv/.requirements.sha256
  fi
}

free_port() {
  .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_postgres DIR: a throwaway cluster on loopback; sets PG_PORT and DATABASE_URL.
start_postgres() {
  local dir=$1/pg
  mkdir -p "$dir"
  PG_PORT=$(free_port)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$1"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" initdb -D "$dir/data" -U postgres -A trust -E UTF8 >"$dir/initdb.log"
  "${run[@]}" pg_ctl -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  PG_STOP=("${run[@]}" pg_ctl -D "$dir/data" -m fast -w stop)
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "==> PostgreSQL on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  if [ -n "${PG_STOP+x}" ]; then "${PG_STOP[@]}" >/dev/null 2>&1 || true; fi
}

# start_redis DIR [PORT]: sets REDIS_PORT and CELERY_BROKER_URL.
start_redis() {
  REDIS_PORT=${2:-$(free_port)}
  REDIS_PIDFILE=$1/redis.pid
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$1/redis.log" --dir "$1"
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export CELERY_RESULT_BACKEND="$CELERY_BROKER_URL"
  echo "==> Redis on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  if [ -n "${REDIS_PORT:-}" ]; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
}

