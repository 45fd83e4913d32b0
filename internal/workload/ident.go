package workload

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupKindOf is the group kind an apiVersion and kind name. Identity is
// by group, kind, namespace and name: two kinds of one name in different
// groups are different kinds, whatever their versions. An empty apiVersion
// (some events' involvedObject) names the built-in kind of that name if
// there is one. An apiVersion that does not parse is kept whole as the
// group, so it matches no built-in kind.
func GroupKindOf(apiVersion, kind string) schema.GroupKind {
	if apiVersion == "" {
		for _, k := range kinds {
			if k.GroupKind.Kind == kind {
				return k.GroupKind
			}
		}
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return schema.GroupKind{Group: apiVersion, Kind: kind}
	}
	return schema.GroupKind{Group: gv.Group, Kind: kind}
}
