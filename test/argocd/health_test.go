// Package argocd_test runs config/argocd/health.lua the way Argo CD runs a
// resource health check: in gopher-lua, the interpreter Argo CD embeds, with
// only the libraries Argo CD opens, over WorkloadHealth objects whose status
// the health engine computed.
package argocd_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/test/fixtures"
)

// healthKey is the argocd-cm key Argo CD reads the script of a group/kind
// from: resource.customizations.health.<group>_<kind>.
const healthKey = "resource.customizations.health.health.workloadhealth.io_WorkloadHealth"

// argoStatuses are the health codes Argo CD accepts from a script; any
// other word becomes Unknown with invalidHealthStatus.
var argoStatuses = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

const invalidHealthStatus = "Lua returned an invalid health status"

// argoHealth is what Argo CD keeps of a script's result.
type argoHealth struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// runHealthLua mirrors Argo CD's health check VM (util/lua): no standard
// libraries but package, base and table (Argo CD adds a safe os library,
// which this script does not use), the object as the global `obj`, a one
// second deadline, and a table result with a known status.
func runHealthLua(t *testing.T, script string, obj *unstructured.Unstructured) argoHealth {
	t.Helper()
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), Protect: true}, lua.LString(lib.name)); err != nil {
			t.Fatalf("open %s: %v", lib.name, err)
		}
	}
	// A guard against a script that never ends, not a speed bound: the
	// check runs in microseconds, and a loaded machine must not fail it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj.Object))
	if err := l.DoString(script); err != nil {
		t.Fatalf("health.lua failed: %v", err)
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health.lua returned %s, want a table", l.Get(-1).Type())
	}
	h := argoHealth{Status: lua.LVAsString(ret.RawGetString("status")), Message: lua.LVAsString(ret.RawGetString("message"))}
	if !argoStatuses[h.Status] {
		return argoHealth{Status: "Unknown", Message: invalidHealthStatus}
	}
	return h
}

// toLua converts decoded JSON the way Argo CD's decodeValue does: numbers
// (int64 from the cluster cache, float64 from JSON) become Lua numbers.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(toLua(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for k, item := range v {
			tbl.RawSetH(lua.LString(k), toLua(l, item))
		}
		return tbl
	}
	return lua.LNil
}

// workloadHealth is the object the controller would write for target (nil:
// a new object with no status yet), read back as Argo CD's cluster cache
// holds it: JSON decoded into unstructured.
func workloadHealth(t *testing.T, target *fixtures.Target) *unstructured.Unstructured {
	t.Helper()
	wh := &whv1.WorkloadHealth{
		TypeMeta:   metav1.TypeMeta{APIVersion: whv1.GroupVersion.String(), Kind: "WorkloadHealth"},
		ObjectMeta: metav1.ObjectMeta{Name: "wh", Namespace: "default", Generation: 1},
	}
	if target != nil {
		wh.Spec.TargetRef = target.Input.Target
		wh.Status = target.Assessed()
		wh.Status.ObservedGeneration = 1
	}
	data, err := json.Marshal(wh)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestHealthLua(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "config", "argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		// target is assessed by the engine; nil leaves the status empty.
		target *fixtures.Target
		// change edits the object after the engine wrote its status.
		change func(t *testing.T, u *unstructured.Unstructured)
		want   argoHealth
	}{
		{name: "healthy", target: ptr.To(fixtures.Healthy()),
			want: argoHealth{Status: "Healthy", Message: "2/2 pods ready"}},
		{name: "progressing", target: ptr.To(fixtures.Progressing()),
			want: argoHealth{Status: "Progressing", Message: "1/1 pods ContainerCreating (phase Pending)"}},
		{name: "degraded names the root-cause hint", target: ptr.To(fixtures.Degraded()),
			want: argoHealth{Status: "Degraded", Message: "1/1 pods CrashLoopBackOff (phase Running); hint DNSFailure"}},
		{name: "suspended", target: ptr.To(fixtures.Suspended()),
			want: argoHealth{Status: "Suspended", Message: "scaled to 0 replicas"}},
		{name: "unknown", target: ptr.To(fixtures.Unknown()),
			want: argoHealth{Status: "Unknown", Message: "1/1 pods Unknown; hint NodeLost"}},
		{name: "no status yet",
			want: argoHealth{Status: "Progressing", Message: "Waiting for the workloadhealth controller to assess the target"}},
		{name: "status of an older generation", target: ptr.To(fixtures.Healthy()),
			change: func(t *testing.T, u *unstructured.Unstructured) { u.SetGeneration(2) },
			want:   argoHealth{Status: "Progressing", Message: "Waiting for the workloadhealth controller to observe generation 2"}},
		{name: "a health word from a newer controller", target: ptr.To(fixtures.Healthy()),
			change: func(t *testing.T, u *unstructured.Unstructured) {
				if err := unstructured.SetNestedField(u.Object, "Sleeping", "status", "health", "status"); err != nil {
					t.Fatal(err)
				}
			},
			want: argoHealth{Status: "Unknown", Message: "Unrecognised health Sleeping: 2/2 pods ready"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := workloadHealth(t, tc.target)
			if tc.change != nil {
				tc.change(t, obj)
			}
			if got := runHealthLua(t, string(script), obj); got != tc.want {
				t.Errorf("Argo CD health = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestArgoCDConfigMap checks that the argocd-cm snippet installs exactly
// config/argocd/health.lua under the key Argo CD looks up, and tells Argo CD
// to ignore status-only updates that leave the health unchanged.
func TestArgoCDConfigMap(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "config", "argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "argocd", "argocd-cm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		t.Fatalf("argocd-cm.yaml: %v", err)
	}
	if cm.Kind != "ConfigMap" || cm.Name != "argocd-cm" {
		t.Fatalf("argocd-cm.yaml holds %s %s, want ConfigMap argocd-cm", cm.Kind, cm.Name)
	}
	if got := cm.Data[healthKey]; got != string(script) {
		t.Errorf("argocd-cm.yaml key %s differs from config/argocd/health.lua; copy the script into it", healthKey)
	}
	var ignore struct {
		JSONPointers []string `json:"jsonPointers"`
	}
	if err := yaml.UnmarshalStrict([]byte(cm.Data["resource.customizations.ignoreResourceUpdates.health.workloadhealth.io_WorkloadHealth"]), &ignore); err != nil {
		t.Fatal(err)
	}
	if len(ignore.JSONPointers) != 1 || ignore.JSONPointers[0] != "/status" {
		t.Errorf("ignoreResourceUpdates jsonPointers = %v, want [/status]", ignore.JSONPointers)
	}
}
