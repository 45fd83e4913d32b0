package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

const (
	// MaxNameLength is the longest object name (a DNS subdomain).
	MaxNameLength = 253
	// MaxLabelValueLength is the longest label value.
	MaxLabelValueLength = 63
	// hashLength is how many hex digits of the hash end a shortened value.
	hashLength = 10
)

// Name is the name of the WorkloadHealth of the target kind/name:
// `<lower-case kind>-<name>`, shortened as Shorten does to 253 characters.
func Name(kind, name string) string {
	return Shorten(strings.ToLower(kind)+"-"+name, kind, name, MaxNameLength)
}

// LabelValue is the value of the target-name label: the name itself, or
// shortened as Shorten does to 63 characters.
func LabelValue(kind, name string) string {
	return Shorten(name, kind, name, MaxLabelValueLength)
}

// Labels are the labels of the WorkloadHealth of the target kind/name.
func Labels(kind, name string) map[string]string {
	return map[string]string{
		whv1.LabelTargetKind: Shorten(strings.ToLower(kind), kind, name, MaxLabelValueLength),
		whv1.LabelTargetName: LabelValue(kind, name),
	}
}

// Shorten returns s when it fits in max characters; otherwise its start,
// without a trailing '-' or '.' (a DNS label cannot end with one), then '-'
// and the first 10 hex digits of sha256("kind/name"), max characters in all.
// The hash keeps two long names that share their start apart.
func Shorten(s, kind, name string, max int) string {
	if len(s) <= max {
		return s
	}
	sum := sha256.Sum256([]byte(kind + "/" + name))
	suffix := "-" + hex.EncodeToString(sum[:])[:hashLength]
	prefix := strings.TrimRight(s[:max-len(suffix)], "-.")
	return prefix + suffix
}
