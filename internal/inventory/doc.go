// Package inventory is an in-memory index of the objects of a saved dump
// (what `kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -A -o json`
// prints): it decodes the dump, answers the owner walk of internal/owners
// as the controller's cache does, and groups pods, Warning events,
// ReplicaSets and Jobs by target, so that the offline CLI gives the engine
// the same input the controller would.
package inventory
