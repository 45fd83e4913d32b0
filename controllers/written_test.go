package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// TestRecordsView: the manager's record of its last write speaks while the
// cache shows that write or an older version; any other version is a write
// of someone else, which the cache shows.
func TestRecordsView(t *testing.T) {
	key := types.NamespacedName{Namespace: "shop", Name: "deployment-checkout"}
	target := whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "checkout", UID: "u1"}
	obj := func(rv string, h whv1.HealthStatus) *whv1.WorkloadHealth {
		wh := &whv1.WorkloadHealth{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, ResourceVersion: rv, Generation: 1}}
		setMetadata(wh, target)
		wh.Status.Health = &whv1.Health{Status: h}
		return wh
	}
	// ours wrote a create at 5 (replacing nothing) and a status at 7
	// (replacing 6, the version the create's metadata write left).
	ours := func() *records {
		rs := &records{}
		for _, w := range []struct {
			replaced string
			wh       *whv1.WorkloadHealth
		}{{"", obj("6", "")}, {"6", obj("7", whv1.HealthDegraded)}} {
			if err := rs.wrote(key, w.replaced, w.wh); err != nil {
				t.Fatal(err)
			}
		}
		return rs
	}
	tests := []struct {
		name     string
		rs       *records
		cached   *whv1.WorkloadHealth
		exists   bool
		health   whv1.HealthStatus
		recorded bool // the record is still there afterwards
	}{
		{name: "nothing written, nothing cached", rs: &records{}, exists: false},
		{name: "nothing written: the cache speaks", rs: &records{}, cached: obj("3", whv1.HealthHealthy), exists: true, health: whv1.HealthHealthy},
		{name: "our write not cached yet", rs: ours(), exists: true, health: whv1.HealthDegraded, recorded: true},
		{name: "the cache behind our last write", rs: ours(), cached: obj("6", ""), exists: true, health: whv1.HealthDegraded, recorded: true},
		{name: "the cache at our last write", rs: ours(), cached: obj("7", whv1.HealthDegraded), exists: true, health: whv1.HealthDegraded, recorded: true},
		{name: "someone else wrote since", rs: ours(), cached: obj("9", whv1.HealthHealthy), exists: true, health: whv1.HealthHealthy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := tc.rs.view(key, tc.cached, target)
			if err != nil {
				t.Fatal(err)
			}
			if v.exists != tc.exists || v.health() != tc.health {
				t.Errorf("view exists %v health %q, want %v %q", v.exists, v.health(), tc.exists, tc.health)
			}
			if tc.exists && !v.metadataCurrent {
				t.Error("metadata written for this target reads as stale")
			}
			if _, ok := tc.rs.m[key]; ok != tc.recorded {
				t.Errorf("record kept %v, want %v", ok, tc.recorded)
			}
		})
	}

	t.Run("another target of the same name needs new metadata", func(t *testing.T) {
		v, err := ours().view(key, nil, whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "checkout", UID: "u2"})
		if err != nil || v.metadataCurrent {
			t.Errorf("metadataCurrent %v (%v), want false", v.metadataCurrent, err)
		}
	})
	t.Run("the cache caught up: older versions are forgotten", func(t *testing.T) {
		rs := ours()
		if _, err := rs.view(key, obj("7", whv1.HealthDegraded), target); err != nil {
			t.Fatal(err)
		}
		if rs.m[key].older != nil {
			t.Errorf("older versions kept: %v", rs.m[key].older)
		}
	})
	t.Run("forget", func(t *testing.T) {
		rs := ours()
		rs.forget(key)
		if v, _ := rs.view(key, nil, target); v.exists {
			t.Error("a forgotten object still exists")
		}
	})
}
