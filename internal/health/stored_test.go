package health_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// secretInput is a crash-looping pod whose termination message and
// Warning event carry credentials, as a failing client prints them.
func secretInput(termination, eventMsg string) health.Input {
	p := Pod("api-1", CrashLoopingWith(4, termination))
	return health.Input{
		Target: whv1.TargetReference{APIVersion: "v1", Kind: "Pod", Name: p.Name},
		Pods:   []*corev1.Pod{p},
		Events: []*corev1.Event{{
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: p.Name, Namespace: p.Namespace},
			Type:           corev1.EventTypeWarning, Reason: "Unhealthy", Message: eventMsg,
		}},
		Now:     T0,
		Windows: health.DefaultWindows(),
	}
}

// TestStoredTextsAreRedacted: no secret of the cluster's texts reaches the
// status, wherever the text is stored (a hint's evidence and message, a
// container's last termination message, the last event), and the result
// counts what was removed.
func TestStoredTextsAreRedacted(t *testing.T) {
	const (
		pgPassword = "Pg-Secret-42"
		token      = "tok_3f9a8b7c6d5e4f3a2b1c"
	)
	// libpq's "connection to server at ... failed" with the DSN the app logged before it.
	termination := "connecting to postgres://orders:" + pgPassword + "@orders-db:5432/orders\n" +
		"psql: error: connection to server at \"orders-db\" (10.96.0.5), port 5432 failed: Connection refused"
	// A probe with a header carrying a token, as an exec probe's curl prints it.
	eventMsg := `Liveness probe failed: curl -H "Authorization: Bearer ` + token + `" http://127.0.0.1:8080/healthz: dial tcp: lookup api.internal on 10.96.0.10:53: no such host`
	res := health.Assess(secretInput(termination, eventMsg))
	raw, err := json.Marshal(res.Status)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{pgPassword, token} {
		if strings.Contains(string(raw), s) {
			t.Errorf("the status holds %q:\n%s", s, raw)
		}
	}
	if got := res.Status.Pods[0].Containers[0].LastTerminationMessage; !strings.Contains(got, "postgres://orders:[REDACTED]@orders-db") {
		t.Errorf("lastTerminationMessage %q, want the DSN with its password redacted", got)
	}
	if got := res.Status.LastEvent.Message; !strings.Contains(got, "Bearer [REDACTED]") {
		t.Errorf("lastEvent.message %q, want the token redacted", got)
	}
	// Redacted: the termination message, the last event, and the
	// evidence of the DNS and liveness hints (the event's line); not the
	// crash loop's evidence, whose one line is the refused connection,
	// without the DSN.
	if res.Redactions != 4 {
		t.Errorf("%d redactions, want 4 (termination message, last event, DNS and liveness evidence)", res.Redactions)
	}
}

// TestHintEvidenceIsOneLineWithItsSource: the evidence is the one line a
// rule matched, at most 256 bytes of valid UTF-8, and says where it was
// read.
func TestHintEvidenceIsOneLineWithItsSource(t *testing.T) {
	long := strings.Repeat("é", 300)
	termination := "starting orders v1.4.2\nloaded " + long + "\npanic: dial tcp: lookup orders-db on 10.96.0.10:53: no such host " + long + "\n\ngoroutine 1 [running]:\nmain.main()"
	res := health.Assess(secretInput(termination, "Back-off restarting failed container"))
	want := map[whv1.HintCode]whv1.EvidenceSource{
		whv1.HintDNSFailure:       whv1.EvidenceFromTerminationMessage,
		whv1.HintAppPanic:         whv1.EvidenceFromTerminationMessage,
		whv1.HintCrashLoopBackOff: whv1.EvidenceFromTerminationMessage,
	}
	for code, source := range want {
		var h *whv1.Hint
		for i := range res.Status.Hints {
			if res.Status.Hints[i].Code == code {
				h = &res.Status.Hints[i]
			}
		}
		if h == nil {
			t.Errorf("no %s hint: %+v", code, res.Status.Hints)
			continue
		}
		if h.EvidenceSource != source {
			t.Errorf("%s: evidence source %q, want %q", code, h.EvidenceSource, source)
		}
		if !strings.HasPrefix(h.Evidence, "panic: dial tcp: lookup orders-db") || strings.Contains(h.Evidence, "\n") ||
			len(h.Evidence) > whv1.MaxEvidenceBytes || !utf8.ValidString(h.Evidence) {
			t.Errorf("%s: evidence %q (%d bytes), want the panic's line within %d bytes", code, h.Evidence, len(h.Evidence), whv1.MaxEvidenceBytes)
		}
	}
}

// TestSecretAcrossTheBoundIsNotHalfStored: a secret that straddles the
// 1024-byte bound is redacted before the text is cut, so no part of it is
// stored.
func TestSecretAcrossTheBoundIsNotHalfStored(t *testing.T) {
	const secret = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
	prefix := strings.Repeat("x", whv1.MaxMessageBytes-len("password=")-10)
	res := health.Assess(secretInput(prefix+" password="+secret+" tail", "Back-off restarting failed container"))
	got := res.Status.Pods[0].Containers[0].LastTerminationMessage
	if strings.Contains(got, secret[:8]) || len(got) > whv1.MaxMessageBytes {
		t.Errorf("lastTerminationMessage ends %q (%d bytes): part of the secret is stored", got[len(got)-40:], len(got))
	}
}

// TestRedactionDoesNotChangeAssessmentsWithoutSecrets: texts without a
// secret come out as they went in, and the count stays zero.
func TestRedactionDoesNotChangeAssessmentsWithoutSecrets(t *testing.T) {
	const msg = `FATAL:  password authentication failed for user "orders"`
	res := health.Assess(secretInput(msg, "Back-off restarting failed container"))
	if res.Redactions != 0 {
		t.Errorf("%d redactions in texts without a secret", res.Redactions)
	}
	if got := res.Status.Pods[0].Containers[0].LastTerminationMessage; got != msg {
		t.Errorf("lastTerminationMessage %q, want %q", got, msg)
	}
}
