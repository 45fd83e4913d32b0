package gather

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/owners"
)

// Source is what gathering reads. Names are WorkloadHealth names
// (internal/naming): they carry the group and kind of what they name, so
// two kinds of one name in different groups never meet.
type Source interface {
	// GetObject reads one object of a built-in kind, for the owner walk.
	owners.Getter
	// Named lists the objects of kind gk in namespace whose own
	// WorkloadHealth would be called name: how a request finds its target.
	Named(ctx context.Context, gk schema.GroupKind, namespace, name string) ([]client.Object, error)
	// Controlled lists the objects of kind gk in namespace whose
	// controller owner's WorkloadHealth would be called owner.
	Controlled(ctx context.Context, gk schema.GroupKind, namespace, owner string) ([]client.Object, error)
	// Events lists the Warning events in namespace about the object whose
	// WorkloadHealth would be called about.
	Events(ctx context.Context, namespace, about string) ([]*corev1.Event, error)
}
