package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/metrics"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// ControllerName names the controller in logs, metrics and events.
const ControllerName = "workloadhealth"

// +kubebuilder:rbac:groups="",resources=pods;replicationcontrollers,verbs=get;list;watch
// Namespaces are read for their skip label only.
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=events,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=apps,resources=deployments;replicasets;statefulsets;daemonsets,verbs=get;list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs;cronjobs,verbs=get;list;watch
// WorkloadHealths are written by server-side apply (patch; create when
// the apply makes the object) and deleted when their target is gone.
// +kubebuilder:rbac:groups=health.workloadhealth.io,resources=workloadhealths,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=health.workloadhealth.io,resources=workloadhealths/status,verbs=get;patch
// Leader election's Lease is granted in the manager's own namespace only,
// by config/rbac/leader_election_role.yaml.

// Reconciler keeps one WorkloadHealth per target. Requests are keyed by the
// WorkloadHealth's namespace and name; the target behind a name is found
// through the cache's indexes.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	client.Client
	// APIReader reads owners that the cache does not hold yet (see getter).
	APIReader client.Reader
	// Recorder records an event on a WorkloadHealth when its health changes.
	Recorder recorder.EventRecorder
	// Clock is the time of every assessment and of requeues for windows.
	Clock clock.WithTicker
	// Windows are the engine's time windows.
	Windows health.Windows
	// MaxPods bounds status.pods.
	MaxPods int
	// MaxConcurrentReconciles is how many targets are reconciled at once;
	// zero means controller-runtime's default of one.
	MaxConcurrentReconciles int
	// SkipNameValidation lets tests start more than one manager in a process.
	SkipNameValidation bool
	// Metrics exports every WorkloadHealth's verdict on /metrics; nil
	// exports nothing.
	Metrics *metrics.Recorder
	// WorkloadKinds are kinds that are targets even when something owns
	// them (--workload-kinds).
	WorkloadKinds owners.Kinds
	// CustomOwners reads custom targets' own status; nil judges them
	// from their pods and ReplicaSets only. Give the same one to
	// CacheOptions.
	CustomOwners *CustomOwners

	written records
}

// Reconcile gathers the target of the request, asks the engine, and writes
// what changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)

	stored := &whv1.WorkloadHealth{}
	if err := r.Get(ctx, req.NamespacedName, stored); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("get WorkloadHealth %s: %w", req, err)
		}
		stored = nil
	}

	st, err := gather.Gather(ctx, r.source(), req.NamespacedName)
	if err != nil {
		return ctrl.Result{}, err
	}
	if st == nil || r.skipped(ctx, st) {
		r.forgetMetrics(req.NamespacedName)
		r.written.forget(req.NamespacedName)
		r.CustomOwners.forget(req.NamespacedName)
		return ctrl.Result{}, r.deleteStale(ctx, stored)
	}

	result := health.Assess(st.Input(r.Clock.Now(), r.Windows, r.MaxPods))
	r.countRedactions(result.Redactions)
	v, err := r.written.view(req.NamespacedName, stored, st.Ref)
	if err != nil {
		return ctrl.Result{}, err
	}
	wh, err := r.write(ctx, req.NamespacedName, v, st.Ref, result.Status)
	if err != nil {
		return ctrl.Result{}, err
	}
	if wh == nil {
		if stored != nil {
			r.recordMetrics(stored)
		}
		return ctrl.Result{RequeueAfter: result.RequeueAfter}, nil
	}
	r.recordMetrics(wh)
	if after := healthOf(wh); after != v.health() {
		log.Info("Health changed", "workloadHealth", klog.KObj(wh), "health", after)
		r.recordHealth(wh)
	}
	return ctrl.Result{RequeueAfter: result.RequeueAfter}, nil
}

// SetupWithManager registers the indexes and the watches.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := setupIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	opts := controller.Options{SkipNameValidation: &r.SkipNameValidation, MaxConcurrentReconciles: r.MaxConcurrentReconciles}
	if _, real := r.Clock.(clock.RealClock); !real {
		// Requeues for windows must follow the clock the windows are
		// measured with; the default priority queue only knows real time.
		opts.NewQueue = func(name string, rl workqueue.TypedRateLimiter[reconcile.Request]) workqueue.TypedRateLimitingInterface[reconcile.Request] {
			return workqueue.NewTypedRateLimitingQueueWithConfig(rl, workqueue.TypedRateLimitingQueueConfig[reconcile.Request]{
				Name: name, Clock: r.Clock,
			})
		}
	}

	b := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		WithOptions(opts).
		// Any change to a WorkloadHealth, status included, is reconciled:
		// a user (or another writer) who edits one gets it restored. After
		// our own writes the reconcile finds nothing to change and writes
		// nothing.
		For(&whv1.WorkloadHealth{}, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{}, r.forgetDeleted())).
		Watches(&corev1.Event{}, handler.EnqueueRequestsFromMapFunc(r.mapEvent),
			builder.WithPredicates(ignoreUnchanged()))
	for _, k := range workload.BuiltIn() {
		b = b.Watches(k.New(), handler.EnqueueRequestsFromMapFunc(r.mapObject(k.GroupKind)),
			builder.WithPredicates(ignoreUnchanged()))
	}
	b = b.Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.mapNamespace),
		builder.WithPredicates(skipLabelChanged()))
	if r.CustomOwners != nil {
		events := r.CustomOwners.setup(ctx, mgr.GetCache(), mgr.GetRESTMapper(), r.Clock, mgr.GetLogger().WithName("custom-owners"))
		b = b.WatchesRawSource(source.Channel(events, handler.EnqueueRequestsFromMapFunc(mapCustomOwner)))
	}
	return b.Complete(r)
}

// forgetDeleted drops the record of a WorkloadHealth the cache saw
// deleted, by whomever: its next reconcile must create it again, which a
// record saying it exists would prevent. It filters nothing.
func (r *Reconciler) forgetDeleted() predicate.Predicate {
	return predicate.Funcs{DeleteFunc: func(e event.DeleteEvent) bool {
		r.written.forget(client.ObjectKeyFromObject(e.Object))
		return true
	}}
}

// ignoreUnchanged drops updates of watched objects that leave unchanged
// what the cache keeps of them (see stripUnread): resyncs, and changes to
// labels, annotations or anything else the engine never reads. What the
// engine sees of the object is then the same, and so is its verdict.
func ignoreUnchanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		rv := e.ObjectNew.GetResourceVersion()
		if e.ObjectOld.GetResourceVersion() == rv {
			return false
		}
		old, ok := e.ObjectOld.DeepCopyObject().(client.Object)
		if !ok {
			return true
		}
		old.SetResourceVersion(rv)
		return !equality.Semantic.DeepEqual(old, e.ObjectNew)
	}}
}

var _ reconcile.Reconciler = (*Reconciler)(nil)
