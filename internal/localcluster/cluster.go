// Package localcluster starts and stops a whole Kubernetes control plane on
// this machine, with no container runtime: etcd and kube-apiserver (through
// envtest), kube-controller-manager and kube-scheduler as child processes,
// and kwok simulating nodes and the pods on them. Real Deployments get real
// ReplicaSets and pods, the scheduler places them, the garbage collector
// works, and kwok writes pod status as its Stages say. The demo and the
// end-to-end tests both use it.
//
// Everything lives in one temporary folder (etcd's data, certificates, the
// admin kubeconfig, one log per process), which Stop removes; ports are
// chosen free, never fixed.
package localcluster

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// defaultStages are kwok's node and pod life cycles plus our failure
// behaviours (see stages.yaml).
//
//go:embed stages.yaml
var defaultStages []byte

// Options say what to start.
type Options struct {
	// AssetsDir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler, kubectl and kwok (hack/envtest-binaries.sh --cluster).
	AssetsDir string
	// Nodes is the number of kwok nodes; zero means 2.
	Nodes int
	// NodeCapacity is what each node offers; nil means 16 CPUs, 32Gi of
	// memory and 110 pods.
	NodeCapacity corev1.ResourceList
	// ExtraStages are kwok Stage documents added to the defaults.
	ExtraStages []byte
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
}

// Cluster is a running local cluster.
type Cluster struct {
	// Dir is the temporary folder that holds everything; removed by Stop.
	Dir string
	// Config is an admin (system:masters) REST config.
	Config *rest.Config
	// Kubeconfig is the path of an admin kubeconfig file in Dir.
	Kubeconfig string
	// AssetsDir is where the binaries are.
	AssetsDir string

	env      *envtest.Environment
	progress io.Writer

	mu    sync.Mutex
	procs []*Process
}

// Process is a child process of the cluster with its log file.
type Process struct {
	Name    string
	LogPath string
	path    string
	args    []string
	cmd     *exec.Cmd
	done    chan struct{}
	err     error
}

// Start brings the cluster up and returns when its nodes are Ready and the
// controller manager is working. On failure it stops what it started,
// prints the last lines of each process' log to Progress, and removes Dir.
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	if opts.Nodes == 0 {
		opts.Nodes = 2
	}
	if opts.NodeCapacity == nil {
		opts.NodeCapacity = corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("16"),
			corev1.ResourceMemory: resource.MustParse("32Gi"),
			corev1.ResourcePods:   resource.MustParse("110"),
		}
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	for _, bin := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if _, statErr := os.Stat(filepath.Join(opts.AssetsDir, bin)); statErr != nil {
			return nil, fmt.Errorf("binary %s missing in %s: build it with `hack/envtest-binaries.sh --cluster`: %w", bin, opts.AssetsDir, statErr)
		}
	}
	dir, err := os.MkdirTemp("", "workloadhealth-cluster-")
	if err != nil {
		return nil, fmt.Errorf("create the cluster folder: %w", err)
	}
	c = &Cluster{Dir: dir, AssetsDir: opts.AssetsDir, progress: progress}
	defer func() {
		if err != nil {
			c.printLogTails()
			_ = c.Stop()
			c = nil
		}
	}()

	if err := c.startControlPlane(); err != nil {
		return c, err
	}
	c.logf("API server ready at %s (folder %s)", c.Config.Host, dir)

	nodeStages, err := os.ReadFile(filepath.Join(opts.AssetsDir, "kwok-node-stages.yaml"))
	if err != nil {
		return c, fmt.Errorf("read kwok's node stages (hack/envtest-binaries.sh --cluster copies them): %w", err)
	}
	docs := [][]byte{nodeStages, defaultStages}
	if len(bytes.TrimSpace(opts.ExtraStages)) > 0 {
		docs = append(docs, opts.ExtraStages)
	}
	stages := bytes.Join(docs, []byte("\n---\n"))
	stagesPath := filepath.Join(dir, "kwok-stages.yaml")
	if err := os.WriteFile(stagesPath, stages, 0o600); err != nil {
		return c, fmt.Errorf("write kwok stages: %w", err)
	}
	for _, p := range []struct {
		name string
		args []string
	}{
		{"kube-controller-manager", []string{
			"--kubeconfig=" + c.Kubeconfig, "--controllers=*,-serviceaccount-token", "--leader-elect=false",
			"--secure-port=0", "--authentication-skip-lookup=true", "--concurrent-gc-syncs=5",
			"--node-monitor-grace-period=" + NodeMonitorGracePeriod.String(),
		}},
		{"kube-scheduler", []string{"--kubeconfig=" + c.Kubeconfig, "--leader-elect=false", "--secure-port=0"}},
		{"kwok", []string{
			"--kubeconfig=" + c.Kubeconfig, "--server-address=", "--config=" + stagesPath,
			"--manage-nodes-with-label-selector=" + heartbeatLabel + "=" + heartbeatOn,
			fmt.Sprintf("--node-lease-duration-seconds=%d", int(nodeLeaseDuration.Seconds())),
		}},
	} {
		if _, err := c.StartProcess(p.name, filepath.Join(opts.AssetsDir, p.name), p.args...); err != nil {
			return c, err
		}
	}

	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return c, err
	}
	for i := 1; i <= opts.Nodes; i++ {
		if err := createNode(ctx, cs, fmt.Sprintf("kwok-node-%d", i), opts.NodeCapacity); err != nil {
			return c, err
		}
	}
	if err := c.waitReady(ctx, cs, opts.Nodes); err != nil {
		return c, err
	}
	c.logf("cluster ready: %d kwok nodes, controller manager and scheduler running", opts.Nodes)
	return c, nil
}

func (c *Cluster) startControlPlane() error {
	etcdLog, err := os.Create(filepath.Join(c.Dir, "etcd.log"))
	if err != nil {
		return err
	}
	apiLog, err := os.Create(filepath.Join(c.Dir, "kube-apiserver.log"))
	if err != nil {
		return err
	}
	c.env = &envtest.Environment{
		BinaryAssetsDirectory:    c.AssetsDir,
		ControlPlaneStartTimeout: 60 * time.Second,
		ControlPlaneStopTimeout:  90 * time.Second,
	}
	c.env.ControlPlane.Etcd = &envtest.Etcd{DataDir: filepath.Join(c.Dir, "etcd"), Out: etcdLog, Err: etcdLog}
	// A fixed certificate folder keeps the serving certificate and the
	// service-account keys across StopAPIServer/StartAPIServer, so clients
	// and kubeconfigs stay valid.
	certDir := filepath.Join(c.Dir, "kube-apiserver")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return err
	}
	c.env.ControlPlane.APIServer = &envtest.APIServer{CertDir: certDir, Out: apiLog, Err: apiLog}
	if _, err := c.env.Start(); err != nil {
		return fmt.Errorf("start etcd and kube-apiserver: %w", err)
	}
	admin, err := c.env.AddUser(envtest.User{Name: "local-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add the admin user: %w", err)
	}
	c.Config = admin.Config()
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		return fmt.Errorf("write the admin kubeconfig: %w", err)
	}
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	return os.WriteFile(c.Kubeconfig, kubeconfig, 0o600)
}

// StartProcess runs a child process whose output goes to NAME.log in Dir.
// Stop ends it; it also dies with this process (Pdeathsig), so a killed
// demo leaves nothing behind.
func (c *Cluster) StartProcess(name, path string, args ...string) (*Process, error) {
	logPath := filepath.Join(c.Dir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, path: path, args: args, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p, nil
}

// Exited says whether the process ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Signal sends sig to the process' group.
func (p *Process) Signal(sig syscall.Signal) error {
	return syscall.Kill(-p.cmd.Process.Pid, sig)
}

// Stop ends the process: SIGTERM, then SIGKILL after grace.
func (p *Process) Stop(grace time.Duration) {
	if exited, _ := p.Exited(); exited {
		return
	}
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// StopAPIServer kills kube-apiserver, leaving etcd and every other process
// running, as an API server crash does. (A graceful stop would wait about a
// minute for the other processes' watches to drain.)
func (c *Cluster) StopAPIServer() error {
	pid, err := c.apiServerPID()
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill kube-apiserver: %w", err)
	}
	// envtest's Stop then finds it gone once its own Wait has returned;
	// until then it tries to signal the dead process and gets ESRCH.
	var stopErr error
	err = wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) {
			stopErr = c.env.ControlPlane.APIServer.Stop()
			return !errors.Is(stopErr, syscall.ESRCH), nil
		})
	if err != nil {
		return fmt.Errorf("kube-apiserver (pid %d) did not exit: %w", pid, err)
	}
	return stopErr
}

// apiServerPID finds our kube-apiserver among the machine's processes by
// its certificate folder, which is ours alone.
func (c *Cluster) apiServerPID() (int, error) {
	want := "--cert-dir=" + c.env.ControlPlane.APIServer.CertDir
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(raw), "\x00")
		if len(args) == 0 || filepath.Base(args[0]) != "kube-apiserver" {
			continue
		}
		for _, a := range args[1:] {
			if a == want {
				var pid int
				if _, err := fmt.Sscanf(filepath.Base(filepath.Dir(p)), "%d", &pid); err == nil {
					return pid, nil
				}
			}
		}
	}
	return 0, errors.New("kube-apiserver process not found")
}

// StartAPIServer starts kube-apiserver again, on the same address and with
// the same certificates, and returns when it is ready. envtest returns at
// /healthz; /readyz, which clients such as internal/reconnect wait for,
// can follow many seconds later on a loaded machine (its watch caches and
// post-start hooks): waiting for it here keeps that time out of what tests
// measure of the manager.
func (c *Cluster) StartAPIServer() error {
	if err := c.env.ControlPlane.APIServer.Start(); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	var last error
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, apiServerReadyTimeout, true,
		func(ctx context.Context) (bool, error) {
			_, last = cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
			return last == nil, nil
		})
	if err != nil {
		return fmt.Errorf("kube-apiserver healthy but not ready within %s: %v", apiServerReadyTimeout, last)
	}
	return nil
}

// apiServerReadyTimeout bounds the wait for /readyz after a restart: a
// sanity limit well past the seconds it takes on a loaded 2-core machine.
const apiServerReadyTimeout = 2 * time.Minute

// NodeMonitorGracePeriod is how long the controller manager waits for a
// node's lease to be renewed before it marks the node NotReady and its
// pods not ready. Shorter than Kubernetes' 50 s so tests need not wait;
// still four renewals of kwok's lease.
const NodeMonitorGracePeriod = 20 * time.Second

// nodeLeaseDuration is the duration of kwok's node leases; kwok renews
// them every quarter of it, as the kubelet does.
const nodeLeaseDuration = 20 * time.Second

// heartbeatLabel selects the nodes kwok manages: kwok renews their leases
// and runs their pods' Stages. Setting it to anything but heartbeatOn
// makes kwok let go of the node, as if its kubelet had died.
const (
	heartbeatLabel = "sim.workloadhealth.io/heartbeat"
	heartbeatOn    = "on"
)

// StopNodeHeartbeat makes kwok let go of the node, as if its kubelet had
// died: its lease is no longer renewed and its pods' status no longer
// written. After NodeMonitorGracePeriod the controller manager marks the
// node NotReady, taints it, and marks its pods not ready.
func (c *Cluster) StopNodeHeartbeat(ctx context.Context, node string) error {
	if err := c.setHeartbeat(ctx, node, "off"); err != nil {
		return err
	}
	// A running kwok learns of the change from its node watch. But a kwok
	// whose watch was down when the label changed (after an API server
	// restart, say) never lets go of the node: its relist adds nodes and
	// never removes them. A fresh kwok reads the selector anew.
	return c.restartProcess("kwok")
}

// restartProcess stops the named child process and starts it again with
// the same arguments, appending to the same log.
func (c *Cluster) restartProcess(name string) error {
	var old *Process
	for _, p := range c.processes() {
		if p.Name == name {
			old = p
		}
	}
	if old == nil {
		return fmt.Errorf("no process %s to restart", name)
	}
	old.Stop(10 * time.Second)
	c.mu.Lock()
	c.procs = slices.DeleteFunc(c.procs, func(p *Process) bool { return p == old })
	c.mu.Unlock()
	_, err := c.StartProcess(name, old.path, old.args...)
	return err
}

// ResumeNodeHeartbeat gives the node back to kwok: its lease is renewed,
// it turns Ready again, and its pods are reported ready again.
func (c *Cluster) ResumeNodeHeartbeat(ctx context.Context, node string) error {
	return c.setHeartbeat(ctx, node, heartbeatOn)
}

func (c *Cluster) setHeartbeat(ctx context.Context, node, value string) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	patch := fmt.Appendf(nil, `{"metadata":{"labels":{%q:%q}}}`, heartbeatLabel, value)
	if _, err := cs.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("set the heartbeat of node %s to %s: %w", node, value, err)
	}
	return nil
}

func createNode(ctx context.Context, cs kubernetes.Interface, name string, capacity corev1.ResourceList) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      map[string]string{"type": "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", heartbeatLabel: heartbeatOn},
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	_, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create node %s: %w", name, err)
	}
	return nil
}

// waitReady waits for kwok to make the nodes Ready and for the controller
// manager to create the default ServiceAccount, without which no pod can be
// admitted.
func (c *Cluster) waitReady(ctx context.Context, cs kubernetes.Interface, nodes int) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var last string
	err := wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		for _, p := range c.processes() {
			if exited, exitErr := p.Exited(); exited {
				return false, fmt.Errorf("%s exited: %v (log: %s)", p.Name, exitErr, p.LogPath)
			}
		}
		list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		ready := 0
		for _, n := range list.Items {
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if ready < nodes {
			last = fmt.Sprintf("%d/%d nodes Ready", ready, nodes)
			return false, nil
		}
		if _, err := cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{}); err != nil {
			last = "waiting for the controller manager to create ServiceAccount default/default"
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("cluster not ready (%s): %w", last, err)
	}
	return nil
}

func (c *Cluster) processes() []*Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Process(nil), c.procs...)
}

// Stop ends every process, then the API server and etcd, and removes Dir.
// It is safe to call more than once.
func (c *Cluster) Stop() error {
	var errs []error
	procs := c.processes()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].Stop(10 * time.Second)
	}
	if c.env != nil {
		if err := c.env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop etcd and kube-apiserver: %w", err))
		}
		c.env = nil
	}
	if c.Dir != "" {
		if err := os.RemoveAll(c.Dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) logf(format string, args ...any) {
	fmt.Fprintf(c.progress, "[cluster] "+format+"\n", args...)
}

// printLogTails shows the end of every log, for a start-up that failed.
func (c *Cluster) printLogTails() {
	entries, _ := filepath.Glob(filepath.Join(c.Dir, "*.log"))
	for _, path := range entries {
		lines := tail(path, 15)
		if len(lines) == 0 {
			continue
		}
		c.logf("last lines of %s:", filepath.Base(path))
		for _, l := range lines {
			fmt.Fprintf(c.progress, "    %s\n", l)
		}
	}
}

func tail(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return lines
}
