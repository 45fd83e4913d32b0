package controllers

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestOwnWrites(t *testing.T) {
	a := types.NamespacedName{Namespace: "shop", Name: "deployment-checkout"}
	b := types.NamespacedName{Namespace: "shop", Name: "deployment-frontend"}
	var w ownWrites

	if w.behind(a, "10") {
		t.Fatal("nothing written yet, yet behind")
	}
	// A create at 11 was followed by a status patch, which replaced it.
	w.replaced(a, "11")
	w.replaced(b, "")
	if !w.behind(a, "11") {
		t.Error("the cache still holds 11, which our own patch replaced: must be behind")
	}
	if !w.behind(a, "11") {
		t.Error("asking again must not forget while the cache is still behind")
	}
	if w.behind(b, "") {
		t.Error("an empty resourceVersion is never recorded")
	}
	// The patch's own event arrives: the cache caught up.
	if w.behind(a, "12") {
		t.Error("12 is newer than every version we replaced: not behind")
	}
	if w.behind(a, "11") {
		t.Error("once caught up the key is forgotten; 11 again means someone else wrote it back")
	}
	if len(w.stale) != 0 {
		t.Errorf("caught-up keys must leave no memory behind, have %v", w.stale)
	}

	w.replaced(b, "20")
	w.replaced(b, "21")
	if !w.behind(b, "20") || !w.behind(b, "21") {
		t.Error("both replaced versions are behind")
	}
	w.forget(b)
	if w.behind(b, "20") || len(w.stale) != 0 {
		t.Error("forget drops the key")
	}
}
