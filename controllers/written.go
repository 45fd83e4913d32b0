package controllers

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// record is what the manager remembers of a WorkloadHealth it wrote: enough
// to decide the next write without trusting a cache that may not show the
// last one yet, and small enough to keep when the objects themselves are
// no longer cached (docs/architecture.md).
type record struct {
	// resourceVersion the object had after our last write.
	resourceVersion string
	// older are resourceVersions our writes replaced, until the cache
	// shows resourceVersion: a cached copy at one of them is behind us.
	older map[string]bool
	// generation is the object's metadata.generation (observedGeneration).
	generation int64
	// target is the target the object's metadata and spec name.
	target whv1.TargetReference
	// status is a hash of the status written; prior holds its health
	// (without the message) and conditions, whose transition times the
	// next write keeps, and the health for the health-change Event.
	status [sha256.Size]byte
	prior  whv1.WorkloadHealthStatus
}

// records are the manager's records, by WorkloadHealth key.
type records struct {
	mu sync.Mutex
	m  map[types.NamespacedName]*record
}

// view is what the manager knows of an object before a write: from its
// record when the cache is not past it, else from the cached object.
type view struct {
	exists bool
	// resourceVersion the object has as far as the manager knows.
	resourceVersion string
	generation      int64
	// metadataCurrent: labels, annotation, ownerReference and spec are
	// the ones the target needs.
	metadataCurrent bool
	status          [sha256.Size]byte
	// prior is the health and the conditions last written.
	prior whv1.WorkloadHealthStatus
}

// health is the health last written, empty when none was.
func (v view) health() whv1.HealthStatus {
	if v.prior.Health == nil {
		return ""
	}
	return v.prior.Health.Status
}

// view of key, whose cached copy is cached (nil when the cache has none).
// A cached copy at a version our writes produced or replaced is behind
// or equal to our record, which then speaks; any other version is a write
// of someone else (or of a manager before a restart), which the cached
// copy shows.
func (rs *records) view(key types.NamespacedName, cached *whv1.WorkloadHealth, target whv1.TargetReference) (view, error) {
	rs.mu.Lock()
	rec := rs.m[key]
	if rec != nil && cached != nil {
		switch {
		case cached.ResourceVersion == rec.resourceVersion:
			rec.older = nil // the cache caught up
		case !rec.older[cached.ResourceVersion]:
			delete(rs.m, key) // someone else wrote after us
			rec = nil
		}
	}
	var v view
	if rec != nil {
		v = view{exists: true, resourceVersion: rec.resourceVersion, generation: rec.generation, metadataCurrent: rec.target == target,
			status: rec.status, prior: rec.prior}
	}
	rs.mu.Unlock()
	if rec != nil || cached == nil {
		return v, nil
	}
	h, err := statusHash(cached.Status)
	if err != nil {
		return v, err
	}
	return view{exists: true, resourceVersion: cached.ResourceVersion, generation: cached.Generation, metadataCurrent: metadataCurrent(cached, target),
		status: h, prior: priorOf(cached)}, nil
}

// wrote records a write of key that took the object from resourceVersion
// replaced (empty for a create) to the object wh. The replaced versions
// are dropped once the cache shows the last write, and the whole record
// when the cache shows a version of someone else: a few per object.
func (rs *records) wrote(key types.NamespacedName, replaced string, wh *whv1.WorkloadHealth) error {
	h, err := statusHash(wh.Status)
	if err != nil {
		return err
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.m == nil {
		rs.m = map[types.NamespacedName]*record{}
	}
	rec := rs.m[key]
	if rec == nil {
		rec = &record{}
		rs.m[key] = rec
	}
	if replaced != "" && replaced != wh.ResourceVersion {
		if rec.older == nil {
			rec.older = map[string]bool{}
		}
		rec.older[replaced] = true
	}
	rec.resourceVersion, rec.generation, rec.target = wh.ResourceVersion, wh.Generation, wh.Spec.TargetRef
	rec.status, rec.prior = h, priorOf(wh)
	return nil
}

// priorOf keeps of wh's status what the next write reads: the health
// without its message, and the conditions.
func priorOf(wh *whv1.WorkloadHealth) whv1.WorkloadHealthStatus {
	p := whv1.WorkloadHealthStatus{Conditions: wh.Status.Conditions}
	if h := wh.Status.Health; h != nil {
		p.Health = &whv1.Health{Status: h.Status, LastTransitionTime: h.LastTransitionTime}
	}
	return p
}

// forget drops the record of an object that is gone.
func (rs *records) forget(key types.NamespacedName) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	delete(rs.m, key)
}

// statusHash identifies a status as the API server stores it. Its JSON
// already is that form (times in whole seconds, empty lists and maps
// left out), so it needs no round trip through normalized first.
func statusHash(s whv1.WorkloadHealthStatus) ([sha256.Size]byte, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("encode status: %w", err)
	}
	return sha256.Sum256(raw), nil
}
