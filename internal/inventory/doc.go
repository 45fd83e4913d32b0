// Package inventory is an in-memory index of the objects of a saved dump
// (what `kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -A -o json`
// prints): it decodes the dump and serves it as a gather.Source, answering
// the owner walk and gather's lookups as the controller's cache and
// indexes do, so that the plugin groups a dump with the controller's own
// code (internal/gather) and gives the engine the same input.
package inventory
