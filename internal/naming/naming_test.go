package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

func hash10(kind, name string) string {
	sum := sha256.Sum256([]byte(kind + "/" + name))
	return hex.EncodeToString(sum[:])[:10]
}

func TestName(t *testing.T) {
	long := strings.Repeat("a", 250)
	dotted := strings.Repeat("b", 230) + "." + strings.Repeat("c", 30)
	tests := []struct {
		name       string
		kind, tgt  string
		want       string
		wantLength int
	}{
		{name: "deployment", kind: "Deployment", tgt: "activator", want: "deployment-activator"},
		{name: "bare pod", kind: "Pod", tgt: "debug-shell", want: "pod-debug-shell"},
		{name: "custom kind", kind: "Revision", tgt: "hello-00001", want: "revision-hello-00001"},
		{name: "exactly 253", kind: "Pod", tgt: strings.Repeat("x", 249), want: "pod-" + strings.Repeat("x", 249)},
		{
			name: "over 253 is cut and hashed", kind: "Deployment", tgt: long,
			want: ("deployment-" + long)[:242] + "-" + hash10("Deployment", long), wantLength: 253,
		},
		{
			// The cut falls right after a dot: the dot goes, so the name
			// stays a valid DNS subdomain.
			name: "cut after a dot", kind: "Deployment", tgt: dotted,
			want: "deployment-" + strings.Repeat("b", 230) + "-" + hash10("Deployment", dotted),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Name(tt.kind, tt.tgt)
			if got != tt.want {
				t.Fatalf("Name(%q, %q) = %q, want %q", tt.kind, tt.tgt, got, tt.want)
			}
			if tt.wantLength != 0 && len(got) != tt.wantLength {
				t.Errorf("len = %d, want %d", len(got), tt.wantLength)
			}
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Errorf("%q is not a valid object name: %v", got, errs)
			}
		})
	}
}

func TestNameKeepsLongNamesApart(t *testing.T) {
	a := strings.Repeat("a", 260) + "1"
	b := strings.Repeat("a", 260) + "2"
	if Name("Job", a) == Name("Job", b) {
		t.Fatalf("two long names map to the same WorkloadHealth %q", Name("Job", a))
	}
}

func TestLabels(t *testing.T) {
	long := strings.Repeat("n", 100)
	tests := []struct {
		name     string
		kind     string
		tgt      string
		wantName string
	}{
		{name: "short", kind: "StatefulSet", tgt: "db", wantName: "db"},
		{name: "63 fits", kind: "Job", tgt: strings.Repeat("j", 63), wantName: strings.Repeat("j", 63)},
		{name: "over 63 is hashed", kind: "Job", tgt: long, wantName: long[:52] + "-" + hash10("Job", long)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Labels(tt.kind, tt.tgt)
			if got[whv1.LabelTargetKind] != strings.ToLower(tt.kind) {
				t.Errorf("kind label = %q, want %q", got[whv1.LabelTargetKind], strings.ToLower(tt.kind))
			}
			if got[whv1.LabelTargetName] != tt.wantName {
				t.Errorf("name label = %q, want %q", got[whv1.LabelTargetName], tt.wantName)
			}
			for k, v := range got {
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					t.Errorf("label %s=%q is invalid: %v", k, v, errs)
				}
			}
		})
	}
}
