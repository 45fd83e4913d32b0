#!/usr/bin/env bash
# Installs Prometheus' promtool from the Go module proxy (release downloads
# are out of reach here) and prints its path. The binary is cached outside
# the clone, keyed by version, so a fresh clone on the same machine reuses it;
# the first build takes several minutes (about 12 CPU-minutes), later ones
# reuse Go's build cache.
#
#   hack/promtool.sh               install when missing, print the path
#   hack/promtool.sh --print-path  print the path only
#
# The version is the Prometheus module's: v0.316.0 is Prometheus 3.16.0.
set -euo pipefail

PROMTOOL_VERSION=${PROMTOOL_VERSION:-v0.316.0}
STORE=${WORKLOADHEALTH_TOOLS:-${XDG_DATA_HOME:-$HOME/.local/share}/workloadhealth-tools}
DIR="$STORE/promtool-$PROMTOOL_VERSION"
BIN="$DIR/promtool"

case "${1:-}" in
  --print-path) echo "$BIN"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--print-path]" >&2; exit 2 ;;
esac

if [[ ! -x "$BIN" ]]; then
  echo "[promtool] installing promtool $PROMTOOL_VERSION into $DIR" >&2
  mkdir -p "$STORE"
  tmp="$(mktemp -d "$STORE/.promtool.XXXXXX")"
  start=$SECONDS
  ( while sleep 30; do echo "[promtool]   still building ($((SECONDS - start))s)" >&2; done ) &
  ticker=$!
  # Outside any module, so that the project's go.mod does not pin
  # Prometheus' dependencies.
  rc=0
  (cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod GOBIN="$tmp" CGO_ENABLED=0 \
    go install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION") >&2 || rc=$?
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  if [[ $rc -ne 0 ]]; then
    rm -rf "$tmp"
    echo "[promtool] FAILED: go install github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  mv -f "$tmp/promtool" "$BIN"
  rm -rf "$tmp"
  echo "[promtool] built in $((SECONDS - start))s" >&2
fi
echo "$BIN"
