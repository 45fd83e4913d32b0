package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// tracker watches WorkloadHealth objects from the benchmark's side: which
// are present and correct, how often each was written (every write is a new
// resourceVersion, and a watch delivers each), and when a change the
// benchmark made to a pod shows in its target's status.
type tracker struct {
	cache cache.Cache

	mu         sync.Mutex
	expected   map[string]expectation
	correct    map[string]bool
	allCorrect chan struct{}
	correctAt  time.Time
	writes     map[string]int // watch events per object, creation included
	restarts   map[string]int32
	waiters    map[string][]*waiter
}

// waiter waits for a target's status.restarts to reach want.
type waiter struct {
	want   int32
	sentAt time.Time
	done   chan time.Duration
}

func newTracker(ctx context.Context, cp *controlPlane, expected map[string]expectation) (*tracker, error) {
	c, err := cache.New(cp.cfg, cache.Options{Scheme: cp.scheme})
	if err != nil {
		return nil, err
	}
	tr := &tracker{
		cache: c, expected: expected, correct: map[string]bool{}, allCorrect: make(chan struct{}),
		writes: map[string]int{}, restarts: map[string]int32{}, waiters: map[string][]*waiter{},
	}
	inf, err := c.GetInformer(ctx, &whv1.WorkloadHealth{})
	if err != nil {
		return nil, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(o any) { tr.observe(o, true) },
		UpdateFunc: func(old, o any) {
			if old.(*whv1.WorkloadHealth).ResourceVersion != o.(*whv1.WorkloadHealth).ResourceVersion {
				tr.observe(o, true)
			}
		},
	}); err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("WorkloadHealth informer did not sync")
	}
	return tr, nil
}

func (tr *tracker) observe(o any, write bool) {
	wh, ok := o.(*whv1.WorkloadHealth)
	if !ok {
		return
	}
	now := time.Now()
	key := wh.Namespace + "/" + wh.Name
	exp, known := tr.expected[key]
	if !known {
		return // not one of the manager's (the limit's copies)
	}
	d, err := digest(wh.Status)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if write {
		tr.writes[key]++
	}
	tr.restarts[key] = wh.Status.Restarts
	if tr.correctAt.IsZero() {
		if err == nil && d == exp.status {
			tr.correct[key] = true
		} else {
			delete(tr.correct, key)
		}
		if len(tr.correct) == len(tr.expected) {
			tr.correctAt = now
			close(tr.allCorrect)
		}
	}
	ws := tr.waiters[key]
	kept := ws[:0]
	for _, w := range ws {
		if wh.Status.Restarts >= w.want {
			w.done <- now.Sub(w.sentAt)
			continue
		}
		kept = append(kept, w)
	}
	tr.waiters[key] = kept
}

// progress is how many objects are correct so far.
func (tr *tracker) progress() (correct, present int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.correct), len(tr.restarts)
}

// wait registers a change that raises the target's restarts to want; the
// channel receives the time from sentAt to the status showing it.
func (tr *tracker) wait(key string, want int32, sentAt time.Time) chan time.Duration {
	w := &waiter{want: want, sentAt: sentAt, done: make(chan time.Duration, 1)}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.restarts[key] >= want {
		w.done <- 0
		return w.done
	}
	tr.waiters[key] = append(tr.waiters[key], w)
	return w.done
}

func (tr *tracker) writesOf(key string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.writes[key]
}

// sizes are the JSON sizes of the manager's WorkloadHealth objects as the
// API server serves them (managedFields included) and without
// managedFields, sorted.
func (tr *tracker) sizes(ctx context.Context) (full, bare []int, err error) {
	l := &whv1.WorkloadHealthList{}
	if err := tr.cache.List(ctx, l); err != nil {
		return nil, nil, err
	}
	for i := range l.Items {
		wh := &l.Items[i]
		if _, ok := tr.expected[wh.Namespace+"/"+wh.Name]; !ok {
			continue
		}
		wh.TypeMeta = metav1.TypeMeta{APIVersion: whv1.GroupVersion.String(), Kind: "WorkloadHealth"}
		raw, err := json.Marshal(wh)
		if err != nil {
			return nil, nil, err
		}
		full = append(full, len(raw))
		c := wh.DeepCopy()
		c.ManagedFields = nil
		if raw, err = json.Marshal(c); err != nil {
			return nil, nil, err
		}
		bare = append(bare, len(raw))
	}
	sort.Ints(full)
	sort.Ints(bare)
	return full, bare, nil
}
