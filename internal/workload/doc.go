// Package workload is the one place that knows which kinds of workload
// exist: for each built-in kind its group, version, kind and resource, how
// to make empty objects and lists of it, what of it the cache keeps, which
// of its children the engine reads, and how its own status counts desired
// and ready pods. It also says how a target is identified: by group, kind,
// namespace and name. Owner resolution, the controller's watches and
// indexes, the cache transform, the plugin's decoder and describe read it;
// adding a built-in kind is one entry here plus its aggregation rule in
// internal/health.
package workload
