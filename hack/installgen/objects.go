package main

import (
	"fmt"
	"strings"
)

// managerContainer is the container of config/manager's Deployment that
// runs the manager.
const managerContainer = "manager"

// chartContext is what config/default's kustomization decided, which the
// chart decides per release instead.
type chartContext struct {
	namespace  string          // config/default's namespace: the release's
	namePrefix string          // config/default's namePrefix: the fullname
	names      map[string]bool // every object name kustomize prefixed
}

// deploymentDefaults are the values config/manager gives the manager,
// which become the chart's default values.
type deploymentDefaults struct {
	Replicas  int64
	Resources any
}

// template turns one object of config/default into the chart's template:
// the file name, its text, and the manager's defaults when obj is the
// manager's Deployment. An empty name leaves the object out of the chart.
func (c chartContext) template(obj map[string]any) (string, string, *deploymentDefaults, error) {
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if kind == "Namespace" {
		// helm install --create-namespace makes the release's.
		return "", "", nil, nil
	}
	t := &templater{}
	file := strings.ToLower(kind) + "-" + strings.TrimPrefix(name, c.namePrefix) + ".yaml"

	// Values are replaced before the placeholders go in, so a placeholder
	// is never taken for a name.
	obj = c.releaseValues(t, obj).(map[string]any)
	meta = obj["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
		meta["labels"] = labels
	}
	// Helm's labels say who manages the object instead.
	delete(labels, "app.kubernetes.io/managed-by")
	labels[t.line(func(n int) string { return include("workloadhealth.labels", n) })] = ""

	var guard string
	var defaults *deploymentDefaults
	switch kind {
	case "CustomResourceDefinition":
		guard = ".Values.crds.install"
		annotations, _ := meta["annotations"].(map[string]any)
		if annotations == nil {
			annotations = map[string]any{}
			meta["annotations"] = annotations
		}
		// helm upgrade applies templates, never crds/: a template keeps
		// the CRD current; the policy keeps it, and every WorkloadHealth,
		// when the release is uninstalled.
		annotations[t.line(func(n int) string {
			return pad(n, "{{- if .Values.crds.keep }}") + "\n" + pad(n, "helm.sh/resource-policy: keep") + "\n" + pad(n, "{{- end }}")
		})] = ""
	case "Service":
		if strings.Contains(name, "metrics") {
			guard = ".Values.metrics.enabled"
		}
	case "ServiceMonitor":
		guard = "and .Values.metrics.enabled .Values.metrics.serviceMonitor.enabled"
		labels[t.line(func(n int) string { return withYAML(".Values.metrics.serviceMonitor.labels", n) })] = ""
	case "ConfigMap":
		if _, ok := obj["data"].(map[string]any)["workloadhealth.json"]; ok {
			guard = ".Values.grafana.dashboard.enabled"
			labels[t.line(func(n int) string { return withYAML(".Values.grafana.dashboard.labels", n) })] = ""
		}
	case "PrometheusRule":
		guard = "and .Values.metrics.enabled .Values.metrics.prometheusRule.enabled"
		labels[t.line(func(n int) string { return withYAML(".Values.metrics.prometheusRule.labels", n) })] = ""
	case "Deployment":
		var err error
		if defaults, err = c.deployment(t, obj); err != nil {
			return "", "", nil, err
		}
	}

	text, err := t.render(obj)
	if err != nil {
		return "", "", nil, err
	}
	if guard != "" {
		text = "{{- if " + guard + " }}\n" + text + "{{- end }}\n"
	}
	return file, text, defaults, nil
}

// releaseValues walks v and replaces config/default's namespace with the
// release's, and every name kustomize prefixed with the same name after
// the release's fullname; strings with template actions of their own are
// escaped.
func (c chartContext) releaseValues(t *templater, v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = c.releaseValues(t, e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = c.releaseValues(t, e)
		}
		return v
	case string:
		switch {
		case v == c.namespace:
			return t.scalar("{{ .Release.Namespace }}")
		case c.names[v]:
			return t.scalar(`{{ include "workloadhealth.fullname" . }}-` + strings.TrimPrefix(v, c.namePrefix))
		case strings.Contains(v, "{{"):
			return escapeActions(v)
		}
	}
	return v
}

// deployment makes the manager's image, flags, replicas, resources and
// scheduling come from values.
func (c chartContext) deployment(t *templater, obj map[string]any) (*deploymentDefaults, error) {
	spec, _ := obj["spec"].(map[string]any)
	podTemplate, _ := spec["template"].(map[string]any)
	podSpec, _ := podTemplate["spec"].(map[string]any)
	containers, _ := podSpec["containers"].([]any)
	var container map[string]any
	for _, ct := range containers {
		if ct, ok := ct.(map[string]any); ok && ct["name"] == managerContainer {
			container = ct
		}
	}
	if container == nil {
		return nil, fmt.Errorf("no container named %q", managerContainer)
	}
	d := &deploymentDefaults{Replicas: 1, Resources: container["resources"]}
	if r, ok := spec["replicas"].(int64); ok {
		d.Replicas = r
	} else if r, ok := spec["replicas"].(float64); ok {
		d.Replicas = int64(r)
	}
	spec["replicas"] = t.scalar("{{ .Values.replicaCount }}")

	container["image"] = t.scalar(`{{ include "workloadhealth.image" . | quote }}`)
	container["imagePullPolicy"] = t.scalar("{{ .Values.image.pullPolicy }}")
	container["resources"] = t.block(func(n int) string {
		return "\n" + pad(n+2, "{{- toYaml .Values.resources | nindent "+fmt.Sprint(n+2)+" }}")
	})
	args, err := managerArgs(container["args"])
	if err != nil {
		return nil, err
	}
	container["args"] = t.block(func(n int) string { return "\n" + indentLines(args, n) })

	for _, field := range []string{"imagePullSecrets", "nodeSelector", "tolerations", "affinity"} {
		if _, set := podSpec[field]; set {
			return nil, fmt.Errorf("config/manager sets %s, which the chart takes from values", field)
		}
		podSpec[t.line(func(n int) string {
			return pad(n, "{{- with .Values."+field+" }}") + "\n" + pad(n, field+":") + "\n" +
				pad(n, "{{- toYaml . | nindent "+fmt.Sprint(n+2)+" }}") + "\n" + pad(n, "{{- end }}")
		})] = ""
	}
	return d, nil
}

// managerArgs are config/manager's flags with the ones values decide made
// conditional, then the flags only values give. A later flag wins, so
// extraArgs come last.
func managerArgs(v any) (string, error) {
	list, _ := v.([]any)
	var lines []string
	for _, a := range list {
		arg, ok := a.(string)
		if !ok {
			return "", fmt.Errorf("manager argument %v is not a string", a)
		}
		switch {
		case arg == "--leader-elect" || arg == "--leader-elect=true":
			// Naming the Lease's namespace makes the flags work outside a
			// pod too, where the manager cannot read its own namespace.
			lines = append(lines,
				"{{- if .Values.leaderElection.enabled }}",
				"- --leader-elect",
				"- --leader-election-namespace={{ .Release.Namespace }}",
				"{{- end }}")
		case strings.HasPrefix(arg, "--metrics-bind-address="):
			lines = append(lines, "- --metrics-bind-address={{ if .Values.metrics.enabled }}"+
				strings.TrimPrefix(arg, "--metrics-bind-address=")+"{{ else }}0{{ end }}")
		case strings.HasPrefix(arg, "--namespaces") || strings.HasPrefix(arg, "--exclude-namespaces") || strings.HasPrefix(arg, "--leader-election-namespace"):
			return "", fmt.Errorf("config/manager sets %s, which the chart takes from values", arg)
		case strings.Contains(arg, "{{"):
			return "", fmt.Errorf("manager argument %q holds a template action", arg)
		default:
			lines = append(lines, "- "+arg)
		}
	}
	lines = append(lines,
		"{{- with .Values.namespaces }}",
		`- --namespaces={{ join "," . }}`,
		"{{- end }}",
		"{{- with .Values.excludeNamespaces }}",
		`- --exclude-namespaces={{ join "," . }}`,
		"{{- end }}",
		"{{- range .Values.extraArgs }}",
		"- {{ . | quote }}",
		"{{- end }}")
	return strings.Join(lines, "\n"), nil
}

// include is a named template's output indented to n, on the next lines.
func include(name string, n int) string {
	return pad(n, fmt.Sprintf("{{- include %q . | nindent %d }}", name, n))
}

// withYAML is a map value's entries indented to n, when it has any.
func withYAML(value string, n int) string {
	return pad(n, fmt.Sprintf("{{- with %s }}{{ toYaml . | nindent %d }}{{ end }}", value, n))
}

func pad(n int, s string) string { return strings.Repeat(" ", n) + s }
