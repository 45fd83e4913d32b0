package localcluster_test

import (
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/workloadhealth/workloadhealth/internal/localcluster"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// assetsDir is where `make test` put the cluster binaries.
func assetsDir(t *testing.T) string {
	t.Helper()
	dir, err := testenv.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func deployment(name string, labels map[string]string, annotations map[string]string) *appsv1.Deployment {
	podLabels := map[string]string{"app": name}
	for k, v := range labels {
		podLabels[k] = v
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: annotations},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/" + name + ":1"}}},
			},
		},
	}
}

// podOf waits until the Deployment's single pod satisfies ok.
func podOf(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, app string, what string, ok func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var found *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return false, nil
		}
		for i := range pods.Items {
			if ok(&pods.Items[i]) {
				found = &pods.Items[i]
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("pod of %s never became %s: %v", app, what, err)
	}
	return found
}

// TestClusterRunsWorkloadsAndFailures starts the whole local cluster and
// checks what the demo and the end-to-end tests rely on: the controller
// manager creates pods, the scheduler places them, kwok runs them, our
// Stages make them fail like a kubelet would, and the garbage collector
// removes what a deleted workload owned.
func TestClusterRunsWorkloadsAndFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cluster, err := localcluster.Start(ctx, localcluster.Options{AssetsDir: assetsDir(t), Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	dir := cluster.Dir
	defer func() {
		if err := cluster.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("cluster folder %s left behind", dir)
		}
	}()
	cs := kubernetes.NewForConfigOrDie(cluster.Config)
	ns := metav1.NamespaceDefault

	for _, d := range []*appsv1.Deployment{
		deployment("web", nil, nil),
		deployment("crasher", map[string]string{"sim.workloadhealth.io/behaviour": "crashloop"},
			map[string]string{"sim.workloadhealth.io/termination-message": "lookup db on 10.96.0.10:53: no such host"}),
		deployment("puller", map[string]string{"sim.workloadhealth.io/behaviour": "image-pull-backoff"}, nil),
	} {
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	web := podOf(ctx, t, cs, ns, "web", "Running and ready", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready
	})
	if web.Spec.NodeName == "" {
		t.Errorf("pod %s has no node: the scheduler did not place it", web.Name)
	}

	crasher := podOf(ctx, t, cs, ns, "crasher", "CrashLoopBackOff after two restarts", func(p *corev1.Pod) bool {
		if len(p.Status.ContainerStatuses) != 1 {
			return false
		}
		s := p.Status.ContainerStatuses[0]
		return s.RestartCount >= 2 && s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff"
	})
	last := crasher.Status.ContainerStatuses[0].LastTerminationState.Terminated
	if last == nil || last.Reason != "Error" || last.ExitCode != 1 || last.Message != "lookup db on 10.96.0.10:53: no such host" {
		t.Errorf("last termination of %s = %+v, want Error, exit code 1 and the annotation's message", crasher.Name, last)
	}
	if crasher.Status.Phase != corev1.PodRunning {
		t.Errorf("a crash-looping pod's phase = %s, want Running", crasher.Status.Phase)
	}

	podOf(ctx, t, cs, ns, "puller", "ImagePullBackOff", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "ImagePullBackOff" && p.Status.Phase == corev1.PodPending
	})

	// The Stages' Warning events, as a kubelet sends them.
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		events, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "type=Warning"})
		if err != nil {
			return false, nil
		}
		seen := map[string]bool{}
		for _, e := range events.Items {
			seen[e.Reason] = true
		}
		return seen["Unhealthy"] && seen["BackOff"] && seen["Failed"], nil
	})
	if err != nil {
		t.Errorf("Warning events Unhealthy, BackOff and Failed not all seen: %v", err)
	}

	// A Job whose pod completes: the Job controller marks it Complete.
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "once"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "once"}},
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "once", Image: "registry.example.com/once:1"}}},
		}},
	}
	if _, err := cs.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		j, err := cs.BatchV1().Jobs(ns).Get(ctx, "once", metav1.GetOptions{})
		return err == nil && j.Status.Succeeded == 1, nil
	})
	if err != nil {
		t.Errorf("job never succeeded: %v", err)
	}

	// The garbage collector removes the pods of a deleted Deployment.
	if err := cs.AppsV1().Deployments(ns).Delete(ctx, "web", metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		return err == nil && len(pods.Items) == 0, nil
	})
	if err != nil {
		t.Errorf("pods of a deleted Deployment were not garbage-collected: %v", err)
	}

	// An API server crash and restart keeps the address and the
	// certificates: the same clients work again.
	if err := cluster.StopAPIServer(); err != nil {
		t.Fatalf("stop the API server: %v", err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
		t.Error("the API server still answers after StopAPIServer")
	}
	if err := cluster.StartAPIServer(); err != nil {
		t.Fatalf("start the API server again: %v", err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
		t.Errorf("the old client fails after a restart: %v", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
