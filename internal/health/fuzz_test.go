package health_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/randfill"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// fuzzKinds are the target kinds the fuzz input chooses from.
var fuzzKinds = []string{"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Revision"}

// fuzzInput turns fuzz bytes into an Input: podJSON and eventJSON are a
// pod and an event as the API serves them (anything that does not parse
// is left empty), fill drives randfill to make a second pod and event and
// the workload with arbitrary field values, kind picks the target kind
// and the pod bound, now is the time of the assessment.
func fuzzInput(podJSON, eventJSON, fill []byte, now int64, kind uint8) health.Input {
	var pod corev1.Pod
	_ = json.Unmarshal(podJSON, &pod)
	var ev corev1.Event
	_ = json.Unmarshal(eventJSON, &ev)

	f := randfill.NewFromGoFuzz(fill).NilChance(0.4).NumElements(0, 3).MaxDepth(6).Funcs(
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewQuantity(int64(c.Uint64()%(1<<40)), resource.BinarySI)
		},
	)
	var pod2 corev1.Pod
	var ev2 corev1.Event
	f.Fill(&pod2)
	f.Fill(&ev2)

	in := health.Input{
		Pods:    []*corev1.Pod{&pod, &pod2, nil},
		Events:  []*corev1.Event{&ev, &ev2, nil},
		Now:     time.Unix(now%(1<<34), 0).UTC(),
		MaxPods: int(kind>>4) - 1, // -1 .. 14: zero and negatives mean the default
	}
	k := fuzzKinds[int(kind&0x0f)%len(fuzzKinds)]
	var wl runtime.Object
	switch k {
	case "Pod":
		wl = &pod
	case "Deployment":
		var d appsv1.Deployment
		f.Fill(&d)
		var rs appsv1.ReplicaSet
		f.Fill(&rs)
		wl, in.ReplicaSets = &d, []*appsv1.ReplicaSet{&rs, nil}
	case "StatefulSet":
		var s appsv1.StatefulSet
		f.Fill(&s)
		wl = &s
	case "DaemonSet":
		var d appsv1.DaemonSet
		f.Fill(&d)
		wl = &d
	case "ReplicaSet":
		var rs appsv1.ReplicaSet
		f.Fill(&rs)
		wl = &rs
	case "ReplicationController":
		var rc corev1.ReplicationController
		f.Fill(&rc)
		wl = &rc
	case "Job":
		var j batchv1.Job
		f.Fill(&j)
		wl = &j
	case "CronJob":
		var cj batchv1.CronJob
		f.Fill(&cj)
		var j1, j2 batchv1.Job
		f.Fill(&j1)
		f.Fill(&j2)
		wl, in.Jobs = &cj, []*batchv1.Job{&j1, &j2, nil}
	}
	in.Workload = wl
	in.Target = whv1.TargetReference{APIVersion: apiVersionOf(k), Kind: k, Name: "target"}
	if in.Now.Unix()%3 == 0 {
		in.Windows = health.DefaultWindows()
	}
	return in
}

// FuzzAssess feeds arbitrary pods, events and workloads to Assess: it
// must never panic, its status must stay inside the CRD's bounds, and the
// same input must give the same status.
func FuzzAssess(f *testing.F) {
	f.Fuzz(func(t *testing.T, podJSON, eventJSON, fill []byte, now int64, kind uint8) {
		in := fuzzInput(podJSON, eventJSON, fill, now, kind)
		res := health.Assess(in)
		maxPods := in.MaxPods
		if maxPods <= 0 {
			maxPods = health.DefaultMaxPods
		}
		if errs := boundsErrors(res.Status, maxPods); len(errs) > 0 {
			t.Fatalf("status out of bounds: %v", errs)
		}
		if res.RequeueAfter < 0 {
			t.Fatalf("negative RequeueAfter %v", res.RequeueAfter)
		}
		if again := health.Assess(in); !reflect.DeepEqual(again.Status, res.Status) {
			t.Fatalf("the same input gave another status")
		}
		for _, p := range in.Pods {
			if p != nil {
				_ = health.PrintPod(p)
			}
		}
	})
}

// TestWriteFuzzCorpus regenerates the committed seed corpus of FuzzAssess
// from the fixed kubectl cases and the activator story:
//
//	WRITE_FUZZ_CORPUS=1 go test ./internal/health/ -run TestWriteFuzzCorpus
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("WRITE_FUZZ_CORPUS") == "" {
		t.Skip("set WRITE_FUZZ_CORPUS=1 to regenerate testdata/fuzz/FuzzAssess")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzAssess")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	story := activatorStory()
	storyEvent, _ := json.Marshal(story.Events[1])
	write := func(name string, pod, ev, fill []byte, now int64, kind uint8) {
		body := "go test fuzz v1\n" +
			"[]byte(" + strconv.Quote(string(pod)) + ")\n" +
			"[]byte(" + strconv.Quote(string(ev)) + ")\n" +
			"[]byte(" + strconv.Quote(string(fill)) + ")\n" +
			"int64(" + strconv.FormatInt(now, 10) + ")\n" +
			"byte(" + strconv.QuoteRune(rune(kind)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range PodStatusCases() {
		pod, _ := json.Marshal(c.Pod)
		fill := []byte(fmt.Sprintf("seed-%d-%s", i, c.Name))
		write("case-"+c.Name, pod, storyEvent, fill, T0.Unix(), uint8(i%len(fuzzKinds))|uint8(i%16)<<4)
	}
	pod, _ := json.Marshal(story.Pods[0])
	write("story-activator", pod, storyEvent, []byte("activator"), T0.Unix(), 1)
	long, _ := json.Marshal(Pod("long", CrashLoopingWith(3, string(make([]byte, 3000))+"\xff\xfe")))
	write("long-invalid-message", long, []byte(`{"type":"Warning","reason":"\xff","message":"\xc3"}`), []byte{0xff, 0, 1, 2}, 0, 0x28)
	write("empty", nil, nil, nil, 0, 0)
}
