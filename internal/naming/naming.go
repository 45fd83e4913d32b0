package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

const (
	// MaxNameLength is the longest object name (a DNS subdomain).
	MaxNameLength = 253
	// MaxLabelValueLength is the longest label value.
	MaxLabelValueLength = 63
	// hashLength is how many hex digits of the hash end a shortened value.
	hashLength = 10
)

// Name is the name of the WorkloadHealth of the target gk/name:
// `<lower-case kind>-<name>` for the built-in kinds (names that never
// change across upgrades), `<lower-case kind>.<group>-<name>` for any other
// kind, so that two kinds of one name in different groups never share an
// object. Shortened as Shorten does to 253 characters.
func Name(gk schema.GroupKind, name string) string {
	return Shorten(prefix(gk)+"-"+name, gk, name, MaxNameLength)
}

// ForRef is the name of the WorkloadHealth of the referenced target.
func ForRef(ref whv1.TargetReference) string {
	return Name(workload.GroupKindOf(ref.APIVersion, ref.Kind), ref.Name)
}

// prefix is what a WorkloadHealth name starts with for kind gk.
func prefix(gk schema.GroupKind) string {
	p := strings.ToLower(gk.Kind)
	if namesGroup(gk) {
		p += "." + strings.ToLower(gk.Group)
	}
	return p
}

// namesGroup says whether names of gk carry its group: every kind's but
// the built-in ones', whose names predate groups, and the core group's.
func namesGroup(gk schema.GroupKind) bool {
	return gk.Group != "" && !workload.IsBuiltIn(gk)
}

// LabelValue is the value of the target-name label: the name itself, or
// shortened as Shorten does to 63 characters.
func LabelValue(gk schema.GroupKind, name string) string {
	return Shorten(name, gk, name, MaxLabelValueLength)
}

// Labels are the labels of the WorkloadHealth of the target gk/name: its
// lower-case kind, its group (empty for the core group) and its name.
func Labels(gk schema.GroupKind, name string) map[string]string {
	return map[string]string{
		whv1.LabelTargetKind:  Shorten(strings.ToLower(gk.Kind), gk, name, MaxLabelValueLength),
		whv1.LabelTargetGroup: Shorten(gk.Group, gk, name, MaxLabelValueLength),
		whv1.LabelTargetName:  LabelValue(gk, name),
	}
}

// Shorten returns s when it fits in max characters; otherwise its start,
// without a trailing '-' or '.' (a DNS label cannot end with one), then '-'
// and the first 10 hex digits of sha256 of the target's identity, max
// characters in all. The hash keeps two long names that share their start
// apart. For the built-in kinds the identity is "Kind/name", as before
// groups were part of it, so that no existing object is renamed.
func Shorten(s string, gk schema.GroupKind, name string, max int) string {
	if len(s) <= max {
		return s
	}
	id := gk.Kind + "/" + name
	if namesGroup(gk) {
		id = gk.Kind + "." + gk.Group + "/" + name
	}
	sum := sha256.Sum256([]byte(id))
	suffix := "-" + hex.EncodeToString(sum[:])[:hashLength]
	prefix := strings.TrimRight(s[:max-len(suffix)], "-.")
	return prefix + suffix
}
