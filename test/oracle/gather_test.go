package oracle

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/inventory"
)

// TestGatherAgreesWithTheOracle groups every case twice: downward from
// each target (internal/gather over a dump, the path of the controller and
// the plugin) and upward from each pod (this package). Event order is not
// compared: gather lists a target's events first, the walk up by name.
func TestGatherAgreesWithTheOracle(t *testing.T) {
	for _, tt := range targetCases() {
		t.Run(tt.name, func(t *testing.T) {
			want, err := Targets(context.Background(), tt.objects...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := inventory.New(copies(tt.objects)...).Targets(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var g, w []string
			for _, tg := range got {
				g = append(g, summary(fromGather(tg)))
			}
			for _, tg := range want {
				sortEvents(tg.Events)
				w = append(w, summary(tg))
			}
			if strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Errorf("gather:\n%s\noracle:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
		})
	}
}

// fromGather is a gathered target in the oracle's shape, events by name.
func fromGather(g *gather.Target) *Target {
	t := &Target{Namespace: g.Namespace, Ref: g.Ref, ReplicaSets: g.ReplicaSets, Jobs: g.Jobs, Pods: g.Pods,
		Events: slices.Clone(g.Events)}
	if g.Workload != nil {
		t.Workload = g.Workload
	}
	sortEvents(t.Events)
	return t
}

func sortEvents(evs []*corev1.Event) {
	slices.SortFunc(evs, func(a, b *corev1.Event) int { return strings.Compare(a.Name, b.Name) })
}

// copies keeps the two groupings from sharing objects (an inventory sets
// the namespace of objects without one).
func copies(objs []runtime.Object) []runtime.Object {
	out := make([]runtime.Object, len(objs))
	for i, o := range objs {
		out[i] = o.DeepCopyObject()
	}
	return out
}
