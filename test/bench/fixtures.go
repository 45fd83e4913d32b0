package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// mode is what is wrong with the pods of a target.
type mode int

const (
	healthy mode = iota
	crashLoop
	imagePull
	oomKilled
	unschedulable
	notReady
)

var modeNames = [...]string{"Healthy", "CrashLoopBackOff", "ImagePullBackOff", "OOMKilled", "Pending-unschedulable", "NotReady"}

func (m mode) String() string { return modeNames[m] }

// modeOf spreads failures over targets: 8 targets in 10 are healthy, the
// other two take the five failure kinds in turn. All pods of a target share
// its mode, so about 80% of pods are healthy too.
func modeOf(t int) mode {
	if t%10 < 8 {
		return healthy
	}
	return mode(1 + (t/10*2+t%10-8)%5)
}

// target is one Deployment of the fixture and what was created for it.
type target struct {
	index     int
	namespace string
	name      string
	mode      mode
	pods      []string
	// created objects, as the API server returned them
	deployment *appsv1.Deployment
	replicaSet *appsv1.ReplicaSet
}

// whName is the name of the target's WorkloadHealth.
func (t *target) whName() string { return "deployment-" + t.name }
func (t *target) key() string    { return t.namespace + "/" + t.whName() }
func (t *target) rsName() string { return t.name + "-" + templateHash(t.name) }

// fixture is the whole cluster content of one run.
type fixture struct {
	base       time.Time // every timestamp is after it and long past
	namespaces []string
	targets    []*target
}

func newFixture(pods, targets, namespaces int) *fixture {
	f := &fixture{base: time.Now().Add(-3 * time.Hour).Truncate(time.Second)}
	for i := range namespaces {
		f.namespaces = append(f.namespaces, fmt.Sprintf("bench-%02d", i))
	}
	for i := range targets {
		t := &target{index: i, namespace: f.namespaces[i%namespaces], name: fmt.Sprintf("app-%04d", i), mode: modeOf(i)}
		n := pods / targets
		if i < pods%targets {
			n++
		}
		for j := range n {
			t.pods = append(t.pods, fmt.Sprintf("%s-%s", t.rsName(), podSuffix(i, j)))
		}
		f.targets = append(f.targets, t)
	}
	return f
}

func templateHash(name string) string { return hexOf(name)[:9] }

// podSuffix is a 5-character suffix like the ReplicaSet controller's.
func podSuffix(t, j int) string {
	s := strconv.FormatInt(int64(t*131+j*7919+10007), 36)
	for len(s) < 5 {
		s = "x" + s
	}
	return s[len(s)-5:]
}

func hexOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func labelsOf(t *target) map[string]string {
	return map[string]string{"app.kubernetes.io/name": t.name, "app.kubernetes.io/part-of": "bench", "tier": "backend"}
}

// podSpec is a pod spec of the size real ones have: env, command, probes,
// volumes, resources. The controller's cache transform strips most of it.
func podSpec(t *target) corev1.PodSpec {
	env := []corev1.EnvVar{
		{Name: "LOG_LEVEL", Value: "info"}, {Name: "HTTP_PORT", Value: "8080"},
		{Name: "DATABASE_URL", Value: "postgres://app@db." + t.namespace + ".svc.cluster.local:5432/app?sslmode=require"},
		{Name: "CACHE_ADDR", Value: "redis." + t.namespace + ".svc.cluster.local:6379"},
		{Name: "FEATURE_FLAGS", Value: "new-checkout,fast-search,dark-mode"},
		{Name: "OTEL_EXPORTER_OTLP_ENDPOINT", Value: "http://otel-collector.observability.svc:4317"},
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
		{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}},
	}
	probe := func(path string) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}},
			PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3,
		}
	}
	return corev1.PodSpec{
		Containers: []corev1.Container{{
			Name:    "app",
			Image:   imageOf(t),
			Command: []string{"/app/server"},
			Args:    []string{"--port=8080", "--metrics-port=9090", "--config=/etc/app/config.yaml"},
			Ports: []corev1.ContainerPort{
				{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
				{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP},
			},
			Env: env,
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
			},
			VolumeMounts: []corev1.VolumeMount{
				{Name: "config", MountPath: "/etc/app", ReadOnly: true},
				{Name: "tmp", MountPath: "/tmp"},
			},
			LivenessProbe:            probe("/healthz"),
			ReadinessProbe:           probe("/ready"),
			TerminationMessagePath:   corev1.TerminationMessagePathDefault,
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
			ImagePullPolicy:          corev1.PullIfNotPresent,
		}},
		Volumes: []corev1.Volume{
			{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: t.name + "-config"}}}},
			{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
		RestartPolicy:                 corev1.RestartPolicyAlways,
		TerminationGracePeriodSeconds: ptr.To[int64](30),
		DNSPolicy:                     corev1.DNSClusterFirst,
		ServiceAccountName:            "default",
		Tolerations: []corev1.Toleration{
			{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
			{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
		},
	}
}

func imageOf(t *target) string {
	if t.mode == imagePull {
		return "registry.example.com/" + t.namespace + "/" + t.name + ":v9.9.9-missing"
	}
	return "registry.example.com/" + t.namespace + "/" + t.name + ":v1.4.2"
}

func deploymentOf(t *target) *appsv1.Deployment {
	n := int32(len(t.pods))
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: t.namespace, Name: t.name, Labels: labelsOf(t),
			Annotations: map[string]string{"deployment.kubernetes.io/revision": "1", "team": "payments"},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": t.name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labelsOf(t)}, Spec: podSpec(t)},
		},
	}
}

func deploymentStatus(t *target, d *appsv1.Deployment, base time.Time) appsv1.DeploymentStatus {
	n := int32(len(t.pods))
	ready := n
	avail := corev1.ConditionTrue
	availReason, availMsg := "MinimumReplicasAvailable", "Deployment has minimum availability."
	if t.mode != healthy {
		ready = 0
		avail, availReason, availMsg = corev1.ConditionFalse, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
	}
	at := metav1.NewTime(base.Add(time.Minute))
	return appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation,
		Replicas:           n, UpdatedReplicas: n, ReadyReplicas: ready, AvailableReplicas: ready, UnavailableReplicas: n - ready,
		Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: avail, Reason: availReason, Message: availMsg, LastUpdateTime: at, LastTransitionTime: at},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable",
				Message: fmt.Sprintf("ReplicaSet %q has successfully progressed.", t.rsName()), LastUpdateTime: at, LastTransitionTime: at},
		},
	}
}

func controllerRef(apiVersion, kind, name string, uid types.UID) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
}

func replicaSetOf(t *target) *appsv1.ReplicaSet {
	n := int32(len(t.pods))
	l := labelsOf(t)
	l["pod-template-hash"] = templateHash(t.name)
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: t.namespace, Name: t.rsName(), Labels: l,
			Annotations: map[string]string{
				"deployment.kubernetes.io/desired-replicas": strconv.Itoa(int(n)),
				"deployment.kubernetes.io/max-replicas":     strconv.Itoa(int(n) + 1),
				"deployment.kubernetes.io/revision":         "1",
			},
			OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", t.name, t.deployment.UID)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": t.name, "pod-template-hash": templateHash(t.name)}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l}, Spec: podSpec(t)},
		},
	}
}

func replicaSetStatus(t *target, rs *appsv1.ReplicaSet) appsv1.ReplicaSetStatus {
	n := int32(len(t.pods))
	ready := n
	if t.mode != healthy {
		ready = 0
	}
	return appsv1.ReplicaSetStatus{Replicas: n, FullyLabeledReplicas: n, ReadyReplicas: ready, AvailableReplicas: ready, ObservedGeneration: rs.Generation}
}

func nodeOf(t *target, j int) string { return fmt.Sprintf("node-%02d", (t.index*7+j)%50) }
func podIP(t *target, j int) string {
	return fmt.Sprintf("10.%d.%d.%d", 64+(t.index/250)%64, t.index%250, 10+j%240)
}

func podOf(t *target, j int) *corev1.Pod {
	l := labelsOf(t)
	l["pod-template-hash"] = templateHash(t.name)
	spec := podSpec(t)
	if t.mode != unschedulable {
		spec.NodeName = nodeOf(t, j)
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: t.namespace, Name: t.pods[j], Labels: l,
			Annotations: map[string]string{
				"prometheus.io/scrape": "true", "prometheus.io/port": "9090",
				"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z",
			},
			OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", t.rsName(), t.replicaSet.UID)},
		},
		Spec: spec,
	}
}

func cond(typ corev1.PodConditionType, ok bool, at time.Time, reason, msg string) corev1.PodCondition {
	s := corev1.ConditionTrue
	if !ok {
		s = corev1.ConditionFalse
	}
	return corev1.PodCondition{Type: typ, Status: s, LastTransitionTime: metav1.NewTime(at), Reason: reason, Message: msg}
}

// healthyContainer is the status of a running, ready container that
// restarted restarts times long ago.
func healthyContainer(t *target, j int, base time.Time, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name: "app", Image: imageOf(t), ImageID: "registry.example.com/" + t.namespace + "/" + t.name + "@sha256:" + hexOf(t.name),
		ContainerID: "containerd://" + hexOf(t.pods[j]), Ready: true, Started: ptr.To(true), RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(base.Add(30 * time.Second))}},
	}
}

// podStatus is the status a kubelet would have written for the target's
// mode, with every transition long past so that no window of the engine is
// still open: nothing changes unless the benchmark changes it.
func podStatus(t *target, j int, base time.Time) corev1.PodStatus {
	start := metav1.NewTime(base)
	st := corev1.PodStatus{
		Phase: corev1.PodRunning, HostIP: "192.168.0." + strconv.Itoa(10+(t.index*7+j)%50), PodIP: podIP(t, j),
		StartTime: &start, QOSClass: corev1.PodQOSBurstable,
	}
	st.HostIPs = []corev1.HostIP{{IP: st.HostIP}}
	st.PodIPs = []corev1.PodIP{{IP: st.PodIP}}
	sched := base.Add(time.Second)
	unready := func(at time.Time) []corev1.PodCondition {
		return []corev1.PodCondition{
			cond(corev1.PodReadyToStartContainers, true, sched, "", ""),
			cond(corev1.PodInitialized, true, sched, "", ""),
			cond(corev1.PodReady, false, at, "ContainersNotReady", "containers with unready status: [app]"),
			cond(corev1.ContainersReady, false, at, "ContainersNotReady", "containers with unready status: [app]"),
			cond(corev1.PodScheduled, true, sched, "", ""),
		}
	}
	c := healthyContainer(t, j, base, 0)
	podRef := t.pods[j] + "_" + t.namespace
	switch t.mode {
	case healthy:
		ready := base.Add(time.Minute)
		st.Conditions = []corev1.PodCondition{
			cond(corev1.PodReadyToStartContainers, true, sched, "", ""),
			cond(corev1.PodInitialized, true, sched, "", ""),
			cond(corev1.PodReady, true, ready, "", ""),
			cond(corev1.ContainersReady, true, ready, "", ""),
			cond(corev1.PodScheduled, true, sched, "", ""),
		}
	case crashLoop:
		st.Conditions = unready(base.Add(5 * time.Minute))
		c.Ready, c.Started, c.RestartCount = false, ptr.To(false), 37
		c.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: "back-off 5m0s restarting failed container=app pod=" + podRef}}
		c.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error", Message: "panic: dial tcp: lookup db." + t.namespace + ".svc.cluster.local: no such host",
			StartedAt: metav1.NewTime(base.Add(59 * time.Minute)), FinishedAt: metav1.NewTime(base.Add(time.Hour)),
			ContainerID: "containerd://" + hexOf(t.pods[j]+"-prev"),
		}}
	case imagePull:
		st.Phase = corev1.PodPending
		st.Conditions = unready(base.Add(time.Second))
		c.Ready, c.Started, c.ImageID, c.ContainerID = false, ptr.To(false), "", ""
		c.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
			Message: "Back-off pulling image \"" + imageOf(t) + "\""}}
	case oomKilled:
		st.Conditions = unready(base.Add(time.Hour))
		c.Ready, c.Started, c.RestartCount = false, ptr.To(false), 6
		c.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 137, Reason: "OOMKilled", StartedAt: metav1.NewTime(base.Add(58 * time.Minute)), FinishedAt: metav1.NewTime(base.Add(time.Hour)),
			ContainerID: c.ContainerID,
		}}
		c.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 137, Reason: "OOMKilled", StartedAt: metav1.NewTime(base.Add(50 * time.Minute)), FinishedAt: metav1.NewTime(base.Add(55 * time.Minute)),
			ContainerID: "containerd://" + hexOf(t.pods[j]+"-prev"),
		}}
	case unschedulable:
		return corev1.PodStatus{
			Phase: corev1.PodPending, QOSClass: corev1.PodQOSBurstable,
			Conditions: []corev1.PodCondition{cond(corev1.PodScheduled, false, sched, corev1.PodReasonUnschedulable,
				"0/50 nodes are available: 50 Insufficient cpu. preemption: 0/50 nodes are available: 50 No preemption victims found for incoming pod.")},
		}
	case notReady:
		st.Conditions = unready(base.Add(10 * time.Minute))
		c.Ready = false
	}
	st.ContainerStatuses = []corev1.ContainerStatus{c}
	return st
}

// warningsOf are the two Warning events a failing pod has.
func warningsOf(t *target, j int, pod *corev1.Pod, base time.Time) []*corev1.Event {
	type ev struct{ reason, msg string }
	var evs [2]ev
	probeURL := "http://" + podIP(t, j) + ":8080"
	switch t.mode {
	case healthy:
		return nil
	case crashLoop:
		evs = [2]ev{{"Unhealthy", "Liveness probe failed: Get \"" + probeURL + "/healthz\": dial tcp " + podIP(t, j) + ":8080: connect: connection refused"},
			{"BackOff", "Back-off restarting failed container app in pod " + t.pods[j] + "_" + t.namespace + "(" + string(pod.UID) + ")"}}
	case imagePull:
		evs = [2]ev{{"Failed", "Failed to pull image \"" + imageOf(t) + "\": rpc error: code = NotFound desc = failed to pull and unpack image \"" + imageOf(t) + "\": not found"},
			{"BackOff", "Back-off pulling image \"" + imageOf(t) + "\""}}
	case oomKilled:
		evs = [2]ev{{"Unhealthy", "Readiness probe failed: Get \"" + probeURL + "/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"},
			{"BackOff", "Back-off restarting failed container app in pod " + t.pods[j] + "_" + t.namespace + "(" + string(pod.UID) + ")"}}
	case unschedulable:
		msg := "0/50 nodes are available: 50 Insufficient cpu. preemption: 0/50 nodes are available: 50 No preemption victims found for incoming pod."
		evs = [2]ev{{"FailedScheduling", msg}, {"FailedScheduling", msg}}
	case notReady:
		evs = [2]ev{{"Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"},
			{"Unhealthy", "Readiness probe failed: Get \"" + probeURL + "/ready\": context deadline exceeded"}}
	}
	out := make([]*corev1.Event, 0, 2)
	for i, e := range evs {
		first := base.Add(time.Duration(10+i) * time.Minute)
		last := base.Add(time.Hour + time.Duration(i)*time.Minute)
		out = append(out, warningEvent(pod, fmt.Sprintf("%s.%x", pod.Name, first.UnixNano()+int64(i)), e.reason, e.msg, first, last, int32(5+i*20)))
	}
	return out
}

func warningEvent(pod *corev1.Pod, name, reason, msg string, first, last time.Time, count int32) *corev1.Event {
	component, host := "kubelet", pod.Spec.NodeName
	if reason == "FailedScheduling" {
		component, host = "default-scheduler", ""
	}
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: name},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			APIVersion: "v1", FieldPath: "spec.containers{app}"},
		Reason: reason, Message: msg, Type: corev1.EventTypeWarning,
		Source:         corev1.EventSource{Component: component, Host: host},
		FirstTimestamp: metav1.NewTime(first), LastTimestamp: metav1.NewTime(last), Count: count,
		ReportingController: component, ReportingInstance: host,
	}
}
