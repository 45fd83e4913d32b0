package main

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestPodsJSONKeys(t *testing.T) {
	out, _, err := run(t, nil, "pods", "-f", knativeDump, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var pods []map[string]any
	if err := json.Unmarshal([]byte(out), &pods); err != nil {
		t.Fatalf("pods -o json is not a JSON array of objects: %v", err)
	}
	want := []string{"health", "name", "namespace", "phase", "ready", "restarts", "status", "targetKind", "targetName"}
	for _, p := range pods {
		var keys []string
		for k := range p {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("keys of %v = %v, want exactly %v", p["name"], keys, want)
		}
		if _, ok := p["restarts"].(float64); !ok {
			t.Errorf("restarts of %v is %T, want a number", p["name"], p["restarts"])
		}
	}
	if len(pods) != 4 {
		t.Fatalf("%d pods, want the 4 well-formed pods of the dump", len(pods))
	}
	story := pods[1]
	if story["name"] != "activator-67656dcbbb-hq62r" || story["phase"] != "Running" || story["status"] != "CrashLoopBackOff" ||
		story["ready"] != "0/1" || story["restarts"] != 161.0 || story["health"] != "Degraded" ||
		story["targetKind"] != "Deployment" || story["targetName"] != "activator" {
		t.Errorf("the activator's pod is %v", story)
	}
}

func TestPodsEmptyDump(t *testing.T) {
	out, errOut, err := run(t, nil, "pods", "-f", "-", "-o", "json")
	if err != nil || out != "[]\n" || errOut != "" {
		t.Errorf("pods -o json of nothing = %q, %q, %v; want an empty array", out, errOut, err)
	}
	out, errOut, err = run(t, nil, "pods", "-f", "-")
	if err != nil || out != "" || errOut != "No resources found\n" {
		t.Errorf("pods of nothing = %q, %q, %v; want kubectl's message on stderr", out, errOut, err)
	}
}
