package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
)

// result is what one run measured.
type result struct {
	Pods, Targets, Namespaces int
	Populate                  time.Duration

	Convergence       time.Duration // manager start → all WorkloadHealths present and correct
	ConvergenceWrites int           // WorkloadHealth writes until then
	SettledWrites     int           // and until the manager went quiet
	Reconciles        float64       // until all were correct
	ReconcileRate     float64       // per second, mean over convergence
	PeakReconcileRate float64       // per second, best 2 s window
	ColdPeakRSS       int64         // VmHWM when convergence settled

	IdleWrites     int
	IdleReconciles float64
	SteadyRSS      int64 // VmRSS after the idle minute
	SteadyLiveHeap int64 // live heap then

	TouchWrites     int // after an annotation change on every pod
	TouchReconciles float64
	TouchDrain      time.Duration

	FlipWrites []int // per single pod change

	ChurnChanges                   int
	ChurnP50, ChurnP99, ChurnMax   time.Duration
	ChurnMissed                    int
	ChurnWrites                    int
	StormWrites                    int // to the stormed target's WorkloadHealth
	StormAllWrites                 int
	StormOtherP99, StormOtherMax   time.Duration
	StormOtherChanges, StormMissed int
	EventsCached                   int
	OldEventWrites                 int
	CachedRSS                      int64         // VmRSS with all pods and EventsCached events cached
	LiveHeap                       int64         // after a GC at that point
	PeakRSS                        int64         // VmHWM over the whole run
	SizeP50, SizeP99, SizeMax      int           // bytes, as served (managedFields included)
	BareSizeP99                    int           // without managedFields
	Limit                          time.Duration // just before the manager started
	LimitWrites                    int
	LimitAfter                     time.Duration // after it stopped
	ReconcileErrors                float64
	// Conflicts are WorkloadHealth writes the API server refused with 409
	// (a stale resourceVersion, or a create of an object that exists):
	// until the manager went quiet after starting, and over the whole run.
	SettledConflicts, Conflicts int
	LoadMean, LoadMax           float64
	ManagerArgs                 []string
}

func (r *result) ratio() float64 { return r.Convergence.Seconds() / r.Limit.Seconds() }

// runOnce starts a control plane, fills it, runs the manager through every
// phase and measures the limit last, with the manager stopped.
func runOnce(ctx context.Context, cfg config, logf func(string, ...any)) (res *result, err error) {
	res = &result{Pods: cfg.pods, Targets: cfg.targets, Namespaces: cfg.namespaces}
	dir, err := os.MkdirTemp("", "wh-bench-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err == nil && !cfg.keep {
			_ = os.RemoveAll(dir)
		} else {
			logf("logs kept in %s", dir)
		}
	}()

	logf("starting the control plane")
	cp, err := startControlPlane(cfg.assets, cfg.crdDir, dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := cp.stop(); serr != nil {
			logf("stopping the control plane: %v", serr)
		}
	}()

	stopLoad := sampleLoad(res)
	defer stopLoad()

	f := newFixture(cfg.pods, cfg.targets, cfg.namespaces)
	start := time.Now()
	pop, err := populate(ctx, cp, f, cfg.workers, logf)
	if err != nil {
		return nil, err
	}
	res.Populate = since(start)
	exp, err := expectStatuses(ctx, pop.objects, health.DefaultWindows(), health.DefaultMaxPods)
	if err != nil {
		return nil, err
	}
	if len(exp) != len(f.targets) {
		return nil, fmt.Errorf("the engine sees %d targets, the fixture has %d", len(exp), len(f.targets))
	}
	pop.objects = nil

	// The limit, just before the manager starts: the API server in the
	// state the manager will find it in.
	if res.Limit, res.LimitWrites, err = limit(ctx, cfg, cp, exp); err != nil {
		return nil, err
	}
	logf("limit: %d objects with status in %s (%d writes)", len(exp), res.Limit, res.LimitWrites)

	tctx, stopTracker := context.WithCancel(ctx)
	defer stopTracker()
	tr, err := newTracker(tctx, cp, exp)
	if err != nil {
		return nil, err
	}

	args := slices.Clone(cfg.managerArgs)
	if cfg.syncPeriod > 0 && hasFlag(cfg.managerBin, "sync-period") {
		args = append(args, "--sync-period="+cfg.syncPeriod.String())
	}
	res.ManagerArgs = args
	by0, err := whWritesBy(ctx, cp)
	if err != nil {
		return nil, err
	}
	w0 := 0
	for _, v := range by0 {
		w0 += v
	}
	logf("starting the manager: %s %v", cfg.managerBin, args)
	mgr, err := startManager(cfg.managerBin, cp.kubeconfig, dir, args, cfg.managerEnv)
	if err != nil {
		return nil, err
	}
	defer mgr.stop()
	if cfg.cpuProfile > 0 {
		go func() {
			// Give the manager a moment to listen.
			time.Sleep(time.Second)
			if err := mgr.saveCPUProfile(ctx, cfg.cpuProfile, filepath.Join(dir, "cpu.pprof")); err != nil {
				logf("CPU profile: %v", err)
			}
		}()
	}

	// Convergence.
	if err := converge(ctx, cfg, res, mgr, tr, logf); err != nil {
		return nil, err
	}
	w1, err := whWrites(ctx, cp)
	if err != nil {
		return nil, err
	}
	res.ConvergenceWrites = w1 - w0
	logf("all %d WorkloadHealths correct %s after the manager started (%.2fx the limit); %d writes; %.0f reconciles/s",
		len(exp), res.Convergence.Round(10*time.Millisecond), res.ratio(), res.ConvergenceWrites, res.ReconcileRate)
	if _, err := mgr.settle(ctx, 3*time.Second, 5*time.Minute); err != nil {
		return nil, err
	}
	if cfg.keep {
		if err := dumpMetrics(ctx, cp, mgr.metricsURL, dir, "converged"); err != nil {
			logf("saving metrics: %v", err)
		}
	}
	by2, _ := whWritesBy(ctx, cp)
	w2 := 0
	for _, v := range by2 {
		w2 += v
	}
	res.SettledWrites = w2 - w0
	logf("writes until quiet, by verb and code: %v", diffCounts(by0, by2))
	res.SettledConflicts = conflicts(diffCounts(by0, by2))
	_, res.ColdPeakRSS, _ = procMemory(mgr.pid())

	if cfg.convergenceOnly {
		res.SteadyRSS, res.PeakRSS, _ = procMemory(mgr.pid())
		if res.SteadyLiveHeap, err = mgr.liveHeap(ctx, filepath.Join(dir, "heap-steady.pprof")); err != nil {
			return nil, err
		}
		logf("converged: RSS %s, live heap %s", mib(res.SteadyRSS), mib(res.SteadyLiveHeap))
		return res, stopAndLimit(ctx, cfg, res, cp, mgr, exp, logf)
	}

	// Idle, across resyncs.
	logf("idle for %s", cfg.idle)
	m1, _ := mgr.metrics(ctx)
	time.Sleep(cfg.idle)
	m2, _ := mgr.metrics(ctx)
	w3, _ := whWrites(ctx, cp)
	res.IdleWrites, res.IdleReconciles = w3-w2, m2.reconciles-m1.reconciles
	res.SteadyRSS, _, _ = procMemory(mgr.pid())
	if res.SteadyLiveHeap, err = mgr.liveHeap(ctx, filepath.Join(dir, "heap-steady.pprof")); err != nil {
		return nil, err
	}
	logf("idle: %d writes, %.0f reconciles; RSS %s, live heap %s", res.IdleWrites, res.IdleReconciles, mib(res.SteadyRSS), mib(res.SteadyLiveHeap))

	// A change to every pod that the engine does not read.
	start = time.Now()
	var podNames []*corev1.Pod
	for _, p := range pop.pods {
		podNames = append(podNames, p)
	}
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{"bench.workloadhealth.io/touched":%q}}}`, start.Format(time.RFC3339Nano))
	if err := parallel(ctx, cfg.workers, len(podNames), func(ctx context.Context, i int) error {
		_, err := cp.clientset.CoreV1().Pods(podNames[i].Namespace).Patch(ctx, podNames[i].Name, types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	}); err != nil {
		return nil, fmt.Errorf("touch pods: %w", err)
	}
	m4, err := mgr.settle(ctx, 3*time.Second, 5*time.Minute)
	if err != nil {
		return nil, err
	}
	res.TouchDrain = since(start) - 3*time.Second
	w4, _ := whWrites(ctx, cp)
	res.TouchWrites, res.TouchReconciles = w4-w3, m4.reconciles-m2.reconciles
	logf("touched %d pods: %d writes, %.0f reconciles, drained in %s", len(podNames), res.TouchWrites, res.TouchReconciles, res.TouchDrain)

	fl := newFlipper(cp, f, pop, tr, exp)

	// Single changes, one at a time.
	for range cfg.flips {
		wa, _ := whWrites(ctx, cp)
		ch, err := fl.flip(ctx, fl.next())
		if err != nil {
			return nil, err
		}
		select {
		case <-ch:
		case <-time.After(60 * time.Second):
			return nil, fmt.Errorf("a pod change did not reach its WorkloadHealth within 60s")
		}
		if _, err := mgr.settle(ctx, 2*time.Second, time.Minute); err != nil {
			return nil, err
		}
		wb, _ := whWrites(ctx, cp)
		res.FlipWrites = append(res.FlipWrites, wb-wa)
	}
	logf("single pod changes: writes %v", res.FlipWrites)

	// Churn.
	wc, _ := whWrites(ctx, cp)
	lat, missed, err := fl.stream(ctx, cfg.churnRate, cfg.churn, nil)
	if err != nil {
		return nil, err
	}
	if _, err := mgr.settle(ctx, 3*time.Second, 5*time.Minute); err != nil {
		return nil, err
	}
	wd, _ := whWrites(ctx, cp)
	res.ChurnChanges, res.ChurnMissed, res.ChurnWrites = len(lat)+missed, missed, wd-wc
	res.ChurnP50, res.ChurnP99, res.ChurnMax = pct(lat, 50), pct(lat, 99), pct(lat, 100)
	logf("churn %d pods/s for %s: %d changes, p50 %s p99 %s max %s, %d missed, %d writes",
		cfg.churnRate, cfg.churn, res.ChurnChanges, res.ChurnP50, res.ChurnP99, res.ChurnMax, missed, res.ChurnWrites)

	// Event storm.
	if err := storm(ctx, cfg, res, cp, mgr, tr, fl, logf); err != nil {
		return nil, err
	}

	// Memory with the cache: every pod and 20,000 Warning events.
	if err := fillEvents(ctx, cfg, res, cp, f, pop, mgr, filepath.Join(dir, "heap-cached.pprof"), logf); err != nil {
		return nil, err
	}

	full, bare, err := tr.sizes(ctx)
	if err != nil {
		return nil, err
	}
	res.SizeP50, res.SizeP99, res.SizeMax, res.BareSizeP99 = ipct(full, 50), ipct(full, 99), ipct(full, 100), ipct(bare, 99)
	_, res.PeakRSS, _ = procMemory(mgr.pid())
	mm, _ := mgr.metrics(ctx)
	res.ReconcileErrors = mm.errors
	if byEnd, err := whWritesBy(ctx, cp); err == nil {
		res.Conflicts = conflicts(diffCounts(by0, byEnd))
	}

	return res, stopAndLimit(ctx, cfg, res, cp, mgr, exp, logf)
}

// stopAndLimit stops the manager and measures the limit again.
func stopAndLimit(ctx context.Context, cfg config, res *result, cp *controlPlane, mgr *managerProc, exp map[string]expectation, logf func(string, ...any)) error {
	mgr.stop()
	var err error
	if res.LimitAfter, _, err = limit(ctx, cfg, cp, exp); err != nil {
		return err
	}
	logf("limit after the manager: %s", res.LimitAfter)
	return nil
}

func converge(ctx context.Context, cfg config, res *result, mgr *managerProc, tr *tracker, logf func(string, ...any)) error {
	type point struct {
		at time.Time
		n  float64
	}
	var points []point
	// Every scrape costs the manager CPU (thousands of series): sample sparingly.
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	lastLog := time.Now()
	deadline := time.Now().Add(cfg.convergeTimeout)
	for {
		select {
		case <-tr.allCorrect:
			res.Convergence = tr.correctAt.Sub(mgr.started)
			mm, err := mgr.metrics(ctx)
			if err != nil {
				return err
			}
			res.Reconciles = mm.reconciles
			res.ReconcileRate = mm.reconciles / res.Convergence.Seconds()
			points = append(points, point{time.Now(), mm.reconciles})
			for i := range points {
				for j := i + 1; j < len(points); j++ {
					if d := points[j].at.Sub(points[i].at); d >= 2*time.Second {
						res.PeakReconcileRate = max(res.PeakReconcileRate, (points[j].n-points[i].n)/d.Seconds())
						break
					}
				}
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if err := mgr.exited(); err != nil {
			return err
		}
		if mm, err := mgr.metrics(ctx); err == nil {
			points = append(points, point{time.Now(), mm.reconciles})
		}
		if time.Since(lastLog) > 10*time.Second {
			c, p := tr.progress()
			logf("  %s: %d WorkloadHealths present, %d correct", since(mgr.started), p, c)
			lastLog = time.Now()
		}
		if time.Now().After(deadline) {
			c, p := tr.progress()
			return fmt.Errorf("not converged after %s: %d present, %d correct of %d", cfg.convergeTimeout, p, c, len(tr.expected))
		}
	}
}

// flipper changes pods in a way the engine sees and the benchmark can
// recognise in the status: one more restart of a running, ready container,
// long after it started (no flap window opens). The target's
// status.restarts then rises by one.
type flipper struct {
	cp       *controlPlane
	f        *fixture
	tr       *tracker
	healthy  []*target
	mu       sync.Mutex
	cursor   int
	pods     map[string]int32 // restarts per pod
	restarts map[string]int32 // expected status.restarts per target
}

type podPick struct {
	t *target
	j int
}

func newFlipper(cp *controlPlane, f *fixture, pop *populated, tr *tracker, exp map[string]expectation) *flipper {
	fl := &flipper{cp: cp, f: f, tr: tr, pods: map[string]int32{}, restarts: map[string]int32{}}
	for _, t := range f.targets {
		if t.mode == healthy {
			fl.healthy = append(fl.healthy, t)
			fl.restarts[t.key()] = exp[t.key()].restarts
		}
	}
	return fl
}

// next picks a pod of the healthy target least recently changed.
func (fl *flipper) next() podPick {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	t := fl.healthy[fl.cursor%len(fl.healthy)]
	j := (fl.cursor / len(fl.healthy)) % len(t.pods)
	fl.cursor++
	return podPick{t, j}
}

func (fl *flipper) flip(ctx context.Context, p podPick) (chan time.Duration, error) {
	pk := p.t.namespace + "/" + p.t.pods[p.j]
	fl.mu.Lock()
	fl.pods[pk]++
	n := fl.pods[pk]
	fl.restarts[p.t.key()]++
	want := fl.restarts[p.t.key()]
	fl.mu.Unlock()
	body, err := json.Marshal(map[string]any{"status": map[string]any{
		"containerStatuses": []corev1.ContainerStatus{healthyContainer(p.t, p.j, fl.f.base, n)},
	}})
	if err != nil {
		return nil, err
	}
	sent := time.Now()
	ch := fl.tr.wait(p.t.key(), want, sent)
	if _, err := fl.cp.clientset.CoreV1().Pods(p.t.namespace).Patch(ctx, p.t.pods[p.j], types.MergePatchType, body, metav1.PatchOptions{}, "status"); err != nil {
		return nil, fmt.Errorf("change pod %s: %w", pk, err)
	}
	return ch, nil
}

// stream changes rate pods per second for d, each on the next healthy
// target (avoid excludes one), and returns the latencies from each change
// to its status, and how many never showed within a minute.
func (fl *flipper) stream(ctx context.Context, rate int, d time.Duration, avoid *target) ([]time.Duration, int, error) {
	total := int(d.Seconds() * float64(rate))
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var (
		mu     sync.Mutex
		lat    []time.Duration
		missed int
		firstE error
		wg     sync.WaitGroup
	)
	for range total {
		<-tick.C
		p := fl.next()
		if p.t == avoid {
			p = fl.next()
		}
		wg.Go(func() {
			ch, err := fl.flip(ctx, p)
			if err != nil {
				mu.Lock()
				firstE = cmpErr(firstE, err)
				mu.Unlock()
				return
			}
			select {
			case l := <-ch:
				mu.Lock()
				lat = append(lat, l)
				mu.Unlock()
			case <-time.After(time.Minute):
				mu.Lock()
				missed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lat, missed, firstE
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func storm(ctx context.Context, cfg config, res *result, cp *controlPlane, mgr *managerProc, tr *tracker, fl *flipper, logf func(string, ...any)) error {
	p := fl.next()
	t := p.t
	pod, err := cp.clientset.CoreV1().Pods(t.namespace).Get(ctx, t.pods[0], metav1.GetOptions{})
	if err != nil {
		return err
	}
	before := tr.writesOf(t.key())
	w0, _ := whWrites(ctx, cp)
	logf("event storm: %d Warning events about %s/%s in %s, while %d other pods/s change",
		cfg.stormEvents, t.namespace, pod.Name, cfg.storm, cfg.stormOtherRate)

	var otherLat []time.Duration
	var otherMissed int
	var otherErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		otherLat, otherMissed, otherErr = fl.stream(ctx, cfg.stormOtherRate, cfg.storm, t)
	}()

	jobs := make(chan int, cfg.stormEvents)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sendErr error
	for range cfg.workers {
		wg.Go(func() {
			for i := range jobs {
				now := time.Now()
				e := warningEvent(pod, fmt.Sprintf("%s.storm.%05d", pod.Name, i), "Unhealthy",
					fmt.Sprintf("Readiness probe failed: Get \"http://%s:8080/ready\": dial tcp %s:8080: connect: connection refused (attempt %d)", pod.Status.PodIP, pod.Status.PodIP, i),
					now, now, 1)
				if _, err := cp.clientset.CoreV1().Events(t.namespace).Create(ctx, e, metav1.CreateOptions{}); err != nil {
					mu.Lock()
					sendErr = cmpErr(sendErr, err)
					mu.Unlock()
				}
			}
		})
	}
	// Paced in 100 ms batches over the storm's duration.
	batches := int(cfg.storm / (100 * time.Millisecond))
	tick := time.NewTicker(100 * time.Millisecond)
	sent := 0
	for b := 1; b <= batches; b++ {
		<-tick.C
		for ; sent < cfg.stormEvents*b/batches; sent++ {
			jobs <- sent
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	<-done
	if err := cmpErr(sendErr, otherErr); err != nil {
		return err
	}
	if _, err := mgr.settle(ctx, 3*time.Second, 5*time.Minute); err != nil {
		return err
	}
	w1, _ := whWrites(ctx, cp)
	res.StormWrites = tr.writesOf(t.key()) - before
	res.StormAllWrites = w1 - w0
	res.StormOtherChanges, res.StormMissed = len(otherLat)+otherMissed, otherMissed
	res.StormOtherP99, res.StormOtherMax = pct(otherLat, 99), pct(otherLat, 100)
	logf("event storm: %d writes to its WorkloadHealth (%d in all); other targets p99 %s max %s, %d missed",
		res.StormWrites, res.StormAllWrites, res.StormOtherP99, res.StormOtherMax, otherMissed)
	return nil
}

// fillEvents brings the Warning events in the cache up to
// cfg.eventsCached with old events about failing pods (older than their
// last event, so no status changes), then reads the manager's memory.
func fillEvents(ctx context.Context, cfg config, res *result, cp *controlPlane, f *fixture, pop *populated, mgr *managerProc, profile string, logf func(string, ...any)) error {
	have := pop.warnings + cfg.stormEvents
	var failing []*corev1.Pod
	for _, t := range f.targets {
		if t.mode != healthy {
			for _, name := range t.pods {
				failing = append(failing, pop.pods[t.namespace+"/"+name])
			}
		}
	}
	more := max(cfg.eventsCached-have, 0)
	if len(failing) == 0 {
		more = 0
	}
	w0, _ := whWrites(ctx, cp)
	start := time.Now()
	if err := parallel(ctx, cfg.workers, more, func(ctx context.Context, i int) error {
		p := failing[i%len(failing)]
		at := f.base.Add(time.Duration(i%1800) * time.Second)
		e := warningEvent(p, fmt.Sprintf("%s.old.%05d", p.Name, i), "BackOff", "Back-off restarting failed container app in pod "+p.Name, at, at, 1)
		_, err := cp.clientset.CoreV1().Events(p.Namespace).Create(ctx, e, metav1.CreateOptions{})
		return err
	}); err != nil {
		return fmt.Errorf("create old events: %w", err)
	}
	if _, err := mgr.settle(ctx, 3*time.Second, 5*time.Minute); err != nil {
		return err
	}
	w1, _ := whWrites(ctx, cp)
	res.EventsCached, res.OldEventWrites = have+more, w1-w0
	logf("added %d old Warning events in %s (%d cached): %d writes",
		more, since(start), res.EventsCached, res.OldEventWrites)
	res.CachedRSS, _, _ = procMemory(mgr.pid())
	live, err := mgr.liveHeap(ctx, profile)
	if err != nil {
		return err
	}
	res.LiveHeap = live
	logf("memory with %d pods and %d events cached: RSS %s, live heap %s (%.1f KiB per pod)",
		res.Pods, res.EventsCached, mib(res.CachedRSS), mib(res.LiveHeap), float64(res.LiveHeap)/1024/float64(res.Pods))
	return nil
}

// limitLabel marks the limit's objects, so that they can be deleted.
const limitLabel = "bench.workloadhealth.io/limit"

// limit writes the WorkloadHealth objects the manager writes, under other
// names, with a plain client and parallel workers: a create and a status
// update each, the least any writer needs. Then it deletes them again and
// waits until they are gone. It returns the time the writes took and how
// many writes the API server counted.
func limit(ctx context.Context, cfg config, cp *controlPlane, exp map[string]expectation) (time.Duration, int, error) {
	var objs []*whv1.WorkloadHealth
	nss := map[string]bool{}
	for _, e := range exp {
		o := e.object.DeepCopy()
		o.Name = "limit-" + o.Name
		o.Labels[limitLabel] = "true"
		objs = append(objs, o)
		nss[o.Namespace] = true
	}
	w0, err := whWrites(ctx, cp)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := parallel(ctx, cfg.limitWorkers, len(objs), func(ctx context.Context, i int) error {
		wh := objs[i]
		st := wh.Status
		if err := cp.client.Create(ctx, wh); err != nil {
			return fmt.Errorf("create %s: %w", wh.Name, err)
		}
		wh.Status = st
		if err := cp.client.Status().Update(ctx, wh); err != nil {
			return fmt.Errorf("status of %s: %w", wh.Name, err)
		}
		return nil
	}); err != nil {
		return 0, 0, fmt.Errorf("limit: %w", err)
	}
	took := since(start)
	w1, err := whWrites(ctx, cp)
	if err != nil {
		return 0, 0, err
	}
	for ns := range nss {
		if err := cp.client.DeleteAllOf(ctx, &whv1.WorkloadHealth{}, client.InNamespace(ns), client.MatchingLabels{limitLabel: "true"}); err != nil {
			return 0, 0, fmt.Errorf("delete the limit's objects: %w", err)
		}
	}
	for {
		l := &metav1.PartialObjectMetadataList{}
		l.SetGroupVersionKind(whv1.GroupVersion.WithKind("WorkloadHealthList"))
		if err := cp.client.List(ctx, l, client.MatchingLabels{limitLabel: "true"}, client.Limit(1)); err != nil {
			return 0, 0, err
		}
		if len(l.Items) == 0 {
			return took, w1 - w0, nil
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// sampleLoad samples the machine's 1-minute load average every 5 s until
// the returned function is called, which stores the mean and the maximum.
func sampleLoad(res *result) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var n int
		var total, top float64
		for {
			l := loadAvg()
			n++
			total += l
			top = max(top, l)
			select {
			case <-stop:
				res.LoadMean, res.LoadMax = total/float64(n), top
				return
			case <-time.After(5 * time.Second):
			}
		}
	}()
	return func() { close(stop); <-done }
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return s[min(max(i, 0), len(s)-1)].Round(time.Millisecond)
}

func ipct(s []int, p int) int {
	if len(s) == 0 {
		return 0
	}
	i := (len(s)*p+99)/100 - 1
	return s[min(max(i, 0), len(s)-1)]
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
