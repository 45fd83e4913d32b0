package inventory

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// listPageSize is the page of each list, as kubectl's chunked lists use.
const listPageSize = 500

// List fills an inventory from a cluster's lists: the pods, the Warning
// events and the objects of every built-in kind of internal/workload in
// namespace ("" for all namespaces), what a dump of
// `kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -o json` holds.
// The plugin's live mode then groups and assesses it as it does a dump.
//
// Pods are required: an error listing them is returned. A kind the user may
// not list (Forbidden) is skipped and said in skipped, so that a user
// allowed to read pods but not CronJobs still sees their pods' health.
func List(ctx context.Context, c client.Reader, namespace string) (inv *Inventory, skipped []error, err error) {
	inv = New()
	for _, k := range workload.BuiltIn() {
		err := listAll(ctx, c, namespace, func() (client.ObjectList, func()) {
			list, items := k.NewList()
			return list, func() {
				for _, o := range items() {
					inv.Add(o)
				}
			}
		})
		switch {
		case err == nil:
		case (apierrors.IsForbidden(err) || apierrors.IsNotFound(err) || meta.IsNoMatchError(err)) && k.GroupKind != workload.Pod:
			// Not allowed, or not served by this cluster: judged without it.
			skipped = append(skipped, fmt.Errorf("%s not read: %w", resourceName(k), err))
		default:
			return nil, nil, fmt.Errorf("list %s: %w", resourceName(k), err)
		}
	}
	// Only Warning events enter the engine, as only they enter the
	// controller's cache: the server filters them.
	err = listAll(ctx, c, namespace, func() (client.ObjectList, func()) {
		events := &corev1.EventList{}
		return events, func() {
			for i := range events.Items {
				inv.Add(&events.Items[i])
			}
		}
	}, client.MatchingFields{"type": corev1.EventTypeWarning})
	switch {
	case err == nil:
	case apierrors.IsForbidden(err):
		skipped = append(skipped, fmt.Errorf("events not read: %w", err))
	default:
		return nil, nil, fmt.Errorf("list events: %w", err)
	}
	return inv, skipped, nil
}

// resourceName is the kind's resource as kubectl names it: pods,
// deployments.apps.
func resourceName(k *workload.Kind) string {
	if k.GroupKind.Group == "" {
		return k.Resource
	}
	return k.Resource + "." + k.GroupKind.Group
}

// listAll lists page after page, each into a fresh list from page (the
// inventory keeps pointers into the previous pages), and calls the
// function page returned with it once the page is read.
//
// A continue token expires when etcd compacts past it (a long list of a
// busy cluster); the list then starts again, whole, as client-go's pager
// does with FullListIfExpired (the inventory replaces what it read twice).
func listAll(ctx context.Context, c client.Reader, namespace string, page func() (client.ObjectList, func()), opts ...client.ListOption) error {
	cont, limit := "", int64(listPageSize)
	for {
		list, read := page()
		o := append([]client.ListOption{client.InNamespace(namespace), client.Limit(limit), client.Continue(cont)}, opts...)
		if err := c.List(ctx, list, o...); err != nil {
			if apierrors.IsResourceExpired(err) && cont != "" {
				cont, limit = "", 0
				continue
			}
			return err
		}
		read()
		cont = list.GetContinue()
		if cont == "" {
			return nil
		}
	}
}
