#!/usr/bin/env bash
# Installs the helm CLI from the Go module proxy (release downloads are out of
# reach here) and prints its path. The binary is cached outside the clone,
# keyed by version, so a fresh clone on the same machine reuses it; the first
# build takes a few minutes, later ones reuse Go's build cache.
#
#   hack/helm.sh               install when missing, print the path
#   hack/helm.sh --print-path  print the path only
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.22.0}
# The Kubernetes minor of the client libraries HELM_VERSION is built on
# (k8s.io/client-go v0.37 for v3.22.0). Helm's own release build stamps it,
# and its version, with -X; without it `helm template` and `helm lint`
# assume Kubernetes 1.20 and refuse the chart's kubeVersion.
HELM_K8S_MINOR=${HELM_K8S_MINOR:-37}
STORE=${WORKLOADHEALTH_TOOLS:-${XDG_DATA_HOME:-$HOME/.local/share}/workloadhealth-tools}
DIR="$STORE/helm-$HELM_VERSION-k8s1.$HELM_K8S_MINOR"
BIN="$DIR/helm"

case "${1:-}" in
  --print-path) echo "$BIN"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--print-path]" >&2; exit 2 ;;
esac

if [[ ! -x "$BIN" ]]; then
  echo "[helm] installing helm $HELM_VERSION into $DIR" >&2
  mkdir -p "$STORE"
  tmp="$(mktemp -d "$STORE/.helm.XXXXXX")"
  start=$SECONDS
  ( while sleep 30; do echo "[helm]   still building ($((SECONDS - start))s)" >&2; done ) &
  ticker=$!
  # Outside any module, so that the project's go.mod does not pin helm's
  # dependencies.
  rc=0
  (cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod GOBIN="$tmp" CGO_ENABLED=0 \
    go install -trimpath -ldflags "\
      -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$HELM_K8S_MINOR \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HELM_K8S_MINOR" \
      "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") >&2 || rc=$?
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  if [[ $rc -ne 0 ]]; then
    rm -rf "$tmp"
    echo "[helm] FAILED: go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  mv -f "$tmp/helm" "$BIN"
  rm -rf "$tmp"
  echo "[helm] built in $((SECONDS - start))s" >&2
fi
echo "$BIN"
