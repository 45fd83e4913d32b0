// Package owners finds the target of a pod (or of any object that owns
// pods): the workload whose WorkloadHealth describes it, by walking
// controller ownerReferences upward as design.md says. It reads objects only
// through a Getter, which the controller backs with its informer cache.
package owners
