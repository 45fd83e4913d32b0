package health

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// hintOrder is the order of hints of the same severity: root causes
// (a missing Secret, a name that does not resolve) before the symptoms
// they cause (a crash loop, a failing probe), so that the first hint, the
// one `kubectl get wh -o wide` shows, is the most useful.
var hintOrder = [...]whv1.HintCode{
	whv1.HintConfigMissing,
	whv1.HintImagePullFailed,
	whv1.HintDNSFailure,
	whv1.HintDependencyUnreachable,
	whv1.HintTLSFailure,
	whv1.HintCredentialsRejected,
	whv1.HintPermissionDenied,
	whv1.HintOOMKilled,
	whv1.HintAppOutOfMemory,
	whv1.HintUnschedulable,
	whv1.HintVolumeMountFailed,
	whv1.HintSandboxFailed,
	whv1.HintInitContainerFailed,
	whv1.HintNodeLost,
	whv1.HintEvicted,
	whv1.HintJobFailed,
	whv1.HintOwnerDegraded,
	whv1.HintRolloutStuck,
	whv1.HintReplicaShortfall,
	whv1.HintStuckTerminating,
	whv1.HintAppPanic,
	whv1.HintCrashLoopBackOff,
	whv1.HintLivenessProbeFailed,
	whv1.HintReadinessProbeFailed,
	whv1.HintStartupProbeFailed,
	whv1.HintFrequentRestarts,
	whv1.HintOwnerStatusUnreadable,
}

func hintIndex(c whv1.HintCode) int {
	for i, o := range hintOrder {
		if o == c {
			return i
		}
	}
	return -1
}

// hintItem is one finding before findings of the same code are merged.
type hintItem struct {
	code     whv1.HintCode
	severity whv1.HintSeverity // empty: from the pod and the target
	message  string
	evidence string
	// source says where evidence was read.
	source whv1.EvidenceSource
	// until is when a finding defined by a time window ends; zero for
	// the others.
	until time.Time
}

// hintSet merges findings into at most one hint per code: the message and
// evidence of the first finding (pods are visited worst first), the pods
// of all findings (at most MaxPodsPerHint), the highest severity.
type hintSet struct {
	target whv1.HealthStatus
	slots  [len(hintOrder)]hintSlot
	// next is the earliest moment a time-based hint (FrequentRestarts)
	// changes.
	next time.Time
	// redactions counts the secrets removed from the hints' texts.
	redactions int
}

type hintSlot struct {
	used     bool
	severity whv1.HintSeverity
	message  string
	evidence string
	source   whv1.EvidenceSource
	pods     []string
}

func severityRank(s whv1.HintSeverity) int {
	switch s {
	case whv1.SeverityCritical:
		return 0
	case whv1.SeverityWarning:
		return 1
	}
	return 2
}

// podSeverity: Critical when the pod is failing and that makes the target
// fail, Warning when something is wrong with the pod, Info when the pod is
// fine and the hint is only worth knowing.
func (h *hintSet) podSeverity(v *podVerdict) whv1.HintSeverity {
	bad := v.health == whv1.HealthDegraded || v.health == whv1.HealthUnknown
	if bad && v.counts && (h.target == whv1.HealthDegraded || h.target == whv1.HealthUnknown) {
		return whv1.SeverityCritical
	}
	if v.health != whv1.HealthHealthy {
		return whv1.SeverityWarning
	}
	return whv1.SeverityInfo
}

func (h *hintSet) add(it hintItem, v *podVerdict) {
	i := hintIndex(it.code)
	if i < 0 {
		return
	}
	h.next = earliest(h.next, it.until)
	sev := it.severity
	if sev == "" {
		if v != nil {
			sev = h.podSeverity(v)
		} else if h.target == whv1.HealthDegraded {
			sev = whv1.SeverityCritical
		} else {
			sev = whv1.SeverityWarning
		}
	}
	s := &h.slots[i]
	if !s.used {
		s.used = true
		s.severity = sev
		s.message = it.message
		s.evidence = it.evidence
		s.source = it.source
	} else if severityRank(sev) < severityRank(s.severity) {
		s.severity = sev
	}
	if v != nil && len(s.pods) < whv1.MaxPodsPerHint && !slices.Contains(s.pods, v.pod.Name) {
		s.pods = append(s.pods, v.pod.Name)
	}
}

// hints writes the merged hints out, most severe first, bounded.
func (h *hintSet) hints() []whv1.Hint {
	n := 0
	for i := range h.slots {
		if h.slots[i].used {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]whv1.Hint, 0, n)
	for sev := 0; sev < 3; sev++ {
		for i := range h.slots {
			s := &h.slots[i]
			if !s.used || severityRank(s.severity) != sev {
				continue
			}
			pods := s.pods
			for k := range pods {
				pods[k] = cut(pods[k], 253)
			}
			slices.Sort(pods)
			hint := whv1.Hint{
				Code:     hintOrder[i],
				Severity: s.severity,
				Message:  stored(s.message, whv1.MaxMessageBytes, &h.redactions),
				Evidence: storedEvidence(s.evidence, &h.redactions),
				Pods:     pods,
			}
			if hint.Evidence != "" {
				hint.EvidenceSource = s.source
			}
			out = append(out, hint)
		}
	}
	if len(out) > whv1.MaxHints {
		out = out[:whv1.MaxHints]
	}
	return out
}

// textHints runs the text rules on one text copied from the cluster, or
// on its end when it is longer than the rules read.
func (h *hintSet) textHints(t textFacts) {
	if t.text == "" {
		return
	}
	t.text, _ = textRuleWindow(t.text)
	for _, rule := range textHintRules() {
		if it, ok := rule(t); ok {
			h.add(it, t.v)
		}
	}
}

// probeNamesHost says whether a probe of the pod may reach a host of its
// own choosing (an explicit host, or a command that connects anywhere);
// otherwise every probe goes to the pod's own address, whatever address
// the kubelet's message shows.
func probeNamesHost(p *corev1.Pod) bool {
	for _, c := range p.Spec.Containers {
		for _, pr := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
			if pr == nil {
				continue
			}
			if pr.Exec != nil || (pr.HTTPGet != nil && pr.HTTPGet.Host != "") || (pr.TCPSocket != nil && pr.TCPSocket.Host != "") {
				return true
			}
		}
	}
	return false
}

// ownAddress says whether host is one of the pod's own addresses.
func ownAddress(p *corev1.Pod, host string) bool {
	if host == "" || host == "localhost" || host == "127.0.0.1" || host == "::1" || host == p.Status.PodIP {
		return true
	}
	for _, ip := range p.Status.PodIPs {
		if ip.IP == host {
			return true
		}
	}
	return false
}

func messageOf(w *corev1.ContainerStateWaiting) string {
	if w == nil {
		return ""
	}
	return w.Message
}

func termMessage(t *corev1.ContainerStateTerminated) string {
	if t == nil {
		return ""
	}
	return t.Message
}
