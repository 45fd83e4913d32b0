package health

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "hello", 5, "hello"},
		{"empty", "", 10, ""},
		{"ascii cut", "hello world", 8, "hello…"},
		{"rune boundary", "aaaaééé", 8, "aaaa…"}, // cutting at 5 would split the first é
		{"invalid replaced", "a\xffb", 10, "a\uFFFDb"},
		{"invalid run replaced once", "a\xff\xfe\xfdb", 10, "a\uFFFDb"},
		{"tiny bound has no room for a marker", "abcdef", 3, "abc"},
		{"tiny bound on a rune", "éé", 3, "é"},
		{"zero", "abc", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cut(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("cut(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if len(got) > tc.max || !utf8.ValidString(got) {
				t.Errorf("cut(%q, %d) = %q: %d bytes, valid %v", tc.in, tc.max, got, len(got), utf8.ValidString(got))
			}
		})
	}
}

func TestCutMiddle(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "hello", 5, "hello"},
		{"middle removed", "failed to pull: failed to resolve: 401 Unauthorized", 24, "failed to …nauthorized"},
		{"rune boundaries", "ééééé-ééééé", 13, "éé…ééé"},
		{"invalid replaced", "a\xffb", 10, "a\uFFFDb"},
		{"small bound cuts the end", "abcdefghijkl", 8, "abcde…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cutMiddle(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("cutMiddle(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if len(got) > tc.max || !utf8.ValidString(got) {
				t.Errorf("cutMiddle(%q, %d) = %q: %d bytes, valid %v", tc.in, tc.max, got, len(got), utf8.ValidString(got))
			}
		})
	}
}

func TestCutDoesNotAllocateWhenItFits(t *testing.T) {
	s := strings.Repeat("x", 100)
	if n := testing.AllocsPerRun(100, func() { _ = cut(s, 1024) }); n != 0 {
		t.Errorf("cut allocates %v times for a string that fits", n)
	}
}

func TestLineAround(t *testing.T) {
	s := "first line\n  second: no such host  \nthird"
	if got := lineAround(s, strings.Index(s, "no such")); got != "second: no such host" {
		t.Errorf("lineAround = %q", got)
	}
}

func TestRatio(t *testing.T) {
	for a := -1; a < 12; a++ {
		for b := -1; b < 12; b++ {
			if got, want := ratio(a, b), strconv.Itoa(a)+"/"+strconv.Itoa(b); got != want {
				t.Fatalf("ratio(%d, %d) = %q, want %q", a, b, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = ratio(3, 4) }); n != 0 {
		t.Errorf("ratio of small numbers allocates %v times", n)
	}
}
