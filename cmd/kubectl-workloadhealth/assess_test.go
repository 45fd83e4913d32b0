package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/yaml"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// decodeList decodes `assess -o json` strictly: a field the API types do
// not have fails the test.
func decodeList(t *testing.T, out string) *whv1.WorkloadHealthList {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	list := &whv1.WorkloadHealthList{}
	if err := dec.Decode(list); err != nil {
		t.Fatalf("decode assess -o json as a WorkloadHealthList: %v", err)
	}
	return list
}

func TestAssessJSONIsAListOfWorkloadHealth(t *testing.T) {
	out, _, err := run(t, nil, "assess", "-f", knativeDump, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	list := decodeList(t, out)
	if list.APIVersion != "v1" || list.Kind != "List" {
		t.Errorf("list is %s %s, want v1 List", list.APIVersion, list.Kind)
	}
	var names []string
	for _, wh := range list.Items {
		names = append(names, wh.Namespace+"/"+wh.Name)
		ref := wh.Spec.TargetRef
		if wh.APIVersion != "health.workloadhealth.io/v1alpha1" || wh.Kind != "WorkloadHealth" {
			t.Errorf("%s is %s %s", wh.Name, wh.APIVersion, wh.Kind)
		}
		if wh.Name != naming.ForRef(ref) {
			t.Errorf("%s is not named after its target %s/%s", wh.Name, ref.Kind, ref.Name)
		}
		for k, v := range naming.Labels(workload.GroupKindOf(ref.APIVersion, ref.Kind), ref.Name) {
			if wh.Labels[k] != v {
				t.Errorf("%s: label %s = %q, want %q", wh.Name, k, wh.Labels[k], v)
			}
		}
		if wh.Annotations[whv1.AnnotationArgoIgnoreUpdates] != "true" {
			t.Errorf("%s lacks the annotation %s", wh.Name, whv1.AnnotationArgoIgnoreUpdates)
		}
		if len(wh.OwnerReferences) != 1 || wh.OwnerReferences[0].UID != ref.UID || *wh.OwnerReferences[0].Controller {
			t.Errorf("%s: ownerReferences = %+v, want one non-controller reference to the target", wh.Name, wh.OwnerReferences)
		}
		if wh.Status.Health == nil || len(wh.Status.Conditions) == 0 {
			t.Errorf("%s has no health or conditions", wh.Name)
		}
	}
	want := []string{"default/pod-debug-shell", "knative-serving/deployment-activator", "knative-serving/deployment-autoscaler", "reports/cronjob-nightly-report"}
	if !slices.Equal(names, want) {
		t.Errorf("items = %v, want %v (ordered by namespace and name)", names, want)
	}
	story := list.Items[1].Status
	if story.Health.Status != whv1.HealthDegraded || story.Reason != "CrashLoopBackOff" || story.Ready != "0/1" ||
		story.Restarts != 161 || story.PhaseMismatches != 1 || story.LastEvent == nil || story.LastEvent.Reason != "Unhealthy" {
		t.Errorf("the activator's status is not the story's: %+v", story)
	}
	if len(story.Hints) == 0 || story.Hints[0].Code != whv1.HintDNSFailure {
		t.Errorf("the activator's first hint is not DNSFailure: %+v", story.Hints)
	}
}

func TestAssessYAMLMatchesJSON(t *testing.T) {
	js, _, err := run(t, nil, "assess", "-f", knativeDump, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	ys, _, err := run(t, nil, "assess", "-f", knativeDump, "-o", "yaml")
	if err != nil {
		t.Fatal(err)
	}
	fromYAML := &whv1.WorkloadHealthList{}
	if err := yaml.UnmarshalStrict([]byte(ys), fromYAML); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(fromYAML)
	want, _ := json.Marshal(decodeList(t, js))
	if !bytes.Equal(got, want) {
		t.Errorf("-o yaml and -o json differ:\n%s\n%s", got, want)
	}
}

// TestAssessInputShapes feeds the objects of the Knative dump in every
// shape the input may take and expects the same assessment.
func TestAssessInputShapes(t *testing.T) {
	var dump struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(mustRead(t, knativeDump), &dump); err != nil {
		t.Fatal(err)
	}
	want, _, err := run(t, nil, "assess", "-f", knativeDump, "-o", "wide")
	if err != nil {
		t.Fatal(err)
	}
	var concatenated, array bytes.Buffer
	array.WriteString("[")
	for i, it := range dump.Items {
		concatenated.Write(it)
		if i > 0 {
			array.WriteString(",")
		}
		array.Write(it)
	}
	array.WriteString("]")
	var stream bytes.Buffer
	for _, it := range dump.Items {
		y, err := yaml.ToJSON(it) // JSON is YAML: one document each
		if err != nil {
			t.Fatal(err)
		}
		stream.WriteString("---\n")
		stream.Write(y)
		stream.WriteString("\n")
	}
	for name, input := range map[string][]byte{
		"concatenated JSON objects": concatenated.Bytes(),
		"a JSON array":              array.Bytes(),
		"a YAML stream":             stream.Bytes(),
	} {
		t.Run(name, func(t *testing.T) {
			got, errOut, err := run(t, bytes.NewReader(input), "assess", "-f", "-", "-o", "wide")
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			if !strings.Contains(errOut, "(Pod default/legacy-worker)") {
				t.Errorf("stderr does not name the malformed pod: %q", errOut)
			}
		})
	}
}

func TestAssessMaxPods(t *testing.T) {
	out, _, err := run(t, nil, "assess", "-f", rolloutDump, "-o", "json", "--max-pods-per-workload", "1")
	if err != nil {
		t.Fatal(err)
	}
	st := decodeList(t, out).Items[0].Status
	if len(st.Pods) != 1 || st.Pods[0].Status != "ImagePullBackOff" {
		t.Errorf("pods = %+v, want only the worst one", st.Pods)
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no cluster", []string{"assess", "--kubeconfig", "testdata/nope.kubeconfig"}, "testdata/nope.kubeconfig: no such file or directory"},
		{"a missing file", []string{"pods", "-f", "testdata/nope.json"}, `the path "testdata/nope.json" does not exist`},
		{"a directory without dumps", []string{"pods", "-f", "testdata/golden/malformed"}, "testdata/golden/malformed: no .json, .yaml, .yml file in this directory"},
		{"-R without a directory", []string{"pods", "-f", knativeDump, "-R"}, "-R reads directories: give one with -f"},
		{"standard input twice", []string{"assess", "-f", "-", "-f", "-"}, "-f - is given twice"},
		{"an unknown output", []string{"assess", "-f", knativeDump, "-o", "table"}, `unknown output format "table": use one of wide, json, yaml, kyaml, name, go-template`},
		{"wide is not an output of describe", []string{"describe", "x", "-o", "wide"}, `unknown output format "wide"`},
		{"jsonpath without a template", []string{"pods", "-f", knativeDump, "-o", "jsonpath"}, "template format specified but no template given"},
		{"a bad selector", []string{"pods", "-f", knativeDump, "-l", "a b"}, `-l "a b"`},
		{"a name across all namespaces", []string{"describe", "-A", "deployment-web"}, "a resource cannot be retrieved by name across all namespaces"},
		{"a bad time", []string{"assess", "-f", knativeDump, "--now", "yesterday"}, "--now must be an RFC 3339 time"},
		{"too many pods", []string{"assess", "-f", knativeDump, "--max-pods-per-workload", "101"}, "--max-pods-per-workload must be between 1 and 100, not 101"},
		{"a window that is not positive", []string{"pods", "-f", knativeDump, "--flap-window", "0s"}, "--flap-window must be positive, not 0s"},
		{"an unknown flag", []string{"assess", "--bogus", "x"}, "unknown flag: --bogus\nSee 'kubectl workloadhealth assess --help' for usage"},
		{"a file without -f", []string{"pods", knativeDump}, `unexpected argument "testdata/knative.json": did you mean -f testdata/knative.json?`},
		{"a dump's name without -f", []string{"assess", "dump.json"}, `unexpected argument "dump.json": did you mean -f dump.json?`},
		{"standard input without -f", []string{"assess", "-"}, `unexpected argument "-": did you mean -f -?`},
		{"a word", []string{"pods", "web"}, `unexpected argument "web": kubectl workloadhealth pods takes no arguments (select with -n, -A, -l, or read a dump with -f FILE)`},
		{"a version with arguments", []string{"version", "x"}, `unexpected argument "x": kubectl workloadhealth version takes no arguments` + "\n"},
		{"a version's unknown output", []string{"version", "-o", "wide"}, `unknown output format "wide": use one of json, yaml`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runExit(t, nil, tt.args...)
			if !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr = %q, want an error containing %q", errOut, tt.want)
			}
			if code != exitError || out != "" {
				t.Errorf("exit code %d and stdout %q, want %d and nothing", code, out, exitError)
			}
		})
	}
}

func TestHelpDocumentsFlagsAndExamples(t *testing.T) {
	for cmd, want := range map[string][]string{
		"assess": {"-f, --filename FILE", "-R, --recursive", "-l, --selector", "--no-headers", "-A, --all-namespaces", "-n, --namespace", "--kubeconfig",
			"--fail-on-degraded", "exits with code 2", "Exit status: 0", "--now TIME", "--flap-window", "--not-ready-after", "--unschedulable-after",
			"--max-pods-per-workload", "-o, --output", "jsonpath", "go-template", "Examples:", "kubectl workloadhealth assess -f dump.json", "kubectl workloadhealth assess -A -o wide"},
		"pods": {"--filename", "--selector", "--no-headers", "--all-namespaces", "--fail-on-degraded", "exits with code 2", "Exit status: 0", "--now", "--output", "targetKind",
			"Examples:", "kubectl workloadhealth pods -A -o wide"},
		"describe":   {"--kubeconfig", "--context", "--namespace", "KIND/NAME", "Examples:", "deployment/activator", "--output"},
		"version":    {"--output"},
		"completion": {"bash", "zsh", "fish", "powershell"},
	} {
		out, _, err := run(t, nil, cmd, "--help")
		if cmd == "completion" {
			out, _, err = run(t, nil, "--help")
			want = []string{"completion", "version"}
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s --help does not mention %q", cmd, w)
			}
		}
	}
}
