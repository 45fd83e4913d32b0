package health

import (
	"strings"
	"unicode/utf8"
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
