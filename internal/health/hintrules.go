package health

import (
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// The hint rules: each reads one pod, container or event and returns at
// most one finding of design.md's catalogue, or nothing. They are listed
// in the order they run; the order matters only between findings of the
// same code, where the first one's message and evidence are kept.

// podHintRule finds a hint in a pod's own state.
type podHintRule func(v *podVerdict, w Windows) (hintItem, bool)

func podHintRules() [4]podHintRule {
	return [...]podHintRule{
		hintStuckTerminating,
		hintNodeLost,
		hintEvicted,
		hintUnschedulable,
	}
}

// containerFacts is what the container rules read about one container.
type containerFacts struct {
	v    *podVerdict
	cs   *corev1.ContainerStatus
	spec *corev1.Container // nil when the spec does not have it
	// init: a (non-sidecar) init container.
	init bool
	now  time.Time
	flap time.Duration
}

// who names the container in messages.
func (c *containerFacts) who() string {
	if c.init {
		return "init container " + quote(c.cs.Name)
	}
	return "container " + quote(c.cs.Name)
}

// containerHintRule finds a hint in one container's status. The facts
// are passed by value: a pointer given to a func value would cost an
// allocation per container.
type containerHintRule func(c containerFacts) (hintItem, bool)

func containerHintRules() [6]containerHintRule {
	return [...]containerHintRule{
		hintCrashLoop,
		hintInitContainerFailed,
		hintImagePull,
		hintContainerConfig,
		hintOOMKilled,
		hintFrequentRestarts,
	}
}

// eventHintRule finds a hint in one Warning event about a pod.
type eventHintRule func(v *podVerdict, e *corev1.Event) (hintItem, bool)

func eventHintRules() [5]eventHintRule {
	return [...]eventHintRule{
		hintProbeFailed,
		hintFailedScheduling,
		hintFailedMount,
		hintSandboxFailed,
		hintFailedConfig,
	}
}

// podHints finds the hints of one pod from its state and, unless the
// pod's own state is fine (see steady), from its Warning events (most
// recent first).
func (h *hintSet) podHints(v *podVerdict, evs []*corev1.Event, now time.Time, w Windows) {
	for _, rule := range podHintRules() {
		if it, ok := rule(v, w); ok {
			h.add(it, v)
		}
	}
	h.containerHints(v, now, w.FlapWindow)
	if v.steady() {
		return
	}
	for _, e := range evs {
		h.eventHints(v, e)
	}
}

// containerHints runs the container rules on every container, init
// containers (with native sidecars) first, and reads the containers'
// texts unless the pod's own state is fine.
func (h *hintSet) containerHints(v *podVerdict, now time.Time, flap time.Duration) {
	p := v.pod
	for i := range p.Status.InitContainerStatuses {
		cs := &p.Status.InitContainerStatuses[i]
		spec := initContainerSpec(p, cs.Name)
		h.containerHint(containerFacts{v: v, cs: cs, spec: spec, init: !isSidecar(spec), now: now, flap: flap})
	}
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		h.containerHint(containerFacts{v: v, cs: cs, spec: containerSpec(p, cs.Name), now: now, flap: flap})
	}
}

func (h *hintSet) containerHint(c containerFacts) {
	for _, rule := range containerHintRules() {
		if it, ok := rule(c); ok {
			h.add(it, c.v)
		}
	}
	if !c.v.steady() {
		st := &c.cs.State
		h.textHints(textFacts{v: c.v, text: messageOf(st.Waiting), source: whv1.EvidenceFromStatus})
		h.textHints(textFacts{v: c.v, text: termMessage(st.Terminated), source: whv1.EvidenceFromTerminationMessage})
		h.textHints(textFacts{v: c.v, text: termMessage(c.cs.LastTerminationState.Terminated), source: whv1.EvidenceFromTerminationMessage})
	}
}

// eventHints reads one Warning event about a pod whose state is not fine:
// the event rules, then the event's text unless a rule already explained
// it.
func (h *hintSet) eventHints(v *podVerdict, e *corev1.Event) {
	for _, rule := range eventHintRules() {
		if it, ok := rule(v, e); ok {
			h.add(it, v)
		}
	}
	if eventTextExplained(e) {
		return
	}
	h.textHints(textFacts{v: v, text: e.Message, source: whv1.EvidenceFromEvent, probe: e.Reason == "Unhealthy"})
}

// eventTextExplained says whether an event rule read the event's whole
// message, so that it is not searched for DNS or connection failures.
func eventTextExplained(e *corev1.Event) bool {
	switch e.Reason {
	case "FailedScheduling", "FailedMount", "FailedAttachVolume", "FailedCreatePodSandBox":
		return true
	case "Failed":
		_, _, _, ok := missingConfig(e.Message)
		return ok
	}
	return false
}

// hintStuckTerminating: a pod under deletion past its grace period and
// the stuck window, and what holds it.
func hintStuckTerminating(v *podVerdict, w Windows) (hintItem, bool) {
	if v.cause != causeStuckTerminating {
		return hintItem{}, false
	}
	p := v.pod
	msg := "the pod has been terminating for over " + w.StuckTerminatingAfter.String() + " past its grace period"
	switch {
	case len(p.Finalizers) > 0:
		msg += "; finalizers block it: " + strings.Join(p.Finalizers, ", ")
	case p.Spec.NodeName != "":
		msg += "; the kubelet of node " + quote(p.Spec.NodeName) + " has not confirmed it, the node may be unreachable"
	}
	return hintItem{code: whv1.HintStuckTerminating, message: msg, evidence: p.Status.Message, source: whv1.EvidenceFromStatus}, true
}

// hintNodeLost: the pod's node stopped reporting, whether or not the pod
// is also stuck terminating.
func hintNodeLost(v *podVerdict, _ Windows) (hintItem, bool) {
	if v.cause != causeNodeLost && (v.cause != causeStuckTerminating || !nodeLost(&v.pod.Status)) {
		return hintItem{}, false
	}
	p := v.pod
	node := "the pod's node"
	if p.Spec.NodeName != "" {
		node = "node " + quote(p.Spec.NodeName)
	}
	evidence, source := p.Status.Message, whv1.EvidenceFromStatus
	for _, e := range v.events { // newest first
		if evidence != "" {
			break
		}
		if e.Reason == eventNodeNotReady {
			evidence, source = e.Message, whv1.EvidenceFromEvent
		}
	}
	return hintItem{code: whv1.HintNodeLost,
		message:  node + " stopped reporting, so the state of the pod is unknown; recover the node, or delete the node object to let the pod be replaced",
		evidence: evidence, source: source}, true
}

// hintEvicted: the kubelet evicted the pod.
func hintEvicted(v *podVerdict, _ Windows) (hintItem, bool) {
	if v.cause != causeEvicted {
		return hintItem{}, false
	}
	return hintItem{code: whv1.HintEvicted,
		message:  "the kubelet evicted the pod, usually because its node ran short of memory, disk or PIDs; check the node's conditions and the pod's requests",
		evidence: v.pod.Status.Message, source: whv1.EvidenceFromStatus}, true
}

// hintUnschedulable: the scheduler's reason, from the PodScheduled
// condition of a pod it cannot place.
func hintUnschedulable(v *podVerdict, _ Windows) (hintItem, bool) {
	if v.cause != causeUnschedulable && v.cause != causeUnschedulableTooLong {
		return hintItem{}, false
	}
	c := podCondition(v.pod.Status.Conditions, corev1.PodScheduled)
	if c == nil || c.Message == "" {
		return hintItem{}, false
	}
	return unschedulableHint(c.Message, whv1.EvidenceFromStatus), true
}

func unschedulableHint(msg string, source whv1.EvidenceSource) hintItem {
	reasons := schedulerReasons(msg)
	return hintItem{code: whv1.HintUnschedulable,
		message:  "the scheduler cannot place the pod (" + reasons + "): " + schedulerAdvice(reasons),
		evidence: msg, source: source}
}

// crashTermination is the termination that tells why a container
// crashes: the current one when it failed, else the previous one.
func crashTermination(cs *corev1.ContainerStatus) *corev1.ContainerStateTerminated {
	if t := cs.State.Terminated; t != nil && failedTermination(t) {
		return t
	}
	return cs.LastTerminationState.Terminated
}

// hintCrashLoop: a container waiting in CrashLoopBackOff, or one caught
// between two back-offs (see restartedWhileNotReady); with its last exit
// and how to read the logs of the run that crashed.
func hintCrashLoop(c containerFacts) (hintItem, bool) {
	cs, v := c.cs, c.v
	waiting := cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff"
	if !waiting && !restartedWhileNotReady(v, cs, c.flap) {
		return hintItem{}, false
	}
	crash := crashTermination(cs)
	msg := c.who() + " keeps crashing"
	ev := ""
	if crash != nil {
		msg += " (last exit code " + strconv.Itoa(int(crash.ExitCode))
		if crash.Reason != "" {
			msg += ", " + crash.Reason
		}
		msg += ")"
		ev = crash.Message
	}
	msg += "; read its logs from before the restart: kubectl logs -n " + v.pod.Namespace + " " + v.pod.Name + " -c " + cs.Name + " --previous"
	return hintItem{code: whv1.HintCrashLoopBackOff, message: msg, evidence: ev, source: whv1.EvidenceFromTerminationMessage}, true
}

// restartedWhileNotReady is the clock-free side of the flap rule: the
// container of a current pod that is not ready restarted since the pod
// last became not ready (give or take a flap window), so the running or
// terminated tick of a crash loop reads like its CrashLoopBackOff tick.
// Whether the restart is within the flap window of now decides the
// verdict, not the hint: the code stays while the cluster shows the
// restart. A pod that is ready again shows FrequentRestarts instead.
func restartedWhileNotReady(v *podVerdict, cs *corev1.ContainerStatus, flap time.Duration) bool {
	if flap <= 0 || v.ready || !v.current || v.cause == causeNodeLost {
		return false
	}
	restarted := lastRestart(cs)
	return !restarted.IsZero() && !restarted.Before(notReadySince(v.pod).Add(-flap))
}

// hintInitContainerFailed: the init container whose failure decides the
// pod's settled verdict, and how it failed. It reads the settled verdict
// so that a crash-looping init container has the hint inside the flap
// window as well as after it.
func hintInitContainerFailed(c containerFacts) (hintItem, bool) {
	cs, v := c.cs, c.v
	if !c.init || v.settledCause != causeInitFailure || v.failure.name != cs.Name {
		return hintItem{}, false
	}
	wait, term, last := cs.State.Waiting, cs.State.Terminated, cs.LastTerminationState.Terminated
	msg := c.who() + " failed"
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
	ev, source := "", whv1.EvidenceFromTerminationMessage
	switch {
	case term != nil:
		ev = term.Message
	case wait != nil && wait.Message != "":
		ev, source = wait.Message, whv1.EvidenceFromStatus
	case last != nil:
		ev = last.Message
	}
	return hintItem{code: whv1.HintInitContainerFailed, message: msg, evidence: ev, source: source}, true
}

// hintImagePull: an image that cannot be pulled, with the registry's
// error and what it usually means.
func hintImagePull(c containerFacts) (hintItem, bool) {
	wait := c.cs.State.Waiting
	if wait == nil {
		return hintItem{}, false
	}
	switch wait.Reason {
	case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull":
	default:
		return hintItem{}, false
	}
	image := c.cs.Image
	if c.spec != nil && c.spec.Image != "" {
		image = c.spec.Image
	}
	detail, source := wait.Message, whv1.EvidenceFromStatus
	if detail == "" || strings.HasPrefix(detail, "Back-off pulling image") {
		// The back-off message only names the image; the puller's
		// error is in the pod's Failed events.
		if msg, ok := pullEventMessage(c.v); ok {
			detail, source = msg, whv1.EvidenceFromEvent
		}
	}
	return hintItem{code: whv1.HintImagePullFailed,
		message:  "image " + quote(image) + " of " + c.who() + " cannot be pulled: " + imagePullDiagnosis(wait.Reason, detail),
		evidence: detail, source: source}, true
}

// hintContainerConfig: a container that cannot be created for a missing
// ConfigMap, Secret or key.
func hintContainerConfig(c containerFacts) (hintItem, bool) {
	wait := c.cs.State.Waiting
	if wait == nil || wait.Reason != "CreateContainerConfigError" {
		return hintItem{}, false
	}
	return configHint(wait.Message, c.who(), whv1.EvidenceFromStatus), true
}

// hintOOMKilled: the current or previous run was killed for memory, with
// the container's limit.
func hintOOMKilled(c containerFacts) (hintItem, bool) {
	for _, t := range [...]*corev1.ContainerStateTerminated{c.cs.State.Terminated, c.cs.LastTerminationState.Terminated} {
		if t == nil || t.Reason != "OOMKilled" {
			continue
		}
		who := c.who()
		msg := who + " was killed for using more memory than allowed: raise its memory limit or fix the leak"
		if c.spec != nil {
			if q, ok := c.spec.Resources.Limits[corev1.ResourceMemory]; ok {
				msg = who + " was killed for using more memory than its limit of " + q.String() + ": raise the limit or fix the leak"
			} else {
				msg = who + " was OOM-killed without a memory limit, so its node ran out of memory: set memory requests and limits"
			}
		}
		return hintItem{code: whv1.HintOOMKilled, message: msg, evidence: t.Message, source: whv1.EvidenceFromTerminationMessage}, true
	}
	return hintItem{}, false
}

// frequentRestarts are the thresholds of the FrequentRestarts hint:
// design.md's "≥ 5 restarts within an hour", read from object state as
// at least five restarts, the last one within the hour, averaging at
// least five an hour since the pod started.
const (
	frequentRestartsMin    = 5
	frequentRestartsWithin = time.Hour
)

// hintFrequentRestarts: a ready container of a steady pod (healthy, or
// ready again inside its flap window) that restarted at least five times,
// the last time within the hour, at an average of at least five an hour
// since the pod started. Both conditions end at a known moment, the
// finding's until, which the requeue takes into account.
func hintFrequentRestarts(c containerFacts) (hintItem, bool) {
	v, cs := c.v, c.cs
	if !v.steady() || !v.ready || cs.RestartCount < frequentRestartsMin {
		return hintItem{}, false
	}
	last := lastTermination(cs)
	start := v.pod.CreationTimestamp.Time
	if v.pod.Status.StartTime != nil && !v.pod.Status.StartTime.IsZero() {
		start = v.pod.Status.StartTime.Time
	}
	if last.IsZero() || start.IsZero() {
		return hintItem{}, false
	}
	recentUntil := last.Add(frequentRestartsWithin)
	rateUntil := start.Add(time.Duration(cs.RestartCount) * frequentRestartsWithin / frequentRestartsMin)
	until := earliest(recentUntil, rateUntil)
	if !c.now.Before(until) {
		return hintItem{}, false
	}
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
	return hintItem{code: whv1.HintFrequentRestarts, severity: whv1.SeverityWarning, message: msg, evidence: ev,
		source: whv1.EvidenceFromTerminationMessage, until: until}, true
}

// pullEventMessage is the registry's error from the pod's latest Failed
// pull event.
func pullEventMessage(v *podVerdict) (string, bool) {
	for _, e := range v.events {
		if e.Reason == "Failed" && strings.Contains(e.Message, "ull image") {
			return e.Message, true
		}
	}
	return "", false
}

func configHint(msg, who string, source whv1.EvidenceSource) hintItem {
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
	return hintItem{code: whv1.HintConfigMissing, message: text, evidence: msg, source: source}
}

// hintProbeFailed: a Warning Unhealthy event of a readiness, liveness or
// startup probe, with what its message says about the cause.
func hintProbeFailed(_ *podVerdict, e *corev1.Event) (hintItem, bool) {
	if e.Reason != "Unhealthy" {
		return hintItem{}, false
	}
	kind, ok := probeKind(e.Message)
	if !ok {
		return hintItem{}, false
	}
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
	if d := probeDiagnosis(e.Message); d != "" {
		text += ": " + d
	}
	return hintItem{code: code, message: text, evidence: e.Message, source: whv1.EvidenceFromEvent}, true
}

// hintFailedScheduling: the scheduler's event about a pod it has not
// placed yet.
func hintFailedScheduling(v *podVerdict, e *corev1.Event) (hintItem, bool) {
	if e.Reason != "FailedScheduling" || v.pod.Spec.NodeName != "" {
		return hintItem{}, false
	}
	return unschedulableHint(e.Message, whv1.EvidenceFromEvent), true
}

// hintFailedMount: a volume that cannot be attached or mounted; a missing
// ConfigMap or Secret volume is ConfigMissing.
func hintFailedMount(_ *podVerdict, e *corev1.Event) (hintItem, bool) {
	if e.Reason != "FailedMount" && e.Reason != "FailedAttachVolume" {
		return hintItem{}, false
	}
	msg := e.Message
	if _, _, _, ok := missingConfig(msg); ok {
		return configHint(msg, "", whv1.EvidenceFromEvent), true
	}
	text := "a volume of the pod cannot be attached or mounted"
	if vol := volumeName(msg); vol != "" {
		text = "volume " + quote(vol) + " cannot be attached or mounted"
	}
	return hintItem{code: whv1.HintVolumeMountFailed,
		message:  text + ": check the PersistentVolumeClaim, the storage driver and the node",
		evidence: msg, source: whv1.EvidenceFromEvent}, true
}

// hintSandboxFailed: the runtime cannot create the pod's sandbox.
func hintSandboxFailed(_ *podVerdict, e *corev1.Event) (hintItem, bool) {
	if e.Reason != "FailedCreatePodSandBox" {
		return hintItem{}, false
	}
	return hintItem{code: whv1.HintSandboxFailed,
		message:  "the container runtime cannot create the pod's sandbox, usually a CNI (network plugin) or runtime problem on the node; see the evidence",
		evidence: e.Message, source: whv1.EvidenceFromEvent}, true
}

// hintFailedConfig: the kubelet's Failed event about a missing ConfigMap
// or Secret.
func hintFailedConfig(_ *podVerdict, e *corev1.Event) (hintItem, bool) {
	if e.Reason != "Failed" {
		return hintItem{}, false
	}
	if _, _, _, ok := missingConfig(e.Message); !ok {
		return hintItem{}, false
	}
	return configHint(e.Message, "", whv1.EvidenceFromEvent), true
}

// textFacts is one text the text rules read: a termination message, a
// waiting container's message or a Warning event's message, and later a
// line of a previous log.
type textFacts struct {
	v      *podVerdict
	text   string
	source whv1.EvidenceSource
	// probe: the text is a failed probe's (an Unhealthy event); a refused
	// connection to the pod's own address is then the probe's, not a
	// dependency's.
	probe bool
}

// textHintRule finds a hint in one text; its evidence is the one line it
// matched.
type textHintRule func(t textFacts) (hintItem, bool)

func textHintRules() [8]textHintRule {
	return [...]textHintRule{
		hintDNSFailure,
		hintDependencyUnreachable,
		hintTLSFailure,
		hintCredentialsRejected,
		hintConfigMissingText,
		hintPermissionDenied,
		hintAppOutOfMemory,
		hintAppPanic,
	}
}

// lineHint is a text rule's finding: evidence is the line at index at.
func lineHint(code whv1.HintCode, msg string, t textFacts, at int) hintItem {
	return hintItem{code: code, message: msg, evidence: lineAround(t.text, at), source: t.source}
}

// hintDNSFailure: a name that does not resolve.
func hintDNSFailure(t textFacts) (hintItem, bool) {
	name, at, ok := dnsFailure(t.text)
	if !ok {
		return hintItem{}, false
	}
	msg := "a DNS lookup fails: check that the Service exists and that cluster DNS works"
	if name != "" {
		msg = "cannot resolve " + quote(name) + ": check that the Service exists (in the namespace the name says) and that cluster DNS works"
	}
	return lineHint(whv1.HintDNSFailure, msg, t, at), true
}

// hintDependencyUnreachable: a refused or timed-out connection to an
// address other than the pod's own probe. A text that says a lookup
// failed is a DNS failure only.
func hintDependencyUnreachable(t textFacts) (hintItem, bool) {
	if _, _, ok := dnsFailure(t.text); ok {
		return hintItem{}, false
	}
	addr, what, at, ok := dependencyFailure(t.text)
	if !ok {
		return hintItem{}, false
	}
	// A probe goes to the pod's own address unless it names a host; when
	// the pod's address is not known, assume it does not.
	p := t.v.pod
	if t.probe && (addr == "" || !probeNamesHost(p) || ownAddress(p, addrHost(addr)) ||
		(p.Status.PodIP == "" && len(p.Status.PodIPs) == 0)) {
		return hintItem{}, false
	}
	target := "a dependency"
	if addr != "" {
		target = addr
	}
	return lineHint(whv1.HintDependencyUnreachable,
		"cannot connect to "+target+" ("+what+"): check the pods and the Service of that dependency", t, at), true
}

// hintTLSFailure: a TLS handshake or certificate check that failed.
func hintTLSFailure(t textFacts) (hintItem, bool) {
	at, ok := tlsFailure(t.text)
	if !ok {
		return hintItem{}, false
	}
	return lineHint(whv1.HintTLSFailure,
		"a TLS connection fails: check the CA bundle the app trusts, the server certificate's expiry and names, and that both sides speak TLS", t, at), true
}

// hintCredentialsRejected: a dependency that refuses the credentials.
func hintCredentialsRejected(t textFacts) (hintItem, bool) {
	user, at, ok := credentialsRejected(t.text)
	if !ok {
		return hintItem{}, false
	}
	msg := "a dependency rejects the app's credentials: check the Secret the app reads them from against the dependency's users"
	if user != "" {
		msg = "a dependency rejects the credentials of user " + quote(user) + ": check the Secret the app reads them from against the dependency's users"
	}
	return lineHint(whv1.HintCredentialsRejected, msg, t, at), true
}

// hintConfigMissingText: the app says a required environment variable
// or configuration file is missing.
func hintConfigMissingText(t textFacts) (hintItem, bool) {
	kind, name, at, ok := configMissing(t.text)
	if !ok {
		return hintItem{}, false
	}
	var msg string
	switch {
	case kind == missingConfigFile:
		msg = "file " + quote(name) + " does not exist: check the volume that should provide it (ConfigMap, Secret, mountPath, subPath)"
	case name != "":
		msg = "environment variable " + quote(name) + " is not set: check the container's env and envFrom, and the ConfigMap or Secret they read"
	default:
		msg = "a required environment variable is not set: check the container's env and envFrom"
	}
	return lineHint(whv1.HintConfigMissing, msg, t, at), true
}

// hintPermissionDenied: a file or volume the process may not use.
func hintPermissionDenied(t textFacts) (hintItem, bool) {
	path, at, ok := permissionDenied(t.text)
	if !ok {
		return hintItem{}, false
	}
	what := "a file or volume"
	if path != "" {
		what = quote(path)
	}
	return lineHint(whv1.HintPermissionDenied,
		"the process may not use "+what+": check the pod's securityContext (runAsUser, fsGroup, readOnlyRootFilesystem) against the volume's owner and mode", t, at), true
}

// hintAppOutOfMemory: the runtime ran out of its own memory, before or
// without the kernel's OOM killer.
func hintAppOutOfMemory(t textFacts) (hintItem, bool) {
	at, ok := appOutOfMemory(t.text)
	if !ok {
		return hintItem{}, false
	}
	return lineHint(whv1.HintAppOutOfMemory,
		"the runtime ran out of memory: raise its heap limit (-Xmx, --max-old-space-size, GOMEMLIMIT) within the container's memory limit, or fix the leak", t, at), true
}

// hintAppPanic: a panic or an uncaught exception; the evidence is the
// first line of its trace.
func hintAppPanic(t textFacts) (hintItem, bool) {
	at, ok := appPanic(t.text)
	if !ok {
		return hintItem{}, false
	}
	return lineHint(whv1.HintAppPanic, "the process died of a panic or an uncaught exception: see the evidence and the stack in its previous log", t, at), true
}
