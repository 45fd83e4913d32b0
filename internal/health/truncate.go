package health

import (
	"strings"
	"unicode/utf8"

	"github.com/workloadhealth/workloadhealth/internal/redact"
)

// cutMarker ends a string that was cut, so that readers know text is
// missing.
const cutMarker = "…"

// cut returns s as valid UTF-8 (each run of invalid bytes replaced by
// U+FFFD) of at most max bytes. A longer string is cut on a rune boundary
// and ends with cutMarker. Strings that already fit are returned as they
// are, without allocating.
func cut(s string, max int) string {
	if max <= 0 {
		return ""
	}
	valid := utf8.ValidString(s)
	if valid && len(s) <= max {
		return s
	}
	if !valid {
		s = strings.ToValidUTF8(s, "\uFFFD")
		if len(s) <= max {
			return s
		}
	}
	marker := cutMarker
	if max < 2*len(cutMarker) {
		marker = ""
	}
	n := max - len(marker)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + marker
}

// lineAround returns the line of s that contains the byte at index i,
// trimmed of surrounding space: the evidence a hint quotes from a long,
// multi-line message.
func lineAround(s string, i int) string {
	if i < 0 || i > len(s) {
		return strings.TrimSpace(s)
	}
	start := strings.LastIndexByte(s[:i], '\n') + 1
	end := strings.IndexByte(s[i:], '\n')
	if end < 0 {
		end = len(s)
	} else {
		end += i
	}
	return strings.TrimSpace(s[start:end])
}

// redactMargin is how far past its bound a text is read for secrets
// before it is cut: a secret that starts before the bound ends within
// the margin (a PEM block that does not is redacted to the end of what
// is read), and a hostile megabyte of text costs no more than this.
const redactMargin = 8 << 10

// stored is how every text copied from the cluster is kept: credentials
// redacted first, so that a secret is never half cut into the stored
// text, then cut to max bytes of valid UTF-8. n counts the secrets
// removed.
func stored(s string, max int, n *int) string {
	if len(s) > max+redactMargin {
		s = s[:max+redactMargin]
	}
	s, k := redact.String(s)
	*n += k
	return cut(s, max)
}

// cutMiddle is like cut, but removes the middle of a string that is too
// long: its first and last parts are kept, joined by cutMarker.
func cutMiddle(s string, max int) string {
	s = cut(s, len(s)+len(cutMarker)) // valid UTF-8, not cut
	if len(s) <= max || max < 4*len(cutMarker) {
		return cut(s, max)
	}
	room := max - len(cutMarker)
	head := room / 2
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	tail := len(s) - (room - head)
	for tail < len(s) && !utf8.RuneStart(s[tail]) {
		tail++
	}
	return s[:head] + cutMarker + s[tail:]
}
