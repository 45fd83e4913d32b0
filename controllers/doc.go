// Package controllers keeps one WorkloadHealth per target workload. It only
// fetches, calls and writes: the owner walk is internal/owners, the verdict
// is internal/health, the name is internal/naming.
package controllers
