package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
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

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/metrics"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// ControllerName names the controller in logs, metrics and events.
const ControllerName = "workloadhealth"

// +kubebuilder:rbac:groups="",resources=pods;replicationcontrollers,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=events,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=apps,resources=deployments;replicasets;statefulsets;daemonsets,verbs=get;list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs;cronjobs,verbs=get;list;watch
// +kubebuilder:rbac:groups=health.workloadhealth.io,resources=workloadhealths,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=health.workloadhealth.io,resources=workloadhealths/status,verbs=get;update;patch
// Leader election reads, takes and renews (or releases) its Lease with
// get, create and update only (client-go's LeaseLock).
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;update

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

	own ownWrites
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
	} else if r.own.behind(req.NamespacedName, stored.ResourceVersion) {
		log.V(1).Info("Cache behind our own write; its event reconciles again", "resourceVersion", stored.ResourceVersion)
		return ctrl.Result{}, nil
	}

	st, err := gather.Gather(ctx, r.source(), req.NamespacedName)
	if err != nil {
		return ctrl.Result{}, err
	}
	if st == nil {
		r.forgetMetrics(req.NamespacedName)
		r.own.forget(req.NamespacedName)
		return ctrl.Result{}, r.deleteStale(ctx, stored)
	}

	result := health.Assess(st.Input(r.Clock.Now(), r.Windows, r.MaxPods))
	r.countRedactions(result.Redactions)

	base := stored
	wh, err := r.write(ctx, req.NamespacedName, base, st.Ref, result.Status)
	if err != nil && (apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || (stored != nil && apierrors.IsNotFound(err))) {
		// The cache was behind our own last write (or our own delete of
		// a WorkloadHealth whose target was gone a moment ago): read the
		// object once from the API server and write again, rather than
		// fail and wait.
		log.V(1).Info("Cache behind the API server, retrying with a live read", "reason", err.Error())
		base = &whv1.WorkloadHealth{}
		if gerr := r.APIReader.Get(ctx, req.NamespacedName, base); apierrors.IsNotFound(gerr) {
			base = nil
		} else if gerr != nil {
			return ctrl.Result{}, fmt.Errorf("read WorkloadHealth %s after %w: %w", req, err, gerr)
		}
		wh, err = r.write(ctx, req.NamespacedName, base, st.Ref, result.Status)
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	r.recordMetrics(wh)
	if after := healthOf(wh); base == nil || after != healthOf(base) {
		log.Info("Health changed", "workloadHealth", klog.KObj(wh), "health", after)
		r.recordHealth(wh)
	}
	return ctrl.Result{RequeueAfter: result.RequeueAfter}, nil
}

// write creates or updates the object, then its status, each only when it
// differs from stored.
func (r *Reconciler) write(ctx context.Context, key types.NamespacedName, stored *whv1.WorkloadHealth, target whv1.TargetReference, status whv1.WorkloadHealthStatus) (*whv1.WorkloadHealth, error) {
	wh, err := r.ensureObject(ctx, key, stored, target)
	if err != nil {
		return nil, err
	}
	if stored != nil && wh.ResourceVersion != stored.ResourceVersion {
		r.own.replaced(key, stored.ResourceVersion)
	}
	beforeStatus := wh.ResourceVersion
	if err := r.writeStatus(ctx, wh, status); err != nil {
		return nil, err
	}
	if wh.ResourceVersion != beforeStatus {
		r.own.replaced(key, beforeStatus)
	}
	return wh, nil
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
		For(&whv1.WorkloadHealth{}, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Watches(&corev1.Event{}, handler.EnqueueRequestsFromMapFunc(r.mapEvent),
			builder.WithPredicates(ignoreUnchanged()))
	for _, k := range workload.BuiltIn() {
		b = b.Watches(k.New(), handler.EnqueueRequestsFromMapFunc(r.mapObject(k.GroupKind)),
			builder.WithPredicates(ignoreUnchanged()))
	}
	return b.Complete(r)
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
