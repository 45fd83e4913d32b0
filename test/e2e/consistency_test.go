package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/test/clusterdump"
	"github.com/workloadhealth/workloadhealth/test/oracle"
)

// testWindows are the manager's windows in these tests (startManager's
// flags), short enough to pass within a spec.
var testWindows = health.Windows{
	FlapWindow:            20 * time.Second,
	NotReadyAfter:         20 * time.Second,
	UnschedulableAfter:    15 * time.Second,
	StuckTerminatingAfter: health.DefaultWindows().StuckTerminatingAfter,
}

// expectConsistent waits until the WorkloadHealth objects of namespace are
// exactly what the engine computes from the cluster's own state: one per
// target, none for anything else, each status equal to the engine's. Every
// fault test ends with it.
func expectConsistent(ctx context.Context, namespace string) {
	Eventually(func(g Gomega) {
		diff, err := inconsistencies(ctx, namespace)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(diff).To(BeEmpty(), "WorkloadHealth objects differ from the engine's answer")
	}).WithTimeout(2 * time.Minute).Should(Succeed())
}

// inconsistencies lists how the stored objects differ from the engine's
// answer on a fresh read of the namespace.
func inconsistencies(ctx context.Context, namespace string) ([]string, error) {
	objs, err := clusterdump.Namespace(ctx, k8sClient, namespace)
	if err != nil {
		return nil, err
	}
	targets, err := oracle.Targets(ctx, objs...)
	if err != nil {
		return nil, err
	}
	stored := &whv1.WorkloadHealthList{}
	if err := k8sClient.List(ctx, stored, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	byName := map[string]*whv1.WorkloadHealth{}
	for i := range stored.Items {
		byName[stored.Items[i].Name] = &stored.Items[i]
	}

	var diff []string
	now := time.Now()
	for _, t := range targets {
		wh, ok := byName[t.Name()]
		if !ok {
			diff = append(diff, fmt.Sprintf("missing %s for %s %s", t.Name(), t.Ref.Kind, t.Ref.Name))
			continue
		}
		delete(byName, t.Name())
		if wh.Spec.TargetRef.Kind != t.Ref.Kind || wh.Spec.TargetRef.Name != t.Ref.Name {
			diff = append(diff, fmt.Sprintf("%s targets %s %s, want %s %s", wh.Name, wh.Spec.TargetRef.Kind, wh.Spec.TargetRef.Name, t.Ref.Kind, t.Ref.Name))
		}
		want := health.Assess(health.Input{
			Target: t.Ref, Workload: t.Workload, ReplicaSets: t.ReplicaSets, Jobs: t.Jobs,
			Pods: t.Pods, Events: t.Events, Now: now, Windows: testWindows,
		}).Status
		if got := comparable(wh.Status); !equality.Semantic.DeepEqual(got, comparable(want)) {
			diff = append(diff, fmt.Sprintf("%s: stored %s, engine %s; (-stored +engine):\n%s",
				wh.Name, summary(got), summary(comparable(want)), cmp.Diff(got, comparable(want))))
		}
	}
	for name := range byName {
		diff = append(diff, "orphan "+name)
	}
	sort.Strings(diff)
	return diff, nil
}

// comparable drops what depends on when a status was written rather than
// on the objects: health and condition transition times and generations.
func comparable(s whv1.WorkloadHealthStatus) whv1.WorkloadHealthStatus {
	s = *s.DeepCopy()
	s.ObservedGeneration = 0
	if s.Health != nil {
		s.Health.LastTransitionTime = nil
	}
	for i := range s.Conditions {
		s.Conditions[i].LastTransitionTime = metav1.Time{}
		s.Conditions[i].ObservedGeneration = 0
	}
	return s
}

func summary(s whv1.WorkloadHealthStatus) string {
	h := "<none>"
	if s.Health != nil {
		h = string(s.Health.Status)
	}
	var hints []string
	for _, hint := range s.Hints {
		hints = append(hints, string(hint.Code))
	}
	return fmt.Sprintf("{health %s reason %q ready %q restarts %d hints [%s]}", h, s.Reason, s.Ready, s.Restarts, strings.Join(hints, ","))
}
