package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// controlPlane is an envtest etcd and kube-apiserver, with no controller
// manager: the benchmark makes the Deployment → ReplicaSet → pod chains
// itself and writes their status, which is much faster than simulating
// kubelets for 10,000 pods.
type controlPlane struct {
	env        *testenv.Env
	cfg        *rest.Config
	kubeconfig string // an admin user's, for the manager
	clientset  kubernetes.Interface
	client     client.Client
	scheme     *runtime.Scheme
}

func startControlPlane(assets, crdDir, dir string) (*controlPlane, error) {
	env := testenv.New(testenv.Options{AssetsDir: assets, CRDDir: crdDir})
	if err := env.Start(); err != nil {
		return nil, err
	}
	cp := &controlPlane{env: env, scheme: env.Scheme}
	user, err := env.AddUser(testenv.Admin("bench-admin"), nil)
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("add admin user: %w", err)
	}
	cp.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := testenv.WriteKubeconfig(user, cp.kubeconfig); err != nil {
		_ = env.Stop()
		return nil, err
	}
	// The benchmark's own client: no client-side rate limit, the API
	// server's priority and fairness is the only brake.
	cp.cfg = rest.CopyConfig(env.Config)
	cp.cfg.QPS, cp.cfg.Burst = -1, -1
	if cp.clientset, err = kubernetes.NewForConfig(cp.cfg); err != nil {
		_ = env.Stop()
		return nil, err
	}
	if cp.client, err = client.New(cp.cfg, client.Options{Scheme: env.Scheme}); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return cp, nil
}

func (cp *controlPlane) stop() error { return cp.env.Stop() }

// parallel runs fn(0..n-1) on workers goroutines and returns the first
// error.
func parallel(ctx context.Context, workers, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}

// populated is what the API server holds after populate, as it returned it.
type populated struct {
	objects  []runtime.Object
	pods     map[string]*corev1.Pod // by namespace/name
	warnings int
}

// populate creates the namespaces, Deployments, ReplicaSets, pods and
// Warning events of the fixture, each with its status.
func populate(ctx context.Context, cp *controlPlane, f *fixture, workers int, logf func(string, ...any)) (*populated, error) {
	cs := cp.clientset
	out := &populated{pods: map[string]*corev1.Pod{}}
	var mu sync.Mutex
	keep := func(o runtime.Object) {
		mu.Lock()
		out.objects = append(out.objects, o)
		mu.Unlock()
	}
	start := time.Now()
	for _, ns := range f.namespaces {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create namespace %s: %w", ns, err)
		}
	}
	err := parallel(ctx, workers, len(f.targets), func(ctx context.Context, i int) error {
		t := f.targets[i]
		d, err := cs.AppsV1().Deployments(t.namespace).Create(ctx, deploymentOf(t), metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create deployment %s/%s: %w", t.namespace, t.name, err)
		}
		d.Status = deploymentStatus(t, d, f.base)
		if d, err = cs.AppsV1().Deployments(t.namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("deployment status %s/%s: %w", t.namespace, t.name, err)
		}
		t.deployment = d
		keep(d)
		rs, err := cs.AppsV1().ReplicaSets(t.namespace).Create(ctx, replicaSetOf(t), metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create replicaset %s/%s: %w", t.namespace, t.rsName(), err)
		}
		rs.Status = replicaSetStatus(t, rs)
		if rs, err = cs.AppsV1().ReplicaSets(t.namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("replicaset status %s/%s: %w", t.namespace, t.rsName(), err)
		}
		t.replicaSet = rs
		keep(rs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	logf("created %d Deployments and ReplicaSets with status in %s", len(f.targets), since(start))

	type podRef struct{ t, j int }
	var refs []podRef
	for i, t := range f.targets {
		for j := range t.pods {
			refs = append(refs, podRef{i, j})
		}
	}
	start = time.Now()
	var events []*corev1.Event
	err = parallel(ctx, workers, len(refs), func(ctx context.Context, k int) error {
		t, j := f.targets[refs[k].t], refs[k].j
		p, err := cs.CoreV1().Pods(t.namespace).Create(ctx, podOf(t, j), metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create pod %s/%s: %w", t.namespace, t.pods[j], err)
		}
		p.Status = podStatus(t, j, f.base)
		if p, err = cs.CoreV1().Pods(t.namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("pod status %s/%s: %w", t.namespace, t.pods[j], err)
		}
		keep(p)
		evs := warningsOf(t, j, p, f.base)
		mu.Lock()
		out.pods[t.namespace+"/"+p.Name] = p
		events = append(events, evs...)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	logf("created %d pods with status in %s", len(refs), since(start))

	start = time.Now()
	err = parallel(ctx, workers, len(events), func(ctx context.Context, i int) error {
		e, err := cs.CoreV1().Events(events[i].Namespace).Create(ctx, events[i], metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create event %s/%s: %w", events[i].Namespace, events[i].Name, err)
		}
		keep(e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.warnings = len(events)
	logf("created %d Warning events in %s", len(events), since(start))
	return out, nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }
