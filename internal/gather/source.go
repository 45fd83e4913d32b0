package gather

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
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
	// CustomOwner reads the object of a custom target (a kind the
	// registry does not know) for its own status. It returns nil and no
	// error when the object is not at hand: it does not exist, its kind
	// is not served, or it has not been read yet. It returns an
	// *UnreadableError when reading it is not allowed; any other error
	// fails the gathering.
	CustomOwner(ctx context.Context, ref whv1.TargetReference, namespace string) (*unstructured.Unstructured, error)
}

// UnreadableError says a custom owner may not be read, and why; the
// target is judged without it, and its status says so.
type UnreadableError struct {
	// Reason is one line for the status: what could not be read and what
	// permission it needs.
	Reason string
}

func (e *UnreadableError) Error() string { return e.Reason }
