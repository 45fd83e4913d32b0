// Package inventory is an in-memory index of the objects of a saved dump
// (what `kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -A -o json`
// prints) or of the same lists read from a cluster (List, the plugin's
// live mode): it serves them as a gather.Source, answering the owner walk
// and gather's lookups as the controller's cache and indexes do, so that
// the plugin groups its input with the controller's own code
// (internal/gather) and gives the engine the same input.
package inventory
