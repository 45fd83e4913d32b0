#!/usr/bin/env bash
# Installs krew's validate-krew-manifest from the Go module proxy (the
# validation package is internal to krew and cannot be imported) and
# prints its path. The binary is cached outside the clone, keyed by
# version, so a fresh clone on the same machine reuses it.
#
#   hack/validate-krew-manifest.sh               install when missing, print the path
#   hack/validate-krew-manifest.sh --print-path  print the path only
set -euo pipefail

KREW_VERSION=${KREW_VERSION:-v0.4.3}
STORE=${WORKLOADHEALTH_TOOLS:-${XDG_DATA_HOME:-$HOME/.local/share}/workloadhealth-tools}
DIR="$STORE/validate-krew-manifest-$KREW_VERSION"
BIN="$DIR/validate-krew-manifest"

case "${1:-}" in
  --print-path) echo "$BIN"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--print-path]" >&2; exit 2 ;;
esac

if [[ ! -x "$BIN" ]]; then
  echo "[krew] installing validate-krew-manifest $KREW_VERSION into $DIR" >&2
  mkdir -p "$STORE"
  tmp="$(mktemp -d "$STORE/.validate-krew-manifest.XXXXXX")"
  start=$SECONDS
  # Outside any module, so that the project's go.mod does not pin krew's
  # dependencies.
  rc=0
  (cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod GOBIN="$tmp" CGO_ENABLED=0 \
    go install "sigs.k8s.io/krew/cmd/validate-krew-manifest@$KREW_VERSION") >&2 || rc=$?
  if [[ $rc -ne 0 ]]; then
    rm -rf "$tmp"
    echo "[krew] FAILED: go install sigs.k8s.io/krew/cmd/validate-krew-manifest@$KREW_VERSION" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  mv -f "$tmp/validate-krew-manifest" "$BIN"
  rm -rf "$tmp"
  echo "[krew] built in $((SECONDS - start))s" >&2
fi
echo "$BIN"
