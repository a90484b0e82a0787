#!/usr/bin/env bash
# Starts the pinned Azurite blob service in the background on a free loopback port, waits until it
# answers HTTP, then prints "<port> <pid>" on stdout and exits. The caller owns the process and
# stops it by PID. If a parent PID is given (argument 1), a small watchdog also stops Azurite when
# that parent dies, so a crashed test run does not leak an emulator.
#
# Usage: scripts/azurite.sh [parent-pid]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/Azurite/node_modules/.bin/azurite-blob"
[ -x "$bin" ] || bin="$root/Azurite/node_modules/.bin/azurite"
if [ ! -x "$bin" ]; then
  echo "azurite.sh: Azurite is not installed; run scripts/deps.sh (make deps)" >&2
  exit 1
fi

# Ask the OS for a free port (bind port 0), so parallel suites never collide.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
log="$(mktemp -t azurite.XXXXXX.log)"

setsid "$bin" --disableTelemetry --blobHost 127.0.0.1 --blobPort "$port" --inMemoryPersistence \
  --skipApiVersionCheck --silent >"$log" 2>&1 < /dev/null &
pid=$!

if [ "${1:-}" != "" ]; then
  parent="$1"
  ( while kill -0 "$parent" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
    kill "$pid" 2>/dev/null || true ) >/dev/null 2>&1 < /dev/null &
  disown || true
fi

# Ready when the blob endpoint answers any HTTP status (an unauthenticated request gets 403).
for _ in $(seq 1 200); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "azurite.sh: Azurite exited during start-up; log follows" >&2
    cat "$log" >&2
    exit 1
  fi
  code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/devstoreaccount1?comp=list" || true)"
  if [ "$code" != "000" ] && [ -n "$code" ]; then
    echo "$port $pid"
    exit 0
  fi
  sleep 0.05
done
echo "azurite.sh: Azurite did not answer on port $port within 10 s; log follows" >&2
cat "$log" >&2
kill "$pid" 2>/dev/null || true
exit 1
