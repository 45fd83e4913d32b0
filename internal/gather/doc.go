// Package gather is the one grouping path: given the name of a
// WorkloadHealth, it finds the target behind it and reads everything the
// engine needs about it (the workload, the ReplicaSets or Jobs it
// controls, the pods whose owner walk ends at it, the Warning events about
// any of them), walking down from the target through controller
// ownerReferences. It reads through Source, a small interface over the
// engine's inputs, so the controller (its caches) and the plugin (a dump)
// group objects with the same code and cannot disagree.
package gather
