#!/usr/bin/env bash
# Starts a single-member etcd on loopback with free client/peer ports and a fresh temp data dir,
# waits until GET /health answers {"health":"true"}, prints "<client-url> <pid> <data-dir>" on
# stdout and exits. The caller owns the process: it stops it by PID and removes the data dir.
# If a parent PID is given (argument 1), a small watchdog also stops etcd (and removes the data
# dir) when that parent dies, so a crashed test run does not leak a server.
#
# Usage: scripts/etcd.sh [parent-pid]
set -euo pipefail
bin="$(command -v etcd || true)"
if [ -z "$bin" ]; then
  echo "etcd.sh: etcd is not installed; run scripts/deps.sh (make deps)" >&2
  exit 1
fi

# Ask the OS for two free ports (bind port 0). Both sockets are held open until both ports are
# chosen so the two never coincide; the short window before etcd binds them is retried below.
free_ports() {
  python3 -c 'import socket
a=socket.socket(); a.bind(("127.0.0.1",0)); b=socket.socket(); b.bind(("127.0.0.1",0))
print(a.getsockname()[1], b.getsockname()[1]); a.close(); b.close()'
}

for attempt in 1 2 3; do
  read -r cport pport < <(free_ports)
  dir="$(mktemp -d -t etcd.XXXXXX)"
  log="$dir/etcd.log"
  url="http://127.0.0.1:$cport"
  setsid "$bin" --name test --data-dir "$dir/data" \
    --listen-client-urls "$url" --advertise-client-urls "$url" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "test=http://127.0.0.1:$pport" --initial-cluster-state new \
    --log-level error --logger zap >"$log" 2>&1 < /dev/null &
  pid=$!

  if [ "${1:-}" != "" ]; then
    parent="$1"
    ( while kill -0 "$parent" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
      kill "$pid" 2>/dev/null || true; sleep 1; rm -rf "$dir" ) >/dev/null 2>&1 < /dev/null &
    disown || true
  fi

  for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    if curl -s --max-time 1 "$url/health" 2>/dev/null | grep -q '"health":"true"'; then
      echo "$url $pid $dir"
      exit 0
    fi
    sleep 0.05
  done
  echo "etcd.sh: attempt $attempt: etcd did not become healthy on $url; log follows" >&2
  cat "$log" >&2 || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
exit 1
