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

# start_demo_postgres DIR PORT: the demo's own cluster, created once under DIR and kept between
# runs (stopped, not removed, on exit); database `greencompute`. Sets PG_STOP and DATABASE_URL.
start_demo_postgres() {
  local dir=$1 port=$2
  local run=()
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$dir"
    run=(runuser -u postgres --)
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    echo "==> creating the demo PostgreSQL cluster in $dir/data"
    "${run[@]}" initdb -D "$dir/data" -U postgres -A trust -E UTF8 >"$dir/initdb.log"
  fi
  # A cluster left running by a killed demo is stopped first, so the port and socket are ours.
  "${run[@]}" pg_ctl -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  "${run[@]}" pg_ctl -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
  PG_STOP=("${run[@]}" pg_ctl -D "$dir/data" -m fast -w stop)
  "${run[@]}" psql -h "$dir" -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'greencompute'" | grep -q 1 ||
    "${run[@]}" createdb -h "$dir" -p "$port" -U postgres greencompute
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/greencompute"
  echo "==> PostgreSQL (demo cluster, kept in $dir) on 127.0.0.1:$port"
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

# npm packages of the EVM toolchain (solc, OpenZeppelin, anvil): npm ci when node_modules is
# missing or package-lock.json changed since the last install.
ensure_node_modules() {
  local want have
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  have=$(cat node_modules/.package-lock.sha256 2>/dev/null || true)
  if [ ! -d node_modules ] || [ "$want" != "$have" ]; then
    echo "==> installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > node_modules/.package-lock.sha256
  fi
}

# The anvil binary shipped inside the npm package for this platform.
anvil_bin() {
  local arch
  case "$(uname -m)" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  echo "node_modules/@foundry-rs/anvil-linux-$arch/bin/anvil"
}

# start_anvil DIR [ANVIL ARGS...]: a throwaway local chain on loopback (state cache inside DIR, never
# --prune-history: record-date snapshots need historical state). Sets ANVIL_PID and exports
# CHAIN_RPC_URL, CHAIN_ID, CHAIN_CONFIRMATIONS and CHAIN_SIGNER_KEY_FILE (anvil's public dev key 0).
start_anvil() {
  local dir=$1/anvil
  shift
  mkdir -p "$dir"
  ANVIL_PORT=$(free_port)
  "$(anvil_bin)" --host 127.0.0.1 --port "$ANVIL_PORT" --chain-id 31337 --hardfork prague \
    --cache-path "$dir/cache" --accounts 10 "$@" >"$dir/anvil.log" 2>&1 &
  ANVIL_PID=$!
  export CHAIN_RPC_URL="http://127.0.0.1:$ANVIL_PORT"
  for _ in $(seq 100); do
    curl -fsS -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' \
      "$CHAIN_RPC_URL" >/dev/null 2>&1 && break
    sleep 0.1
  done
  export CHAIN_ID=31337
  export CHAIN_CONFIRMATIONS=${CHAIN_CONFIRMATIONS:-2}
  # Anvil's well-known dev account 0; a real network sets CHAIN_SIGNER_KEY(_FILE) itself.
  (umask 077; echo "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" >"$dir/signer.key")
  export CHAIN_SIGNER_KEY_FILE="$dir/signer.key"
  echo "==> anvil on $CHAIN_RPC_URL (chain id $CHAIN_ID)"
}

stop_anvil() {
  if [ -n "${ANVIL_PID:-}" ]; then
    kill "$ANVIL_PID" 2>/dev/null || true
    wait "$ANVIL_PID" 2>/dev/null || true
  fi
}
