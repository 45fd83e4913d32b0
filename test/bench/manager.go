package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// managerProc is the manager binary running as its own process, as in
// production, with the Go runtime tracing its garbage collections into its
// log so that the live heap can be read.
type managerProc struct {
	cmd        *exec.Cmd
	started    time.Time
	logPath    string
	metricsURL string
	pprofURL   string        // empty when the manager has no --pprof-bind-address
	done       chan struct{} // closed when the process exited
	err        error         // its exit status, once done is closed
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// hasFlag says whether the manager binary knows a flag (older builds lack
// the benchmark's optional ones).
func hasFlag(bin, flag string) bool {
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	// Go's flag help prints "-name type" for a flag with a value, and
	// "-name" alone on its line for a boolean.
	return strings.Contains(string(out), "-"+flag+" ") || strings.Contains(string(out), "-"+flag+"\n")
}

func startManager(bin, kubeconfig, dir string, extra, env []string) (*managerProc, error) {
	mport, err := freePort()
	if err != nil {
		return nil, err
	}
	pport, err := freePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", mport),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", pport),
	}, extra...)
	// Plain HTTP on loopback: an authenticated scrape would add a
	// TokenReview and a SubjectAccessReview to the API server's load the
	// bench measures (managers from before --metrics-secure serve HTTP
	// anyway).
	if hasFlag(bin, "metrics-secure") {
		args = append(args, "--metrics-secure=false")
	}
	var pprofURL string
	if hasFlag(bin, "pprof-bind-address") {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		args = append(args, fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", port))
		pprofURL = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof", port)
	}
	logPath := filepath.Join(dir, "manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(append(os.Environ(), "GODEBUG=gctrace=1"), env...)
	m := &managerProc{cmd: cmd, logPath: logPath, metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", mport),
		pprofURL: pprofURL, done: make(chan struct{})}
	m.started = time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		m.err = cmd.Wait()
		logFile.Close()
		close(m.done)
	}()
	return m, nil
}

func (m *managerProc) pid() int { return m.cmd.Process.Pid }

// exited reports an early exit of the manager.
func (m *managerProc) exited() error {
	select {
	case <-m.done:
		return fmt.Errorf("manager exited (%v); see %s", m.err, m.logPath)
	default:
		return nil
	}
}

func (m *managerProc) stop() {
	if m.exited() != nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(20 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

func (m *managerProc) metrics(ctx context.Context) (managerMetrics, error) {
	return scrapeManager(ctx, m.metricsURL)
}

// settle waits until the manager's queue is empty and it has not
// reconciled for quiet, and returns its metrics then.
func (m *managerProc) settle(ctx context.Context, quiet, timeout time.Duration) (managerMetrics, error) {
	deadline := time.Now().Add(timeout)
	var last managerMetrics
	var since time.Time
	for {
		if err := m.exited(); err != nil {
			return last, err
		}
		mm, err := m.metrics(ctx)
		if err == nil {
			if mm.reconciles != last.reconciles || mm.queueDepth > 0 || since.IsZero() {
				since = time.Now()
			} else if time.Since(since) >= quiet {
				return mm, nil
			}
			last = mm
		}
		if time.Now().After(deadline) {
			return last, fmt.Errorf("manager still busy after %s (queue %v)", timeout, last.queueDepth)
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// liveHeap returns the heap the manager holds live now: with pprof, a
// heap profile taken after a forced collection (saved to profile) and
// that collection's gctrace line; without, the first collection the
// runtime makes by itself from now on (at least every two minutes).
func (m *managerProc) liveHeap(ctx context.Context, profile string) (int64, error) {
	gcs, err := gcTrace(m.logPath)
	if err != nil {
		return 0, err
	}
	last := 0
	if len(gcs) > 0 {
		last = gcs[len(gcs)-1].n
	}
	if m.pprofURL != "" {
		if err := m.saveHeapProfile(ctx, profile); err != nil {
			return 0, err
		}
	}
	deadline := time.Now().Add(150 * time.Second)
	for {
		gcs, err := gcTrace(m.logPath)
		if err != nil {
			return 0, err
		}
		for _, gc := range gcs {
			if gc.n > last {
				return gc.live, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no garbage collection after gc %d in %s", last, m.logPath)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (m *managerProc) saveHeapProfile(ctx context.Context, path string) error {
	return download(ctx, m.pprofURL+"/heap?gc=1", path)
}

// saveCPUProfile profiles the manager's CPU for d into path.
func (m *managerProc) saveCPUProfile(ctx context.Context, d time.Duration, path string) error {
	if m.pprofURL == "" {
		return fmt.Errorf("the manager has no --pprof-bind-address")
	}
	return download(ctx, fmt.Sprintf("%s/profile?seconds=%d", m.pprofURL, int(d.Seconds())), path)
}

// download saves what url answers into path.
func download(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
