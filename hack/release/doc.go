// Command release builds the kubectl plugin's release archives and its
// krew manifest: for each platform, the binary (CGO off, -trimpath, the
// version set with -ldflags) packed with LICENSE when the repository has
// one into kubectl-workloadhealth_OS_ARCH.tar.gz (zip for Windows), then
// plugins/workloadhealth.yaml rendered with the version and each
// archive's sha256 into OUT/plugins/workloadhealth.yaml, and
// OUT/checksums.txt in sha256sum's format. `make release-plugin` runs it.
//
// Archives are reproducible: entries in a fixed order with a fixed time,
// so the same sources and Go toolchain give the same sha256.
package main
