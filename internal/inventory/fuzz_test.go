package inventory

import (
	"context"
	"strings"
	"testing"
)

// FuzzRead checks that no input makes reading or grouping a dump panic:
// whatever cannot be decoded is a warning. `go test` runs the seeds;
// `go test -fuzz FuzzRead ./internal/inventory` searches further.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		list(podJSON, eventJSON, deployJSON),
		list(brokenPodJSON, serviceJSON, rolloutJSON),
		podJSON + deployJSON,
		"[" + podJSON + "]",
		"kind: PodList\nitems:\n- kind: Pod\n  apiVersion: v1\n  metadata: {name: a}\n---\n",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"p","controller":true}]}}`,
		`{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","controller":true}]}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		inv, warnings, err := Read(strings.NewReader(input))
		if err != nil {
			t.Fatalf("Read returned an error for in-memory input: %v", err)
		}
		for _, w := range warnings {
			_ = w.String()
		}
		if _, err := inv.Targets(context.Background()); err != nil {
			t.Fatalf("Targets: %v", err)
		}
	})
}
