#!/usr/bin/env bash
# The sandbox: the operator end to end on this machine, with nothing but what `make deps` installs.
#
#   scripts/sandbox.sh up [sample.yaml]   start everything in the background; apply the sample and
#                                         wait until its cluster is Healthy (no sample: just start)
#   scripts/sandbox.sh down               stop everything by PID and remove the state directory
#
# What runs: KubeSim (the Kubernetes API server and kubelet stand-in), a real etcd (the topology),
# Azurite (grain state), one webhook process and two operator silos. State lives in .sandbox/:
# kubeconfig, PIDs, logs. The managed etcd a cluster asks for is a StatefulSet whose address only
# resolves inside a real cluster, so the silos dial the sandbox's real etcd for every topology
# address (MULTIGRES_TOPOLOGY_DIAL); the records they write still name the in-cluster address.
# KubeSim simulates the data plane in that etcd (pooler records, a multiorch that elects primaries,
# fake multipooler and multiadmin gRPC on one port); the silos dial that port for every pool pod and
# multiadmin address (MULTIGRES_DATAPLANE_DIAL), keeping the real host name as the authority.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
state="$root/.sandbox"
config="${CONFIG:-Debug}"
bin() { echo "$root/$1/bin/$config/net10.0/$2"; }

log() { printf '%s sandbox: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Wait until a command succeeds, at most $1 seconds; $2 says what we wait for.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      die "timed out after ${seconds}s waiting for $what (logs in $state/*.log)"
    fi
    sleep 0.5
  done
}

start_bg() { # name, then the command; records the PID
  local name=$1; shift
  setsid "$@" >"$state/$name.log" 2>&1 < /dev/null &
  echo $! >"$state/$name.pid"
}

down() {
  if [ ! -d "$state" ]; then
    log "nothing to stop"
    return 0
  fi
  for pidfile in "$state"/*.pid; do
    [ -e "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ -f "$state/etcd.dir" ]; then rm -rf "$(cat "$state/etcd.dir")"; fi
  rm -rf "$state"
  log "stopped"
}

up() {
  local sample=${1:-}
  [ -d "$state" ] && down
  mkdir -p "$state"
  local started=$SECONDS

  log "building"
  # Only the three processes the sandbox runs (not the test projects): the build is most of its time.
  for project in KubeSim/KubeSim.csproj Webhooks/Webhooks.csproj Silo/Silo.csproj; do
    dotnet build "$project" -c "$config" --nologo -clp:ErrorsOnly -v q >>"$state/build.log" 2>&1 || { cat "$state/build.log"; die "build of $project failed"; }
  done

  log "starting etcd"
  read -r etcd_url etcd_pid etcd_dir < <(scripts/etcd.sh)
  echo "$etcd_pid" >"$state/etcd.pid"
  echo "$etcd_dir" >"$state/etcd.dir"

  log "starting Azurite"
  read -r azurite_port azurite_pid < <(scripts/azurite.sh)
  echo "$azurite_pid" >"$state/azurite.pid"
  # Azurite's well-known development account (public, documented by Azure; not a secret).
  local blob_url="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$azurite_port/devstoreaccount1;"

  local webhook_port kubesim_port dataplane_port
  webhook_port=$(free_port)
  kubesim_port=$(free_port)
  dataplane_port=$(free_port)
  log "starting KubeSim"
  start_bg kubesim dotnet "$(bin KubeSim MultigresOrleans.KubeSim.dll)" --port "$kubesim_port" --https \
    --dataplane-etcd "$etcd_url" --dataplane-grpc-port "$dataplane_port" \
    --kubeconfig-out "$state/kubeconfig" --enforce-rbac \
    --service-account-kubeconfig "multigres-operator/multigres-operator-controller-manager=$state/operator.kubeconfig" \
    --service-account-kubeconfig "multigres-operator/multigres-operator-webhook=$state/webhook.kubeconfig" \
    --webhook-service "multigres-operator/multigres-operator-webhook-service=https://127.0.0.1:$webhook_port"
  wait_for 60 "KubeSim" test -s "$state/webhook.kubeconfig"
  export KUBECONFIG="$state/kubeconfig"
  wait_for 60 "KubeSim to answer" kubectl get --raw /readyz

  log "installing CRDs, nodes, the webhook configurations and the install's RBAC"
  for crd in deploy/crds/multigres.com_*.yaml; do kubectl apply --server-side -f "$crd" >/dev/null; done
  kubectl apply -f deploy/sandbox/nodes.yaml >/dev/null
  kubectl create namespace multigres-operator >/dev/null
  # KubeSim enforces RBAC (--enforce-rbac): the webhook and the silos get exactly what an install grants.
  for component in operator webhooks; do
    kubectl apply -f "deploy/$component/service_account.yaml" -f "deploy/$component/rbac.yaml" >/dev/null
  done
  kubectl apply -f deploy/webhooks/mutating_webhook_configuration.yaml -f deploy/webhooks/validating_webhook_configuration.yaml >/dev/null
  wait_for 30 "the MultigresCluster CRD" kubectl get multigresclusters -A

  log "starting the webhook"
  mkdir -p "$state/webhook-certs"
  # The grain cluster's key, made here because the webhook (a grain client: the template deletion
  # guard asks the silos' template grains) starts first; the silos below read the same file.
  head -c 48 /dev/urandom >"$state/grain-cluster.key"
  KUBECONFIG="$state/webhook.kubeconfig" WEBHOOK_SELF_SIGNED=true WEBHOOK_NAMESPACE=multigres-operator WEBHOOK_PORT="$webhook_port" \
    WEBHOOK_CERT_DIR="$state/webhook-certs" WEBHOOK_OPERATOR_USER="system:serviceaccount:multigres-operator:multigres-operator-controller-manager" \
    GRAIN_CLUSTER_NAME=multigres-operator GRAIN_CLUSTER_KEY_FILE="$state/grain-cluster.key" \
    start_bg webhook dotnet "$(bin Webhooks MultigresOrleans.Webhooks.dll)"
  wait_for 60 "the webhook's /readyz" curl -skf "https://127.0.0.1:$webhook_port/readyz"

  log "starting two silos"
  for i in 0 1; do
    local grain_port health_port
    grain_port=$(free_port)
    health_port=$(free_port)
    echo "$health_port" >"$state/silo-$i.health"
    # The silos authenticate as the operator's service account, as in a pod: the webhook lets only it write child CRs.
    KUBECONFIG="$state/operator.kubeconfig" POD_NAMESPACE=multigres-operator POD_SERVICE_ACCOUNT=multigres-operator-controller-manager POD_NAME="silo-$i" \
      GRAIN_CLUSTER_KEY_FILE="$state/grain-cluster.key" GRAIN_LISTEN="127.0.0.1:$grain_port" \
      GRAIN_ADVERTISE="http://127.0.0.1:$grain_port" HEALTH_PORT="$health_port" \
      GRAIN_STORAGE_CONNECTION_STRING="$blob_url" MULTIGRES_TOPOLOGY_DIAL="$etcd_url" \
      MULTIGRES_DATAPLANE_DIAL="127.0.0.1:$dataplane_port" \
      start_bg "silo-$i" dotnet "$(bin Silo MultigresOrleans.Silo.dll)"
  done
  for i in 0 1; do
    wait_for 90 "silo-$i /readyz" curl -sf "http://127.0.0.1:$(cat "$state/silo-$i.health")/readyz"
  done

  if [ -n "$sample" ]; then
    log "applying $sample"
    kubectl apply -f "$sample"
    local name namespace
    name=$(awk '/^kind: MultigresCluster/{f=1} f&&/^  name:/{print $2; exit}' "$sample")
    namespace=$(awk '/^kind: MultigresCluster/{f=1} f&&/^  namespace:/{print $2; exit}' "$sample")
    namespace=${namespace:-default}
    log "waiting for MultigresCluster $namespace/$name to be Healthy"
    if ! kubectl wait -n "$namespace" "multigrescluster/$name" --for=jsonpath='{.status.phase}'=Healthy --timeout=150s >/dev/null; then
      kubectl get multigresclusters,cells,tablegroups,shards,toposervers -A || true
      die "the cluster did not become Healthy (silo logs: $state/silo-*.log)"
    fi
    echo
    kubectl get multigresclusters,cells,tablegroups,shards,toposervers -n "$namespace"
    echo
    kubectl get deployments,statefulsets,services,pods -n "$namespace"
  fi

  echo
  log "up in $((SECONDS - started))s. Use it with:"
  echo "  export KUBECONFIG=$state/kubeconfig"
  echo "  kubectl get multigresclusters -A"
  echo "  make sandbox-down    # stops everything"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  *) echo "usage: $0 up [sample.yaml] | down" >&2; exit 2 ;;
esac
