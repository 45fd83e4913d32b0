package inventory

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzRead checks that no input makes reading or grouping a dump panic:
// input that is not a dump is an *InputError with nothing read, an object
// that does not decode is a warning. `go test` runs the seeds;
// `go test -fuzz FuzzRead ./internal/inventory` searches further.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		list(podJSON, eventJSON, deployJSON),
		list(brokenPodJSON, serviceJSON, rolloutJSON),
		podJSON + deployJSON,
		"[" + podJSON + "]",
		"apiVersion: v1\nkind: PodList\nitems:\n- kind: Pod\n  apiVersion: v1\n  metadata: {name: a}\n---\n",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"p","controller":true}]}}`,
		`{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","controller":true}]}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		inv, warnings, err := Read(strings.NewReader(input))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Where == "" {
				t.Fatalf("Read returned an error that does not locate the document: %v", err)
			}
			if inv != nil || warnings != nil {
				t.Fatalf("Read returned objects or warnings with its error %v", err)
			}
			return
		}
		for _, w := range warnings {
			_ = w.String()
		}
		if _, err := inv.Targets(context.Background()); err != nil {
			t.Fatalf("Targets: %v", err)
		}
	})
}
