package inventory

import (
	"errors"
	"strings"
	"testing"
)

const (
	podJSON    = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"shop"},"spec":{"containers":[{"name":"web","image":"nginx"}]}}`
	eventJSON  = `{"apiVersion":"v1","kind":"Event","metadata":{"name":"web-1.17f","namespace":"shop"},"type":"Warning","reason":"BackOff","involvedObject":{"kind":"Pod","name":"web-1","namespace":"shop"}}`
	deployJSON = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{}}}`
	// brokenPodJSON has a spec.containers that is not a list.
	brokenPodJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"broken","namespace":"shop"},"spec":{"containers":"nginx"}}`
	serviceJSON   = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop"}}`
	rolloutJSON   = `{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"web","namespace":"shop"}}`
)

func list(items ...string) string {
	return `{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[` + strings.Join(items, ",") + `]}`
}

func TestRead(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		pods     []string
		events   int
		objects  int
		warnings []string
		// err is what the *InputError says, when the input is not a dump.
		err string
	}{
		{
			name:    "a v1 List of mixed kinds",
			input:   list(podJSON, eventJSON, deployJSON),
			pods:    []string{"shop/web-1"},
			events:  1,
			objects: 3,
		},
		{
			name:    "a single object",
			input:   podJSON,
			pods:    []string{"shop/web-1"},
			objects: 1,
		},
		{
			name:    "concatenated JSON objects",
			input:   podJSON + "\n" + deployJSON + eventJSON,
			pods:    []string{"shop/web-1"},
			events:  1,
			objects: 3,
		},
		{
			name:    "a JSON array",
			input:   "[" + podJSON + "," + deployJSON + "]",
			pods:    []string{"shop/web-1"},
			objects: 2,
		},
		{
			name: "a YAML stream with an empty document and a List",
			input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-2\n  namespace: shop\n---\n---\n" +
				"apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web-3\n",
			pods:    []string{"default/web-3", "shop/web-2"},
			objects: 2,
		},
		{
			name:    "kinds the engine does not read are ignored without a warning",
			input:   list(serviceJSON, rolloutJSON, podJSON),
			pods:    []string{"shop/web-1"},
			objects: 1,
		},
		{
			name:     "a malformed item is skipped with a warning naming it; the rest is read",
			input:    list(podJSON, brokenPodJSON, deployJSON),
			pods:     []string{"shop/web-1"},
			objects:  2,
			warnings: []string{"skipping items[1] (Pod shop/broken): ", "spec.containers"},
		},
		{
			name:     "metadata of the wrong type still names the kind",
			input:    list(`{"apiVersion":"v1","kind":"Pod","metadata":"web"}`),
			warnings: []string{"skipping items[0] (Pod without a name): "},
		},
		{
			name:     "a single object that does not decode is document 1",
			input:    brokenPodJSON,
			warnings: []string{"skipping document 1 (Pod shop/broken): ", "spec.containers"},
		},
		{
			name:     "a malformed item of the second document",
			input:    deployJSON + list(brokenPodJSON),
			objects:  1,
			warnings: []string{"skipping document 2, items[0] (Pod shop/broken): "},
		},
		{
			name: "events.k8s.io events are read as core events",
			input: `{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e1","namespace":"shop"},` +
				`"type":"Warning","reason":"Unhealthy","note":"Readiness probe failed","regarding":{"kind":"Pod","name":"web-1"},` +
				`"eventTime":"2026-11-25T05:59:00.000000Z","series":{"count":3,"lastObservedTime":"2026-11-25T05:59:30.000000Z"}}`,
			events:  1,
			objects: 1,
		},
		{
			name: "empty input",
		},
		{
			name:  "a List item without a kind",
			input: list(podJSON, `{"apiVersion":"v1","metadata":{"name":"mystery"}}`),
			err:   "items[1] (unknown kind mystery): kind is missing",
		},
		{
			name:  "a List item without an apiVersion",
			input: deployJSON + list(`{"kind":"Pod","metadata":{"name":"p","namespace":"shop"}}`),
			err:   "document 2, items[0] (Pod shop/p): apiVersion is missing",
		},
		{
			name:  "a document without a kind",
			input: `{"items":[` + podJSON + `]}`,
			err:   "document 1: kind is missing",
		},
		{
			name:  "a List item that is not an object",
			input: list(`42`, podJSON),
			err:   "items[0]: not an object but a number",
		},
		{
			name:  "text that is not YAML either",
			input: "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nthis is not a dump\n",
			err:   "document 2: not an object but a string",
		},
		{
			name:  "a YAML syntax error",
			input: "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: [\n",
			err:   "document 2: error converting YAML to JSON: yaml: line 2: ",
		},
		{
			name:  "a JSON syntax error after a document",
			input: podJSON + `, ` + deployJSON,
			err:   "document 2: json: offset ",
		},
		{
			name:  "a JSON List cut short",
			input: list(podJSON, deployJSON)[:150],
			err:   "document 1: the input ends inside it: is the file truncated?",
		},
		{
			name:  "a second JSON document cut short",
			input: podJSON + deployJSON[:40],
			err:   "document 2: the input ends inside it: is the file truncated?",
		},
		{
			// kubectl -o yaml writes a List's kind after its items.
			name:  "a YAML List cut short loses its kind",
			input: "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web-2\n",
			err:   "document 1: kind is missing: a List cut short before its kind? (is the file truncated?)",
		},
		{
			name:  "a List whose items are not a list",
			input: `{"apiVersion":"v1","kind":"List","items":{"a":1}}`,
			err:   "document 1 (List without a name): items is not a list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, warnings, err := Read(strings.NewReader(tt.input))
			if tt.err != "" {
				var ie *InputError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want an *InputError containing %q", err, tt.err)
				}
				if inv != nil || warnings != nil {
					t.Errorf("Read returned %v objects and warnings %v with its error, want nothing", inv, warnings)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			var pods []string
			for _, p := range inv.Pods() {
				pods = append(pods, p.Namespace+"/"+p.Name)
			}
			if strings.Join(pods, ",") != strings.Join(tt.pods, ",") {
				t.Errorf("pods = %v, want %v", pods, tt.pods)
			}
			if got := len(inv.AllEvents()); got != tt.events {
				t.Errorf("%d events, want %d", got, tt.events)
			}
			if inv.Len() != tt.objects {
				t.Errorf("%d objects, want %d", inv.Len(), tt.objects)
			}
			if len(tt.warnings) == 0 {
				if len(warnings) != 0 {
					t.Errorf("unexpected warnings: %v", warnings)
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("warnings = %v, want one", warnings)
			}
			for _, want := range tt.warnings {
				if !strings.Contains(warnings[0].String(), want) {
					t.Errorf("warning %q does not contain %q", warnings[0].String(), want)
				}
			}
		})
	}
}

func TestReadEventsV1(t *testing.T) {
	in := `{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e1","namespace":"shop"},` +
		`"type":"Warning","reason":"Unhealthy","note":"Readiness probe failed","regarding":{"kind":"Pod","name":"web-1"},` +
		`"eventTime":"2026-11-25T05:59:00.000000Z","series":{"count":3,"lastObservedTime":"2026-11-25T05:59:30.000000Z"}}`
	inv, _, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	e := inv.AllEvents()[0]
	if e.Message != "Readiness probe failed" || e.InvolvedObject.Name != "web-1" || e.Series == nil || e.Series.Count != 3 {
		t.Errorf("event read as %+v", e)
	}
}
