package health

import (
	"strings"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/redact"
)

// evidenceContext is how much of a long line the evidence keeps before
// what a text rule matched: a wrapped error's context ("dial tcp: lookup
// NAME on 10.96.0.10:53: ") comes before the words that matched ("no
// such host").
const evidenceContext = 160

// evidenceSentinel marks the match in a region while it is redacted, so
// that the window is taken around the match in the redacted text.
const evidenceSentinel = "\uE000\uE001"

// evidenceLine is the one line a hint quotes from a text, trimmed, and
// the offset in it of what a text rule matched: the line a text rule
// matched, else the first line that is not blank (offset -1).
func evidenceLine(s string) (string, int) {
	if len(s) <= whv1.MaxEvidenceBytes && strings.IndexByte(s, '\n') < 0 {
		return strings.TrimSpace(s), -1 // kept whole: where a rule matched does not matter
	}
	if at := firstTextMatch(s); at >= 0 {
		line, off := lineAt(s, at)
		trimmed := strings.TrimLeft(line, " \t")
		rel := at - off - (len(line) - len(trimmed))
		trimmed = strings.TrimRight(trimmed, " \t\r")
		return trimmed, min(max(rel, 0), len(trimmed))
	}
	for _, l := range lines(s) {
		if t := strings.TrimSpace(l.text); t != "" {
			return t, -1
		}
	}
	return "", -1
}

// storedEvidence is a hint's evidence as it is kept: one line, redacted,
// at most MaxEvidenceBytes of valid UTF-8. A longer line is cut around
// what a text rule matched in it; a line no rule matched keeps its start
// and its end (the chain of a wrapped error ends with its cause, a Java
// exception starts with it). Only a region of the line around what is
// kept is read for secrets. n counts the secrets removed.
func storedEvidence(s string, n *int) string {
	line, at := evidenceLine(s)
	if at < 0 {
		line, k := redact.String(cutMiddle(line, 2*redactMargin))
		*n += k
		return cutMiddle(line, whv1.MaxEvidenceBytes)
	}
	start, end := max(0, at-redactMargin), min(len(line), at+redactMargin)
	before, after := strings.ToValidUTF8(line[start:at], "\uFFFD"), strings.ToValidUTF8(line[at:end], "\uFFFD")
	region, k := redact.String(before + evidenceSentinel + after)
	*n += k
	i := strings.Index(region, evidenceSentinel)
	if i < 0 { // the match was inside a secret, redacted with it
		return cutMiddle(region, whv1.MaxEvidenceBytes)
	}
	region = region[:i] + region[i+len(evidenceSentinel):]
	return window(region, i, whv1.MaxEvidenceBytes, start > 0, end < len(line))
}

// window is at most max bytes of the valid UTF-8 s around index at: up to
// evidenceContext bytes before it, the rest after; cutMarker marks each
// side that was cut, here or before (cutBefore, cutAfter).
func window(s string, at, max int, cutBefore, cutAfter bool) string {
	if len(s) <= max && !cutBefore && !cutAfter {
		return s
	}
	room := max - 2*len(cutMarker)
	from := at - min(at, evidenceContext)
	to := min(len(s), from+room)
	from = runeStart(s, to-min(to, room), +1)
	to = runeStart(s, to, -1)
	out := s[from:to]
	if from > 0 || cutBefore {
		out = cutMarker + out
	}
	if to < len(s) || cutAfter {
		out += cutMarker
	}
	return out
}

// runeStart moves i in direction dir to the nearest rune start of s (or
// its end).
func runeStart(s string, i, dir int) int {
	for i > 0 && i < len(s) && !isRuneStart(s[i]) {
		i += dir
	}
	return i
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
