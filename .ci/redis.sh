#!/usr/bin/env bash
# Starts the Redis the budget tests use: a real server from the distribution's packages, on
# loopback only, without persistence. Idempotent: a server already answering on the port is kept.
#
#   .ci/redis.sh            # port 6390, or $AGENTTRACE_REDIS_PORT
#   export AGENTTRACE_REDIS_URL=redis://127.0.0.1:6390
set -euo pipefail

port="${AGENTTRACE_REDIS_PORT:-6390}"

# Root installs directly; otherwise through sudo when it is there.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "redis.sh: installing redis-server from Debian packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
  echo "redis.sh: Redis already answers on 127.0.0.1:$port" >&2
  exit 0
fi

redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
  --pidfile "/tmp/agenttrace-redis-$port.pid" --logfile "/tmp/agenttrace-redis-$port.log"

# Wait until it answers, for at most 10 seconds.
for _ in $(seq 1 100); do
  if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
    echo "redis.sh: Redis $(redis-server --version | awk '{print $3}' | sed 's/^v=//') on 127.0.0.1:$port" >&2
    exit 0
  fi
  sleep 0.1
done

echo "redis.sh: redis-server did not answer on 127.0.0.1:$port within 10 s; see" \
  "/tmp/agenttrace-redis-$port.log" >&2
exit 1
