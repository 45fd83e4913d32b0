#!/usr/bin/env bash
# Generates the Prometheus Operator's ServiceMonitor and PrometheusRule CRDs
# with controller-gen from the operator's API types (a Go module,
# github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring),
# so that test/install can send the chart's ServiceMonitor and
# PrometheusRule to an API server that validates them. Cached outside the
# clone, keyed by version; prints the folder.
#
#   hack/monitoring-crds.sh               generate when missing, print the folder
#   hack/monitoring-crds.sh --print-dir   print the folder only
#
# CONTROLLER_GEN names the controller-gen binary (the Makefile passes
# bin/controller-gen).
set -euo pipefail

VERSION=${PROMETHEUS_OPERATOR_VERSION:-v0.95.2}
STORE=${WORKLOADHEALTH_TOOLS:-${XDG_DATA_HOME:-$HOME/.local/share}/workloadhealth-tools}
DIR="$STORE/monitoring-crds-$VERSION"
MODULE=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring
KINDS=(servicemonitors prometheusrules)

case "${1:-}" in
  --print-dir) echo "$DIR"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--print-dir]" >&2; exit 2 ;;
esac

if [[ ! -f "$DIR/monitoring.coreos.com_${KINDS[-1]}.yaml" ]]; then
  gen=$(realpath "${CONTROLLER_GEN:-bin/controller-gen}")
  echo "[monitoring-crds] generating ${KINDS[*]} of $MODULE@$VERSION into $DIR" >&2
  mkdir -p "$STORE"
  tmp="$(mktemp -d "$STORE/.monitoring-crds.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # A module of its own, so that the project's go.mod does not pin the
  # operator's types.
  printf 'module monitoringcrds\n\ngo 1.26.0\n' >"$tmp/go.mod"
  printf 'package monitoringcrds\n\nimport _ "%s/v1"\n' "$MODULE" >"$tmp/tools.go"
  (cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod go get "$MODULE@$VERSION" && GOWORK=off go mod tidy) >&2
  (cd "$tmp" && GOWORK=off "$gen" crd:maxDescLen=0 paths="$MODULE/v1" output:crd:dir="$tmp/out") >&2
  mkdir -p "$tmp/keep"
  for kind in "${KINDS[@]}"; do
    mv "$tmp/out/monitoring.coreos.com_$kind.yaml" "$tmp/keep/"
  done
  rm -rf "$DIR"
  mv "$tmp/keep" "$DIR"
fi
echo "$DIR"
