package inventory

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workloadhealth/workloadhealth/internal/owners"
)

// TestCustomOwnerFromDump: a dump that holds a custom workload (a kind
// that is not Kubernetes' own) gives its target the owner's own status, as
// the controller's informer does; one without it judges from the pods.
func TestCustomOwnerFromDump(t *testing.T) {
	const (
		rollout = `{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"checkout","namespace":"shop","uid":"r-1","generation":3},` +
			`"spec":{"replicas":1},"status":{"observedGeneration":3,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"timed out"}]}}`
		rs = `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"checkout-6b7f","namespace":"shop","uid":"rs-1",` +
			`"ownerReferences":[{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","name":"checkout","uid":"r-1","controller":true}]},"spec":{"replicas":1,"selector":{}}}`
		pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"checkout-6b7f-x","namespace":"shop",` +
			`"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"checkout-6b7f","uid":"rs-1","controller":true}]},"spec":{"containers":[{"name":"app","image":"app"}]}}`
		// stale has the owner's name but another UID: not the object the
		// ReplicaSet means.
		stale = `{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"checkout","namespace":"shop","uid":"r-0","generation":1},` +
			`"status":{"observedGeneration":1,"conditions":[{"type":"Stalled","status":"True"}]}}`
	)
	tests := []struct {
		name  string
		input string
		want  []metav1.Condition // nil: no owner status
	}{
		{name: "with the owner", input: list(rollout, rs, pod),
			want: []metav1.Condition{{Type: "Progressing", Status: "False", Reason: "ProgressDeadlineExceeded", Message: "timed out"}}},
		{name: "without it", input: list(rs, pod)},
		{name: "another object of that name", input: list(stale, rs, pod)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv, warnings, err := Read(strings.NewReader(tc.input))
			if err != nil || len(warnings) > 0 {
				t.Fatalf("read: %v %v", err, warnings)
			}
			targets, err := inv.Targets(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(targets) != 1 || targets[0].Ref.Kind != "Rollout" {
				t.Fatalf("targets %+v, want the Rollout", targets)
			}
			owner := targets[0].Owner
			switch {
			case tc.want == nil && owner != nil:
				t.Errorf("owner status %+v, want none", owner)
			case tc.want != nil && (owner == nil || len(owner.Conditions) != 1 || owner.Conditions[0] != tc.want[0] || owner.Generation != 3):
				t.Errorf("owner status %+v, want conditions %+v at generation 3", owner, tc.want)
			}
		})
	}
}

// TestTopLevelKinds: with Deployments named as top-level kinds (the
// manager's --workload-kinds), a Knative Revision's Deployment is the
// target, and gather groups its pods under it.
func TestTopLevelKinds(t *testing.T) {
	const (
		dep = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"hello-00001-deployment","namespace":"default","uid":"d-1",` +
			`"ownerReferences":[{"apiVersion":"serving.knative.dev/v1","kind":"Revision","name":"hello-00001","uid":"rev-1","controller":true}]},` +
			`"spec":{"replicas":1,"selector":{}},"status":{"observedGeneration":0,"replicas":1,"readyReplicas":1,"availableReplicas":1,"updatedReplicas":1}}`
		rs = `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"hello-00001-deployment-5d9c","namespace":"default","uid":"rs-1",` +
			`"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"hello-00001-deployment","uid":"d-1","controller":true}]},"spec":{"replicas":1,"selector":{}}}`
		pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"hello-00001-deployment-5d9c-x","namespace":"default",` +
			`"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"hello-00001-deployment-5d9c","uid":"rs-1","controller":true}]},"spec":{"containers":[{"name":"user-container","image":"hello"}]}}`
	)
	for _, tc := range []struct {
		kinds, want string
	}{
		{kinds: "", want: "Revision/hello-00001"},
		{kinds: "apps/Deployment", want: "Deployment/hello-00001-deployment"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			inv, _, err := Read(strings.NewReader(list(dep, rs, pod)))
			if err != nil {
				t.Fatal(err)
			}
			if inv.TopLevel, err = owners.ParseKinds(tc.kinds); err != nil {
				t.Fatal(err)
			}
			targets, err := inv.Targets(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(targets) != 1 || targets[0].Ref.Kind+"/"+targets[0].Ref.Name != tc.want || len(targets[0].Pods) != 1 {
				t.Fatalf("targets %+v, want %s with its pod", targets, tc.want)
			}
		})
	}
}
