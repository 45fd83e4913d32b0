package health

import (
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// CustomOwner is what a custom target (a kind the registry does not know:
// an Argo Rollout, a Knative Revision, a CloneSet, …) says of itself,
// read the way kstatus reads any object: generation against
// observedGeneration, and the standard condition types. Nothing in it is
// specific to one kind.
type CustomOwner struct {
	// Kind names the owner in messages ("Rollout").
	Kind string
	// Generation is metadata.generation; ObservedGeneration is
	// status.observedGeneration, -1 when the status has none.
	Generation, ObservedGeneration int64
	// Conditions are status.conditions, as far as they parse.
	Conditions []metav1.Condition
	// Unread says why the owner's own object could not be read (the
	// manager's role does not allow it); empty when it was read. The
	// target is then judged from its pods and ReplicaSets alone.
	Unread string
}

// ReadCustomOwner reads the kstatus fields of any object. Fields of the
// wrong type are ignored: a malformed status is no status.
func ReadCustomOwner(u *unstructured.Unstructured) *CustomOwner {
	o := &CustomOwner{Kind: u.GetKind(), Generation: u.GetGeneration(), ObservedGeneration: -1}
	if g, found, err := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); found && err == nil {
		o.ObservedGeneration = g
	}
	// NoCopy: the conditions are only read here.
	field, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "conditions")
	conds, _ := field.([]any)
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		typ, _ := m["type"].(string)
		status, _ := m["status"].(string)
		if typ == "" || status == "" {
			continue
		}
		reason, _ := m["reason"].(string)
		message, _ := m["message"].(string)
		o.Conditions = append(o.Conditions, metav1.Condition{
			Type: typ, Status: metav1.ConditionStatus(status), Reason: reason, Message: message,
		})
	}
	return o
}

// ownerFinding is what a custom owner's own status says, as the engine
// combines it with its pods.
type ownerFinding struct {
	health  whv1.HealthStatus
	reason  string
	message string
	hint    *hintItem
}

// Condition types read from custom owners, besides Ready, Reconciling and
// Stalled (kstatus): the ones Deployments, Argo Rollouts and many
// operators write.
const (
	condAvailable   = "Available"
	condProgressing = "Progressing"
	condDegraded    = "Degraded"
)

// ownerStatusRules are the kstatus rules in their order: a failure the
// owner reports first, then a status that is not about the latest spec,
// then an owner still at work. The first that applies is the finding.
var ownerStatusRules = []func(o *CustomOwner) *ownerFinding{
	ownerStalled,
	ownerDeadlineExceeded,
	ownerNotObserved,
	ownerNotReady,
}

// judgeOwner returns the finding of the first rule that applies; nil when
// the owner's status says nothing against its pods.
func judgeOwner(o *CustomOwner) *ownerFinding {
	if o == nil || o.Unread != "" {
		return nil
	}
	for _, rule := range ownerStatusRules {
		if f := rule(o); f != nil {
			return f
		}
	}
	return nil
}

// ownerStalled: Stalled=True (kstatus) or Degraded=True (a common
// operator convention) means the owner's controller gave up.
func ownerStalled(o *CustomOwner) *ownerFinding {
	for _, typ := range []string{whv1.ConditionStalled, condDegraded} {
		if c := o.condition(typ); c != nil && c.Status == metav1.ConditionTrue {
			msg := o.Kind + " reports " + typ + ": " + nonEmpty(c.Message, nonEmpty(c.Reason, "True"))
			return &ownerFinding{health: whv1.HealthDegraded, reason: nonEmpty(c.Reason, typ), message: msg,
				hint: &hintItem{code: whv1.HintOwnerDegraded, severity: whv1.SeverityCritical, message: msg, evidence: c.Message}}
		}
	}
	return nil
}

// ownerDeadlineExceeded: Progressing with reason ProgressDeadlineExceeded,
// as a Deployment and an Argo Rollout say a rollout is stuck.
func ownerDeadlineExceeded(o *CustomOwner) *ownerFinding {
	c := o.condition(condProgressing)
	if c == nil || c.Reason != reasonProgressDeadlineExceeded {
		return nil
	}
	msg := o.Kind + " exceeded its progress deadline"
	if c.Message != "" {
		msg += ": " + c.Message
	}
	return &ownerFinding{health: whv1.HealthDegraded, reason: reasonProgressDeadlineExceeded, message: msg,
		hint: &hintItem{code: whv1.HintRolloutStuck, message: msg, evidence: c.Message}}
}

// ownerNotObserved: a status written for an older spec says nothing about
// the latest one.
func ownerNotObserved(o *CustomOwner) *ownerFinding {
	if o.ObservedGeneration < 0 || o.ObservedGeneration >= o.Generation {
		return nil
	}
	return &ownerFinding{health: whv1.HealthProgressing, reason: whv1.ReasonProgressing,
		message: "waiting for the " + o.Kind + " controller to observe the latest spec (generation " +
			strconv.FormatInt(o.Generation, 10) + ", observed " + strconv.FormatInt(o.ObservedGeneration, 10) + ")"}
}

// ownerNotReady: Reconciling=True, or Ready or Available False: the owner
// is still at work, whatever its pods say.
func ownerNotReady(o *CustomOwner) *ownerFinding {
	for _, want := range []struct {
		typ    string
		status metav1.ConditionStatus
	}{{whv1.ConditionReconciling, metav1.ConditionTrue}, {whv1.ConditionReady, metav1.ConditionFalse}, {condAvailable, metav1.ConditionFalse}} {
		if c := o.condition(want.typ); c != nil && c.Status == want.status {
			return &ownerFinding{health: whv1.HealthProgressing, reason: nonEmpty(c.Reason, whv1.ReasonProgressing),
				message: o.Kind + " reports " + want.typ + "=" + string(c.Status) + ": " + nonEmpty(c.Message, nonEmpty(c.Reason, "no message"))}
		}
	}
	return nil
}

func (o *CustomOwner) condition(typ string) *metav1.Condition {
	for i := range o.Conditions {
		if o.Conditions[i].Type == typ {
			return &o.Conditions[i]
		}
	}
	return nil
}

// withOwner combines the verdict from a custom target's pods and
// ReplicaSets with what its own status says: the worse of the two wins,
// and the owner's hint is kept either way. An owner the manager could not
// read gets a hint saying so.
func (t *targetVerdict) withOwner(o *CustomOwner) {
	if o == nil {
		return
	}
	if o.Unread != "" {
		t.hints = append(t.hints, hintItem{code: whv1.HintOwnerStatusUnreadable, severity: whv1.SeverityInfo,
			message:  "could not read the " + o.Kind + " itself, so it is judged from its pods only: " + o.Unread,
			evidence: o.Unread})
		return
	}
	f := judgeOwner(o)
	if f == nil {
		return
	}
	if f.hint != nil {
		t.hints = append(t.hints, *f.hint)
	}
	if healthRank(f.health) < healthRank(t.health) {
		t.health, t.reason, t.message, t.fromPods = f.health, f.reason, f.message, false
	}
}
