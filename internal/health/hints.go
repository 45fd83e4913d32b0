package health

import (
	"slices"
	"strconv"
	"strings"
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
	whv1.HintOOMKilled,
	whv1.HintUnschedulable,
	whv1.HintVolumeMountFailed,
	whv1.HintSandboxFailed,
	whv1.HintInitContainerFailed,
	whv1.HintNodeLost,
	whv1.HintEvicted,
	whv1.HintJobFailed,
	whv1.HintRolloutStuck,
	whv1.HintReplicaShortfall,
	whv1.HintStuckTerminating,
	whv1.HintCrashLoopBackOff,
	whv1.HintLivenessProbeFailed,
	whv1.HintReadinessProbeFailed,
	whv1.HintStartupProbeFailed,
	whv1.HintFrequentRestarts,
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
}

type hintSlot struct {
	used     bool
	severity whv1.HintSeverity
	message  string
	evidence string
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
			out = append(out, whv1.Hint{
				Code:     hintOrder[i],
				Severity: s.severity,
				Message:  cut(s.message, whv1.MaxMessageBytes),
				Evidence: cut(s.evidence, whv1.MaxMessageBytes),
				Pods:     pods,
			})
		}
	}
	if len(out) > whv1.MaxHints {
		out = out[:whv1.MaxHints]
	}
	return out
}

// frequentRestarts are the thresholds of the FrequentRestarts hint:
// design.md's "≥ 5 restarts within an hour", read from object state as
// at least five restarts, the last one within the hour, averaging at
// least five an hour since the pod started.
const (
	frequentRestartsMin    = 5
	frequentRestartsWithin = time.Hour
)

// podHints finds the hints of one pod from its state and, when the pod is
// not healthy, from its Warning events (most recent first).
func (h *hintSet) podHints(v *podVerdict, evs []*corev1.Event, now time.Time, w Windows) {
	p := v.pod
	st := &p.Status

	switch v.cause {
	case causeStuckTerminating:
		msg := "the pod has been terminating for over " + w.StuckTerminatingAfter.String() + " past its grace period"
		switch {
		case len(p.Finalizers) > 0:
			msg += "; finalizers block it: " + strings.Join(p.Finalizers, ", ")
		case p.Spec.NodeName != "":
			msg += "; the kubelet of node " + quote(p.Spec.NodeName) + " has not confirmed it, the node may be unreachable"
		}
		h.add(hintItem{code: whv1.HintStuckTerminating, message: msg, evidence: st.Message}, v)
		if nodeLost(st) {
			h.add(nodeLostHint(v), v)
		}
	case causeNodeLost:
		h.add(nodeLostHint(v), v)
	case causeEvicted:
		h.add(hintItem{code: whv1.HintEvicted,
			message:  "the kubelet evicted the pod, usually because its node ran short of memory, disk or PIDs; check the node's conditions and the pod's requests",
			evidence: st.Message}, v)
	case causeUnschedulable, causeUnschedulableTooLong:
		if c := podCondition(st.Conditions, corev1.PodScheduled); c != nil && c.Message != "" {
			h.add(unschedulableHint(c.Message), v)
		}
	}

	h.containerHints(v, now)

	if v.health == whv1.HealthHealthy {
		return
	}
	for _, e := range evs {
		h.eventHints(v, e)
	}
}

func nodeLostHint(v *podVerdict) hintItem {
	p := v.pod
	node := "the pod's node"
	if p.Spec.NodeName != "" {
		node = "node " + quote(p.Spec.NodeName)
	}
	evidence := p.Status.Message
	for _, e := range v.events { // newest first
		if evidence != "" {
			break
		}
		if e.Reason == eventNodeNotReady {
			evidence = e.Message
		}
	}
	return hintItem{code: whv1.HintNodeLost,
		message:  node + " stopped reporting, so the state of the pod is unknown; recover the node, or delete the node object to let the pod be replaced",
		evidence: evidence}
}

func unschedulableHint(msg string) hintItem {
	reasons := schedulerReasons(msg)
	return hintItem{code: whv1.HintUnschedulable,
		message:  "the scheduler cannot place the pod (" + reasons + "): " + schedulerAdvice(reasons),
		evidence: msg}
}

// containerHints reads the container statuses: init containers (with
// native sidecars) first, then regular ones.
func (h *hintSet) containerHints(v *podVerdict, now time.Time) {
	p := v.pod
	for i := range p.Status.InitContainerStatuses {
		cs := &p.Status.InitContainerStatuses[i]
		spec := initContainerSpec(p, cs.Name)
		h.containerHint(v, cs, spec, !isSidecar(spec), now)
	}
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		h.containerHint(v, cs, containerSpec(p, cs.Name), false, now)
	}
}

func (h *hintSet) containerHint(v *podVerdict, cs *corev1.ContainerStatus, spec *corev1.Container, init bool, now time.Time) {
	p := v.pod
	wait, term, last := cs.State.Waiting, cs.State.Terminated, cs.LastTerminationState.Terminated
	// who names the container in messages; built only when a hint needs
	// it, as most containers have none.
	who := func() string {
		if init {
			return "init container " + quote(cs.Name)
		}
		return "container " + quote(cs.Name)
	}

	// The termination that tells why the container crashes: the current
	// one when it is terminated, else the previous one.
	crash := last
	if term != nil && failedTermination(term) {
		crash = term
	}

	if (wait != nil && wait.Reason == "CrashLoopBackOff") || (v.cause == causeFlapping && v.container == cs.Name) {
		msg := who() + " keeps crashing"
		if crash != nil {
			msg += " (last exit code " + strconv.Itoa(int(crash.ExitCode))
			if crash.Reason != "" {
				msg += ", " + crash.Reason
			}
			msg += ")"
		}
		msg += "; read its logs from before the restart: kubectl logs -n " + p.Namespace + " " + p.Name + " -c " + cs.Name + " --previous"
		ev := ""
		if crash != nil {
			ev = crash.Message
		}
		h.add(hintItem{code: whv1.HintCrashLoopBackOff, message: msg, evidence: ev}, v)
	}

	if init && v.cause == causeInitFailure && v.container == cs.Name {
		msg := who() + " failed"
		switch {
		case term != nil:
			msg += ": exit code " + strconv.Itoa(int(term.ExitCode))
			if term.Reason != "" {
				msg += " (" + term.Reason + ")"
			}
		case wait != nil:
			msg += ": " + wait.Reason
		}
		msg += "; the pod's other containers do not start until it succeeds"
		ev := ""
		switch {
		case term != nil:
			ev = term.Message
		case wait != nil && wait.Message != "":
			ev = wait.Message
		case last != nil:
			ev = last.Message
		}
		h.add(hintItem{code: whv1.HintInitContainerFailed, message: msg, evidence: ev}, v)
	}

	if wait != nil {
		switch wait.Reason {
		case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull":
			image := cs.Image
			if spec != nil && spec.Image != "" {
				image = spec.Image
			}
			detail := wait.Message
			if detail == "" || strings.HasPrefix(detail, "Back-off pulling image") {
				// The back-off message only names the image; the
				// puller's error is in the pod's Failed events.
				detail = pullEventMessage(v, detail)
			}
			h.add(hintItem{code: whv1.HintImagePullFailed,
				message:  "image " + quote(image) + " of " + who() + " cannot be pulled: " + imagePullDiagnosis(wait.Reason, detail),
				evidence: detail}, v)
		case "CreateContainerConfigError":
			h.add(configHint(wait.Message, who()), v)
		}
	}

	for _, t := range [...]*corev1.ContainerStateTerminated{term, last} {
		if t == nil || t.Reason != "OOMKilled" {
			continue
		}
		msg := who() + " was killed for using more memory than allowed: raise its memory limit or fix the leak"
		if spec != nil {
			if q, ok := spec.Resources.Limits[corev1.ResourceMemory]; ok {
				msg = who() + " was killed for using more memory than its limit of " + q.String() + ": raise the limit or fix the leak"
			} else {
				msg = who() + " was OOM-killed without a memory limit, so its node ran out of memory: set memory requests and limits"
			}
		}
		h.add(hintItem{code: whv1.HintOOMKilled, message: msg, evidence: t.Message}, v)
		break
	}

	if v.health != whv1.HealthHealthy {
		for _, text := range [...]string{messageOf(wait), termMessage(term), termMessage(last)} {
			h.textHints(v, text, false)
		}
	}

	if v.health == whv1.HealthHealthy && v.ready && cs.RestartCount >= frequentRestartsMin {
		h.frequentRestarts(v, cs, now)
	}
}

// frequentRestarts adds the FrequentRestarts hint for a ready container
// that restarted at least five times, the last time within the hour, at
// an average of at least five an hour since the pod started. Both
// conditions end at a known moment, which the requeue takes into account.
func (h *hintSet) frequentRestarts(v *podVerdict, cs *corev1.ContainerStatus, now time.Time) {
	last := lastTermination(cs)
	start := v.pod.CreationTimestamp.Time
	if v.pod.Status.StartTime != nil && !v.pod.Status.StartTime.IsZero() {
		start = v.pod.Status.StartTime.Time
	}
	if last.IsZero() || start.IsZero() {
		return
	}
	recentUntil := last.Add(frequentRestartsWithin)
	rateUntil := start.Add(time.Duration(cs.RestartCount) * frequentRestartsWithin / frequentRestartsMin)
	until := earliest(recentUntil, rateUntil)
	if !now.Before(until) {
		return
	}
	h.next = earliest(h.next, until)
	msg := "container " + quote(cs.Name) + " is ready but restarted " + strconv.Itoa(int(cs.RestartCount)) + " times"
	ev := ""
	if t := cs.LastTerminationState.Terminated; t != nil {
		msg += " (last exit code " + strconv.Itoa(int(t.ExitCode))
		if t.Reason != "" {
			msg += ", " + t.Reason
		}
		msg += ")"
		ev = t.Message
	}
	msg += "; read its previous logs: kubectl logs -n " + v.pod.Namespace + " " + v.pod.Name + " -c " + cs.Name + " --previous"
	h.add(hintItem{code: whv1.HintFrequentRestarts, severity: whv1.SeverityWarning, message: msg, evidence: ev}, v)
}

// pullEventMessage is the registry's error from the pod's latest Failed
// pull event, or def.
func pullEventMessage(v *podVerdict, def string) string {
	for _, e := range v.events {
		if e.Reason == "Failed" && strings.Contains(e.Message, "ull image") {
			return e.Message
		}
	}
	return def
}

func configHint(msg, who string) hintItem {
	kind, name, key, ok := missingConfig(msg)
	text := who + " cannot be created: a ConfigMap or Secret it references is missing"
	if ok {
		if key != "" {
			text = "key " + quote(key) + " is missing from " + kind + " " + quote(name) + ": add the key or fix the reference"
		} else {
			text = kind + " " + quote(name) + " does not exist: create it, or fix the reference to it"
		}
		if who != "" {
			text += " (" + who + ")"
		}
	}
	return hintItem{code: whv1.HintConfigMissing, message: text, evidence: msg}
}

// eventHints reads one Warning event about a pod that is not healthy.
func (h *hintSet) eventHints(v *podVerdict, e *corev1.Event) {
	msg := e.Message
	switch e.Reason {
	case "Unhealthy":
		if kind, ok := probeKind(msg); ok {
			code := whv1.HintReadinessProbeFailed
			switch kind {
			case "Liveness":
				code = whv1.HintLivenessProbeFailed
			case "Startup":
				code = whv1.HintStartupProbeFailed
			}
			who := strings.ToLower(kind) + " probe"
			if c := eventContainer(e); c != "" {
				who += " of container " + quote(c)
			}
			text := who + " fails"
			if d := probeDiagnosis(msg); d != "" {
				text += ": " + d
			}
			h.add(hintItem{code: code, message: text, evidence: msg}, v)
		}
		h.textHints(v, msg, true)
		return
	case "FailedScheduling":
		if v.pod.Spec.NodeName == "" {
			h.add(unschedulableHint(msg), v)
		}
		return
	case "FailedMount", "FailedAttachVolume":
		if _, _, _, ok := missingConfig(msg); ok {
			h.add(configHint(msg, ""), v)
			return
		}
		text := "a volume of the pod cannot be attached or mounted"
		if vol := volumeName(msg); vol != "" {
			text = "volume " + quote(vol) + " cannot be attached or mounted"
		}
		h.add(hintItem{code: whv1.HintVolumeMountFailed,
			message:  text + ": check the PersistentVolumeClaim, the storage driver and the node",
			evidence: msg}, v)
		return
	case "FailedCreatePodSandBox":
		h.add(hintItem{code: whv1.HintSandboxFailed,
			message:  "the container runtime cannot create the pod's sandbox, usually a CNI (network plugin) or runtime problem on the node; see the evidence",
			evidence: msg}, v)
		return
	case "Failed":
		if _, _, _, ok := missingConfig(msg); ok {
			h.add(configHint(msg, ""), v)
			return
		}
	}
	h.textHints(v, msg, false)
}

// textHints looks for a DNS failure or an unreachable dependency in a
// message. A refused connection to the pod's own address is the pod's own
// probe, not a dependency (probe says whether the text is a probe's).
func (h *hintSet) textHints(v *podVerdict, text string, probe bool) {
	if text == "" {
		return
	}
	if name, at, ok := dnsFailure(text); ok {
		msg := "a DNS lookup fails: check that the Service exists and that cluster DNS works"
		if name != "" {
			msg = "cannot resolve " + quote(name) + ": check that the Service exists (in the namespace the name says) and that cluster DNS works"
		}
		h.add(hintItem{code: whv1.HintDNSFailure, message: msg, evidence: lineAround(text, at)}, v)
		return
	}
	addr, what, at, ok := dependencyFailure(text)
	if !ok {
		return
	}
	// A probe goes to the pod's own address unless it names a host; when
	// the pod's address is not known, assume it does not.
	if probe && (addr == "" || !probeNamesHost(v.pod) || ownAddress(v.pod, addrHost(addr)) ||
		(v.pod.Status.PodIP == "" && len(v.pod.Status.PodIPs) == 0)) {
		return
	}
	target := "a dependency"
	if addr != "" {
		target = addr
	}
	h.add(hintItem{code: whv1.HintDependencyUnreachable,
		message:  "cannot connect to " + target + " (" + what + "): check the pods and the Service of that dependency",
		evidence: lineAround(text, at)}, v)
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
