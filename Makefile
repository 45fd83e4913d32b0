# Image URL to use all building/pushing image targets
IMG ?= workloadhealth/manager:dev

# Pinned tool versions. The control-plane binaries are built from source
# (hack/envtest-binaries.sh); the versions live in hack/tools/*/go.mod.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.6.16

# Where the built envtest binaries are cached: outside the clone, keyed by
# version, so a fresh clone on the same machine reuses them.
ENVTEST_STORE ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)/kubebuilder-envtest
ENVTEST_ASSETS ?= $(ENVTEST_STORE)/k8s/$(K8S_VERSION)-$(shell go env GOOS)-$(shell go env GOARCH)
export ENVTEST_STORE K8S_VERSION ETCD_VERSION

# The chart's version and the manager version it deploys by default
# (its appVersion, the image tag).
CHART_VERSION ?= 0.1.0
APP_VERSION ?= 0.1.0
# The plugin's version: the nearest v* tag (v0.1.0, or v0.1.0-3-gabc1234
# past it), else v0.0.0-dev; `make release VERSION=v0.2.0` names a release.
VERSION ?= $(shell git describe --tags --match 'v*' --dirty 2>/dev/null || echo v0.0.0-dev)
# Where the release archives, checksums and the rendered krew manifest go.
DIST ?= $(CURDIR)/dist

# Ginkgo and go test flags; e.g. `make test TEST_ARGS='-run TestFoo -v'`.
TEST_ARGS ?=

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD and the ClusterRole from the kubebuilder markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods from the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: chart
chart: manifests ## Generate the Helm chart charts/workloadhealth from config/ (hack/installgen).
	go run ./hack/installgen -chart charts/workloadhealth -chart-version $(CHART_VERSION) -app-version $(APP_VERSION)

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

# Go modules of their own inside the tree (their dependencies would raise
# the root module's): `go test ./...` from the root does not enter them.
NESTED_MODULES = test/grafana/promql

.PHONY: vet
vet: ## Run go vet.
	go vet ./...
	@for m in $(NESTED_MODULES); do (cd $$m && go vet ./...); done

.PHONY: verify
verify: manifests generate chart ## Regenerate everything and fail if the committed files differ.
	@gofmt_out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$gofmt_out" ]; then echo "gofmt would change:"; echo "$$gofmt_out"; exit 1; fi
	@if [ -n "$$(git status --porcelain -- api config charts)" ]; then \
		echo "Generated files are stale; run 'make manifests generate chart' and commit:"; \
		git status --porcelain -- api config charts; git --no-pager diff --stat -- api config charts; exit 1; \
	fi
	@echo "verify: generated files are up to date"

.PHONY: test
test: manifests generate vet cluster-binaries promtool helm monitoring-crds validate-krew-manifest chromium ## Run unit tests, envtest suites, local-cluster and browser tests (builds the binaries, promtool, helm, the monitoring CRDs and krew's validator, installs Chromium on first use).
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./... -timeout 30m -coverprofile cover.out $(TEST_ARGS)
	for m in $(NESTED_MODULES); do (cd $$m && go test ./... -timeout 10m); done

.PHONY: test-e2e
test-e2e: cluster-binaries chromium ## Run only the end-to-end suite (the manager as a process on a local cluster with kwok).
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./test/e2e/ -timeout 30m -count=1 -v -ginkgo.v $(TEST_ARGS)

.PHONY: test-stress
test-stress: manifests generate cluster-binaries promtool helm monitoring-crds ## Run make test STRESS_RUNS times (default 5) while busy loops occupy every core; prints wall times and the goal figures' medians.
	hack/stress.sh -n $(or $(STRESS_RUNS),5)

.PHONY: envtest
envtest: ## Build etcd, kube-apiserver and kubectl from source into the cache when missing.
	@hack/envtest-binaries.sh >/dev/null

.PHONY: promtool
promtool: ## Build Prometheus' promtool from the Go module proxy into a cache outside the clone when missing (checks the alerts).
	@hack/promtool.sh >/dev/null

.PHONY: helm
helm: ## Build the helm CLI from the Go module proxy into a cache outside the clone when missing (tests the chart).
	@hack/helm.sh >/dev/null

.PHONY: monitoring-crds
monitoring-crds: controller-gen ## Generate the ServiceMonitor and PrometheusRule CRDs from the Prometheus Operator's Go types into the tools cache (validates the chart's).
	@CONTROLLER_GEN=$(CONTROLLER_GEN) hack/monitoring-crds.sh >/dev/null

.PHONY: validate-krew-manifest
validate-krew-manifest: ## Build krew's validate-krew-manifest from the Go module proxy into a cache outside the clone when missing (checks the krew manifest).
	@hack/validate-krew-manifest.sh >/dev/null

.PHONY: chromium
chromium: ## Install Debian's chromium package when no Chromium is on PATH (the web view's browser tests; skipped only without apt-get).
	@hack/chromium.sh >/dev/null

.PHONY: cluster-binaries
cluster-binaries: ## Also build kube-controller-manager, kube-scheduler and kwok (for the demo and e2e).
	@hack/envtest-binaries.sh --cluster >/dev/null

.PHONY: demo
demo: build cluster-binaries ## Run the controller on a local cluster, no cluster needed (DEMO_ONCE=1 exits after printing).
	go build -o $(LOCALBIN)/demo ./hack/demo
	$(LOCALBIN)/demo --assets "$(ENVTEST_ASSETS)" --bin "$(LOCALBIN)"

.PHONY: bench
bench: envtest ## Measure the manager at scale and print one table (BENCH_PODS, BENCH_TARGETS, BENCH_RUNS; see docs/performance.md). Not part of test.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/bench ./test/bench
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" $(LOCALBIN)/bench --manager $(LOCALBIN)/manager

.PHONY: bench-ui
bench-ui: envtest chromium ## Measure the web view's fleet page with 2,000 WorkloadHealths in headless Chromium and print the figures (docs/performance.md). Not part of test.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./internal/webui/ -run '^$$' -bench FleetPage -benchtime $(or $(BENCH_RUNS),5)x -count=1

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager and the kubectl plugin (its version from VERSION).
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -ldflags "-X main.version=$(VERSION)" -o $(LOCALBIN)/kubectl-workloadhealth ./cmd/kubectl-workloadhealth

# Flags of `make run`: plain HTTP metrics on loopback, where only this
# machine reaches them (`curl localhost:8080/metrics`); the deployed manager
# serves HTTPS to authorized scrapers (docs/metrics.md).
RUN_ARGS ?= --metrics-secure=false --metrics-bind-address=127.0.0.1:8080

.PHONY: run
run: manifests generate fmt vet ## Run the controller against the cluster of the current kubeconfig (RUN_ARGS; plain HTTP metrics on 127.0.0.1:8080).
	go run ./cmd/manager $(RUN_ARGS)

.PHONY: release
release: release-install release-plugin ## Build every release artifact into DIST: install.yaml (IMG) and the plugin's archives (VERSION=v0.2.0).

.PHONY: release-install
release-install: manifests ## Write dist/install.yaml: config/default with the image IMG, for kubectl apply -f.
	go run ./hack/installgen -install-yaml $(DIST)/install.yaml -image $(IMG)

.PHONY: release-plugin
release-plugin: ## Build the plugin's archives for linux/darwin/windows x amd64/arm64 and render the krew manifest into DIST/plugins/.
	go run ./hack/release --version "$(VERSION)" --out "$(DIST)" --manifest plugins/workloadhealth.yaml

.PHONY: docker-build
docker-build: ## Build the manager image.
	docker build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the manager image.
	docker push $(IMG)

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

KUBECTL ?= kubectl

.PHONY: install
install: manifests ## Install the CRD into the cluster of the current kubeconfig.
	$(KUBECTL) apply -k config/crd

.PHONY: uninstall
uninstall: manifests ## Remove the CRD from the cluster. Call with ignore-not-found=true to ignore missing resources.
	$(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -k config/crd

.PHONY: deploy
deploy: manifests ## Deploy the controller (config/default) with image IMG.
	cd config/manager && $(KUBECTL) kustomize . >/dev/null
	$(KUBECTL) kustomize config/default | sed -e 's|image: controller:latest|image: $(IMG)|' | $(KUBECTL) apply -f -

.PHONY: undeploy
undeploy: ## Remove the controller. Call with ignore-not-found=true to ignore missing resources.
	$(KUBECTL) kustomize config/default | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install controller-gen into bin/.
$(CONTROLLER_GEN): $(LOCALBIN)/.controller-gen-$(CONTROLLER_TOOLS_VERSION)
$(LOCALBIN)/.controller-gen-$(CONTROLLER_TOOLS_VERSION):
	@mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	@rm -f $(LOCALBIN)/.controller-gen-* && touch $@
