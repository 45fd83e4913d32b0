package health_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// reasonPattern and conditionTypePattern are metav1.Condition's
// validation, which the CRD schema carries.
var (
	reasonPattern        = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`)
	conditionTypePattern = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$`)
)

var (
	healthValues   = []whv1.HealthStatus{whv1.HealthHealthy, whv1.HealthProgressing, whv1.HealthDegraded, whv1.HealthSuspended, whv1.HealthUnknown}
	severityValues = []whv1.HintSeverity{whv1.SeverityCritical, whv1.SeverityWarning, whv1.SeverityInfo}
	stateValues    = []whv1.ContainerState{"", whv1.ContainerWaiting, whv1.ContainerRunning, whv1.ContainerTerminated}
	// evidenceSources are the sources the engine writes; the log's is the
	// controller's.
	evidenceSources = []whv1.EvidenceSource{"", whv1.EvidenceFromTerminationMessage, whv1.EvidenceFromEvent, whv1.EvidenceFromStatus}
)

// boundsErrors lists every way st breaks the CRD schema's bounds (the
// markers of api/v1alpha1, in bytes, which is stricter than the schema's
// characters) or holds invalid UTF-8.
func boundsErrors(st whv1.WorkloadHealthStatus, maxPods int) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	str := func(field, s string, minLen, maxLen int) {
		if len(s) < minLen || len(s) > maxLen {
			bad("%s has %d bytes, bounds [%d, %d]", field, len(s), minLen, maxLen)
		}
		if !utf8.ValidString(s) {
			bad("%s is not valid UTF-8", field)
		}
	}
	nonNeg := func(field string, n int64) {
		if n < 0 {
			bad("%s is negative: %d", field, n)
		}
	}

	if st.Health == nil {
		bad("health is missing")
	} else {
		if !slices.Contains(healthValues, st.Health.Status) {
			bad("health.status %q", st.Health.Status)
		}
		str("health.message", st.Health.Message, 0, 1024)
	}
	str("ready", st.Ready, 0, 32)
	str("reason", st.Reason, 0, 256)
	if r := st.Replicas; r != nil {
		for name, p := range map[string]*int32{"desired": r.Desired, "current": r.Current, "ready": r.Ready, "updated": r.Updated} {
			if p != nil {
				nonNeg("replicas."+name, int64(*p))
			}
		}
	}
	if len(st.PodCounts) > whv1.MaxPodCounts {
		bad("podCounts has %d keys", len(st.PodCounts))
	}
	for k, n := range st.PodCounts {
		str("podCounts key", k, 0, 256)
		nonNeg("podCounts["+k+"]", int64(n))
	}
	nonNeg("restarts", int64(st.Restarts))
	nonNeg("phaseMismatches", int64(st.PhaseMismatches))
	if len(st.Pods) > whv1.MaxPods || len(st.Pods) > maxPods {
		bad("%d pods, bound %d", len(st.Pods), min(maxPods, whv1.MaxPods))
	}
	for i, p := range st.Pods {
		f := fmt.Sprintf("pods[%d]", i)
		str(f+".name", p.Name, 1, 253)
		str(f+".phase", p.Phase, 0, 32)
		str(f+".status", p.Status, 0, 256)
		str(f+".ready", p.Ready, 0, 32)
		str(f+".nodeName", p.NodeName, 0, 253)
		nonNeg(f+".restarts", int64(p.Restarts))
		if p.Health != "" && !slices.Contains(healthValues, p.Health) {
			bad("%s.health %q", f, p.Health)
		}
		if len(p.Containers) > whv1.MaxContainersPerPod {
			bad("%s has %d containers", f, len(p.Containers))
		}
		for j, c := range p.Containers {
			cf := fmt.Sprintf("%s.containers[%d]", f, j)
			str(cf+".name", c.Name, 1, 253)
			str(cf+".reason", c.Reason, 0, 256)
			str(cf+".lastTerminationReason", c.LastTerminationReason, 0, 256)
			str(cf+".lastTerminationMessage", c.LastTerminationMessage, 0, 1024)
			nonNeg(cf+".restartCount", int64(c.RestartCount))
			if !slices.Contains(stateValues, c.State) {
				bad("%s.state %q", cf, c.State)
			}
		}
	}
	if e := st.LastEvent; e != nil {
		str("lastEvent.type", e.Type, 0, 32)
		str("lastEvent.reason", e.Reason, 0, 128)
		str("lastEvent.message", e.Message, 0, 1024)
		str("lastEvent.involvedObject.kind", e.InvolvedObject.Kind, 0, 63)
		str("lastEvent.involvedObject.name", e.InvolvedObject.Name, 0, 253)
		nonNeg("lastEvent.count", int64(e.Count))
	}
	if len(st.Hints) > whv1.MaxHints {
		bad("%d hints", len(st.Hints))
	}
	for i, h := range st.Hints {
		f := fmt.Sprintf("hints[%d]", i)
		if !slices.Contains(allHintCodes, h.Code) {
			bad("%s.code %q", f, h.Code)
		}
		if !slices.Contains(severityValues, h.Severity) {
			bad("%s.severity %q", f, h.Severity)
		}
		str(f+".message", h.Message, 0, 1024)
		str(f+".evidence", h.Evidence, 0, whv1.MaxEvidenceBytes)
		if strings.Contains(h.Evidence, "\n") {
			bad("%s.evidence %q is more than one line", f, h.Evidence)
		}
		if (h.Evidence == "") != (h.EvidenceSource == "") || !slices.Contains(evidenceSources, h.EvidenceSource) {
			bad("%s.evidenceSource %q for evidence %q", f, h.EvidenceSource, h.Evidence)
		}
		if len(h.Pods) > whv1.MaxPodsPerHint {
			bad("%s has %d pods", f, len(h.Pods))
		}
		for _, p := range h.Pods {
			str(f+".pods[]", p, 0, 253)
		}
	}
	if len(st.Conditions) > 8 {
		bad("%d conditions", len(st.Conditions))
	}
	seen := map[string]bool{}
	for _, c := range st.Conditions {
		if seen[c.Type] {
			bad("condition %s twice", c.Type)
		}
		seen[c.Type] = true
		if !conditionTypePattern.MatchString(c.Type) || len(c.Type) > 316 {
			bad("condition type %q", c.Type)
		}
		if c.Status != metav1.ConditionTrue && c.Status != metav1.ConditionFalse && c.Status != metav1.ConditionUnknown {
			bad("condition %s status %q", c.Type, c.Status)
		}
		if !reasonPattern.MatchString(c.Reason) || len(c.Reason) > 1024 {
			bad("condition %s reason %q", c.Type, c.Reason)
		}
		str("condition "+c.Type+" message", c.Message, 0, 32768)
		if c.LastTransitionTime.IsZero() {
			bad("condition %s has no lastTransitionTime", c.Type)
		}
	}
	return errs
}
