package controllers

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// ownWrites remembers, per WorkloadHealth, the resourceVersions that the
// controller's own writes replaced and the cache has not yet moved past.
// A reconcile that reads one of them from the cache works on a copy older
// than what it wrote itself: any status it computes would be patched
// against a stale resourceVersion and refused with a conflict (a wasted
// write and a live read). It stops instead: the watch event of its own
// write is on its way and reconciles the object again. Right after a
// WorkloadHealth is created this is the common case, since the create's
// own event arrives before the status patch's.
type ownWrites struct {
	mu    sync.Mutex
	stale map[types.NamespacedName]map[string]bool
}

// replaced records that the controller replaced resourceVersion rv of key.
func (w *ownWrites) replaced(key types.NamespacedName, rv string) {
	if rv == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stale == nil {
		w.stale = map[types.NamespacedName]map[string]bool{}
	}
	if w.stale[key] == nil {
		w.stale[key] = map[string]bool{}
	}
	w.stale[key][rv] = true
}

// behind says whether the cached resourceVersion rv of key is one the
// controller already replaced. Any other version means the cache caught
// up (or someone else wrote): the key is forgotten.
func (w *ownWrites) behind(key types.NamespacedName, rv string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stale[key][rv] {
		return true
	}
	delete(w.stale, key)
	return false
}

// forget drops key, for objects that are gone.
func (w *ownWrites) forget(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.stale, key)
}
