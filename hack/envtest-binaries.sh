#!/usr/bin/env bash
# Builds the control-plane binaries that envtest, the demo and the end-to-end
# tests run, from source through the Go module proxy (release downloads are out
# of reach here), and caches them outside the clone, keyed by version.
#
#   hack/envtest-binaries.sh            etcd, kube-apiserver, kubectl (envtest)
#   hack/envtest-binaries.sh --cluster  also kube-controller-manager, kube-scheduler, kwok
#   hack/envtest-binaries.sh --print-dir
#
# Binaries are built into a temporary folder and moved into place only when the
# build succeeded, so an interrupted build never leaves a broken binary behind.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.37.2}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
KWOK_VERSION=${KWOK_VERSION:-0.8.0}
GOOS_GOARCH="$(go env GOOS)-$(go env GOARCH)"
STORE=${ENVTEST_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/kubebuilder-envtest}
ASSETS_DIR="$STORE/k8s/${K8S_VERSION}-${GOOS_GOARCH}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

cluster=false
case "${1:-}" in
  --print-dir) echo "$ASSETS_DIR"; exit 0 ;;
  --cluster) cluster=true ;;
  "") ;;
  *) echo "usage: $0 [--cluster|--print-dir]" >&2; exit 2 ;;
esac

log() { printf '[envtest-binaries] %s\n' "$*" >&2; }

# have NAME VERSION: the binary exists and was built for VERSION.
have() { [[ -x "$ASSETS_DIR/$1" && "$(cat "$ASSETS_DIR/.$1.version" 2>/dev/null)" == "$2" ]]; }

# build STEP VERSION MODULE_DIR LDFLAGS NAME=PKG...: builds the packages in one
# `go build` (these machines have 2 cores: one compiler pass at a time) while a
# ticker shows that it is still alive.
build() {
  local step=$1 version=$2 moddir=$3 ldflags=$4; shift 4
  local tmp pkgs=() names=() start=$SECONDS
  for spec in "$@"; do names+=("${spec%%=*}"); pkgs+=("${spec#*=}"); done
  tmp="$(mktemp -d "$STORE/.build.XXXXXX")"
  log "building ${names[*]} (${step}); the first build takes several minutes, later ones reuse Go's build cache"
  ( while sleep 30; do log "  still building ${names[*]} ($((SECONDS - start))s)"; done ) &
  local ticker=$!
  # One package is written under its own name: go would name etcd's binary
  # "server" after its module path.
  local out="$tmp/" rc=0
  [[ ${#pkgs[@]} -eq 1 ]] && out="$tmp/${names[0]}"
  (cd "$moddir" && GOWORK=off CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out" "${pkgs[@]}") >"$tmp/build.log" 2>&1 || rc=$?
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  if [[ $rc -ne 0 ]]; then
    tail -n 30 "$tmp/build.log" >&2
    log "FAILED: step '${step}' (go build in ${moddir#"$ROOT"/}) exited $rc; full log: $tmp/build.log"
    local retry="make envtest"
    $cluster && retry="hack/envtest-binaries.sh --cluster"
    log "retry with: ${retry}; Go's module and build caches keep what was already done"
    exit "$rc"
  fi
  mkdir -p "$ASSETS_DIR"
  for name in "${names[@]}"; do
    mv -f "$tmp/$name" "$ASSETS_DIR/$name"
    echo "$version" >"$ASSETS_DIR/.$name.version"
  done
  rm -rf "$tmp"
  log "built ${names[*]} in $((SECONDS - start))s into $ASSETS_DIR"
}

mkdir -p "$STORE"

k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=v${K8S_VERSION} -X $pkg.gitMajor=${K8S_VERSION%%.*}"
  minor=${K8S_VERSION#*.}; minor=${minor%%.*}
  k8s_ldflags+=" -X $pkg.gitMinor=${minor} -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

if ! have etcd "$ETCD_VERSION"; then
  build etcd "$ETCD_VERSION" "$ROOT/hack/tools/etcd" "-s -w" etcd=go.etcd.io/etcd/server/v3
fi

want=()
have kube-apiserver "$K8S_VERSION" || want+=(kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver)
have kubectl "$K8S_VERSION" || want+=(kubectl=k8s.io/kubernetes/cmd/kubectl)
if $cluster; then
  have kube-controller-manager "$K8S_VERSION" || want+=(kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager)
  have kube-scheduler "$K8S_VERSION" || want+=(kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler)
fi
if [[ ${#want[@]} -gt 0 ]]; then
  build kubernetes "$K8S_VERSION" "$ROOT/hack/tools/k8s" "$k8s_ldflags" "${want[@]}"
fi

if $cluster && ! have kwok "$KWOK_VERSION"; then
  build kwok "$KWOK_VERSION" "$ROOT/hack/tools/kwok" "-s -w" kwok=sigs.k8s.io/kwok/cmd/kwok
fi

# kwok's own node life cycle (initialize, heartbeat) ships as YAML in its
# module; the local cluster loads it from here beside the binaries.
if $cluster && [[ ! -s "$ASSETS_DIR/kwok-node-stages.yaml" ]]; then
  kwok_dir="$(cd "$ROOT/hack/tools/kwok" && GOWORK=off go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  {
    cat "$kwok_dir/kustomize/stage/node/fast/node-initialize.yaml"
    echo "---"
    cat "$kwok_dir/kustomize/stage/node/heartbeat/node-heartbeat.yaml"
  } >"$ASSETS_DIR/kwok-node-stages.yaml.tmp"
  mv "$ASSETS_DIR/kwok-node-stages.yaml.tmp" "$ASSETS_DIR/kwok-node-stages.yaml"
  log "copied kwok's node stages into $ASSETS_DIR"
fi

echo "$ASSETS_DIR"
