package metrics

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Metric names; they are API: the PrometheusRule in config/prometheus and
// users' dashboards match on them.
const (
	HealthMetric        = "workloadhealth_health"
	PodsMetric          = "workloadhealth_pods"
	PhaseMismatchMetric = "workloadhealth_phase_mismatch_pods"
	RestartsMetric      = "workloadhealth_restarts"
	HintsMetric         = "workloadhealth_hints"
	// RedactionsMetric counts the secrets removed from texts copied from
	// the cluster before they were stored.
	RedactionsMetric = "workloadhealth_redactions_total"
)

// Label names besides the target's.
const (
	LabelNamespace   = "namespace"
	LabelTargetGroup = "target_group"
	LabelTargetKind  = "target_kind"
	LabelTargetName  = "target_name"
	LabelHealth      = "health"
	LabelStatus      = "status"
	LabelCode        = "code"
	LabelSeverity    = "severity"
)

// targetLabels identify a target: two kinds of one name in different
// groups never share a series.
var targetLabels = []string{LabelNamespace, LabelTargetGroup, LabelTargetKind, LabelTargetName}

// Sample is one series: a metric name, the labels after the target's, and
// its value.
type Sample struct {
	// Metric is one of the *Metric names.
	Metric string
	// Labels are the values of the metric's labels after namespace,
	// target_group, target_kind and target_name, in the order of its
	// definition.
	Labels []string
	// Value is the gauge's value.
	Value float64
}

// Series are the samples that describe wh: none while it has no health, so
// that a target the controller has not assessed yet is absent rather than
// reported with made-up values.
func Series(wh *whv1.WorkloadHealth) []Sample {
	st := &wh.Status
	if st.Health == nil || st.Health.Status == "" {
		return nil
	}
	out := []Sample{
		{Metric: HealthMetric, Labels: []string{string(st.Health.Status)}, Value: 1},
		{Metric: PhaseMismatchMetric, Value: float64(st.PhaseMismatches)},
		{Metric: RestartsMetric, Value: float64(st.Restarts)},
	}
	statuses := make([]string, 0, len(st.PodCounts))
	for s := range st.PodCounts {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	for _, s := range statuses {
		out = append(out, Sample{Metric: PodsMetric, Labels: []string{s}, Value: float64(st.PodCounts[s])})
	}
	// The engine gives each code once; should it ever repeat one, the
	// series counts the hints rather than dropping one.
	hints := map[[2]string]float64{}
	for _, h := range st.Hints {
		hints[[2]string{string(h.Code), string(h.Severity)}]++
	}
	keys := make([][2]string, 0, len(hints))
	for k := range hints {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	for _, k := range keys {
		out = append(out, Sample{Metric: HintsMetric, Labels: []string{k[0], k[1]}, Value: hints[k]})
	}
	return out
}

// exported is what the Recorder exported for one WorkloadHealth: its
// target's labels and, per metric, the label values of each series.
type exported struct {
	target prometheus.Labels
	series map[string]map[string][]string
}

// Recorder exports WorkloadHealth statuses as gauges. It is safe for
// concurrent use by the reconciler's workers.
type Recorder struct {
	vecs       map[string]*prometheus.GaugeVec
	redactions prometheus.Counter

	mu sync.Mutex
	// objects are the series each WorkloadHealth (by namespace and name)
	// has, to delete exactly those that a new status or a deletion leaves
	// behind.
	objects map[types.NamespacedName]exported
}

// NewRecorder registers the workloadhealth_* gauges on reg (the manager
// passes controller-runtime's metrics.Registry) and returns a Recorder that
// fills them.
func NewRecorder(reg prometheus.Registerer) (*Recorder, error) {
	gauge := func(name, help string, extra ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help},
			append(slices.Clone(targetLabels), extra...))
	}
	r := &Recorder{
		vecs: map[string]*prometheus.GaugeVec{
			HealthMetric: gauge(HealthMetric,
				"Health of a workload: 1 for its current health (Healthy, Progressing, Degraded, Suspended or Unknown); one series per WorkloadHealth.",
				LabelHealth),
			PodsMetric: gauge(PodsMetric,
				"Pods of a workload per kubectl STATUS (Running, CrashLoopBackOff, Init:1/2, ...).",
				LabelStatus),
			PhaseMismatchMetric: gauge(PhaseMismatchMetric,
				"Pods of a workload whose phase says Running while their containers are not all ready or are failing."),
			RestartsMetric: gauge(RestartsMetric,
				"Restarts of the current pods of a workload, as the RESTARTS column of kubectl get pods adds them up."),
			HintsMetric: gauge(HintsMetric,
				"Diagnostic hints on a workload per hint code and severity.",
				LabelCode, LabelSeverity),
		},
		redactions: prometheus.NewCounter(prometheus.CounterOpts{Name: RedactionsMetric,
			Help: "Secrets (passwords, tokens, keys) removed from texts copied from the cluster before they were stored; a text that stays in the cluster counts again at each assessment."}),
		objects: map[types.NamespacedName]exported{},
	}
	for _, name := range []string{HealthMetric, PodsMetric, PhaseMismatchMetric, RestartsMetric, HintsMetric} {
		if err := reg.Register(r.vecs[name]); err != nil {
			return nil, err
		}
	}
	if err := reg.Register(r.redactions); err != nil {
		return nil, err
	}
	return r, nil
}

// CountRedactions adds the secrets one assessment removed
// (health.Result.Redactions).
func (r *Recorder) CountRedactions(n int) {
	if n > 0 {
		r.redactions.Add(float64(n))
	}
}

// Record makes the series of wh say what its status says: it sets the new
// series first and then deletes the ones the status no longer has, so that
// a scrape never sees the target without a health series. A status
// without health removes the object's series.
func (r *Recorder) Record(wh *whv1.WorkloadHealth) {
	key := types.NamespacedName{Namespace: wh.Namespace, Name: wh.Name}
	ref := wh.Spec.TargetRef
	ns, group, kind, name := wh.Namespace, workload.GroupKindOf(ref.APIVersion, ref.Kind).Group, ref.Kind, ref.Name
	r.mu.Lock()
	defer r.mu.Unlock()
	want := map[string]map[string][]string{}
	for _, s := range Series(wh) {
		lv := append([]string{ns, group, kind, name}, s.Labels...)
		r.vecs[s.Metric].WithLabelValues(lv...).Set(s.Value)
		if want[s.Metric] == nil {
			want[s.Metric] = map[string][]string{}
		}
		want[s.Metric][strings.Join(lv, "\x00")] = lv
	}
	for metric, series := range r.objects[key].series {
		for k, lv := range series {
			if _, keep := want[metric][k]; !keep {
				r.vecs[metric].DeleteLabelValues(lv...)
			}
		}
	}
	if len(want) == 0 {
		delete(r.objects, key)
		return
	}
	r.objects[key] = exported{
		target: prometheus.Labels{LabelNamespace: ns, LabelTargetGroup: group, LabelTargetKind: kind, LabelTargetName: name},
		series: want,
	}
}

// Forget deletes every series of the WorkloadHealth namespace/name: the
// controller calls it when the object is deleted or found gone, with the
// key of the request, which is all it knows of an object already gone.
func (r *Recorder) Forget(namespace, name string) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	r.mu.Lock()
	defer r.mu.Unlock()
	obj, ok := r.objects[key]
	if !ok {
		return
	}
	for _, vec := range r.vecs {
		vec.DeletePartialMatch(obj.target)
	}
	delete(r.objects, key)
}
