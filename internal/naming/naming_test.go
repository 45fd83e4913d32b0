package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

func hash10(id, name string) string {
	sum := sha256.Sum256([]byte(id + "/" + name))
	return hex.EncodeToString(sum[:])[:10]
}

var (
	deployment = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	pod        = schema.GroupKind{Kind: "Pod"}
	job        = schema.GroupKind{Group: "batch", Kind: "Job"}
	rollout    = schema.GroupKind{Group: "argoproj.io", Kind: "Rollout"}
)

func TestName(t *testing.T) {
	long := strings.Repeat("a", 250)
	dotted := strings.Repeat("b", 230) + "." + strings.Repeat("c", 30)
	tests := []struct {
		name       string
		gk         schema.GroupKind
		tgt        string
		want       string
		wantLength int
	}{
		{name: "deployment", gk: deployment, tgt: "activator", want: "deployment-activator"},
		{name: "bare pod", gk: pod, tgt: "debug-shell", want: "pod-debug-shell"},
		{name: "custom kind gains its group", gk: schema.GroupKind{Group: "serving.knative.dev", Kind: "Revision"}, tgt: "hello-00001",
			want: "revision.serving.knative.dev-hello-00001"},
		{name: "a built-in kind's name in another group", gk: schema.GroupKind{Group: "example.com", Kind: "Deployment"}, tgt: "web",
			want: "deployment.example.com-web"},
		{name: "custom kind without a group", gk: schema.GroupKind{Kind: "Widget"}, tgt: "w", want: "widget-w"},
		{name: "exactly 253", gk: pod, tgt: strings.Repeat("x", 249), want: "pod-" + strings.Repeat("x", 249)},
		{
			name: "over 253 is cut and hashed as before groups counted", gk: deployment, tgt: long,
			want: ("deployment-" + long)[:242] + "-" + hash10("Deployment", long), wantLength: 253,
		},
		{
			name: "a long custom name is hashed with its group", gk: rollout, tgt: long,
			want: ("rollout.argoproj.io-" + long)[:242] + "-" + hash10("Rollout.argoproj.io", long),
		},
		{
			// The cut falls right after a dot: the dot goes, so the name
			// stays a valid DNS subdomain.
			name: "cut after a dot", gk: deployment, tgt: dotted,
			want: "deployment-" + strings.Repeat("b", 230) + "-" + hash10("Deployment", dotted),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Name(tt.gk, tt.tgt)
			if got != tt.want {
				t.Fatalf("Name(%s, %q) = %q, want %q", tt.gk, tt.tgt, got, tt.want)
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
	if Name(job, a) == Name(job, b) {
		t.Fatalf("two long names map to the same WorkloadHealth %q", Name(job, a))
	}
	other := schema.GroupKind{Group: "example.com", Kind: "Rollout"}
	if Name(rollout, a) == Name(other, a) {
		t.Fatalf("two groups' Rollouts map to the same WorkloadHealth %q", Name(rollout, a))
	}
}

func TestForRef(t *testing.T) {
	ref := whv1.TargetReference{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "checkout"}
	if got := ForRef(ref); got != "rollout.argoproj.io-checkout" {
		t.Errorf("ForRef = %q", got)
	}
	ref = whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	if got := ForRef(ref); got != "deployment-web" {
		t.Errorf("ForRef = %q", got)
	}
}

func TestLabels(t *testing.T) {
	long := strings.Repeat("n", 100)
	tests := []struct {
		name      string
		gk        schema.GroupKind
		tgt       string
		wantName  string
		wantGroup string
	}{
		{name: "short", gk: schema.GroupKind{Group: "apps", Kind: "StatefulSet"}, tgt: "db", wantName: "db", wantGroup: "apps"},
		{name: "core group", gk: pod, tgt: "p", wantName: "p", wantGroup: ""},
		{name: "custom group", gk: rollout, tgt: "r", wantName: "r", wantGroup: "argoproj.io"},
		{name: "63 fits", gk: job, tgt: strings.Repeat("j", 63), wantName: strings.Repeat("j", 63), wantGroup: "batch"},
		{name: "over 63 is hashed", gk: job, tgt: long, wantName: long[:52] + "-" + hash10("Job", long), wantGroup: "batch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Labels(tt.gk, tt.tgt)
			if got[whv1.LabelTargetKind] != strings.ToLower(tt.gk.Kind) {
				t.Errorf("kind label = %q, want %q", got[whv1.LabelTargetKind], strings.ToLower(tt.gk.Kind))
			}
			if got[whv1.LabelTargetGroup] != tt.wantGroup {
				t.Errorf("group label = %q, want %q", got[whv1.LabelTargetGroup], tt.wantGroup)
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
