package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseMetrics reads the Prometheus text exposition format: enough of it for
// counters and gauges (no timestamps, no exemplars).
func parseMetrics(r io.Reader) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		s := sample{labels: map[string]string{}}
		rest := line
		if i := strings.IndexAny(line, "{ "); i >= 0 && line[i] == '{' {
			s.name = line[:i]
			var err error
			if rest, err = parseLabels(line[i+1:], s.labels); err != nil {
				return nil, fmt.Errorf("%w in %q", err, line)
			}
		} else if i >= 0 {
			s.name, rest = line[:i], line[i:]
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return nil, fmt.Errorf("no value in %q", line)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("value in %q: %w", line, err)
		}
		s.value = v
		out = append(out, s)
	}
	return out, sc.Err()
}

// parseLabels reads `a="x",b="y"}` into m and returns what follows.
func parseLabels(s string, m map[string]string) (string, error) {
	for {
		s = strings.TrimLeft(s, " ,")
		if strings.HasPrefix(s, "}") {
			return s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 || len(s) < eq+2 || s[eq+1] != '"' {
			return "", fmt.Errorf("bad labels")
		}
		name := strings.TrimSpace(s[:eq])
		var b strings.Builder
		i := eq + 2
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				default:
					b.WriteByte(s[i])
				}
				continue
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return "", fmt.Errorf("unterminated label value")
		}
		m[name] = b.String()
		s = s[i+1:]
	}
}

func sum(samples []sample, name string, match func(map[string]string) bool) float64 {
	var t float64
	for _, s := range samples {
		if s.name == name && (match == nil || match(s.labels)) {
			t += s.value
		}
	}
	return t
}

var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "DELETE": true, "APPLY": true}

// whWrites is the number of write requests to workloadhealths (the status
// subresource included) the API server has served, whatever their result.
func whWrites(ctx context.Context, cp *controlPlane) (int, error) {
	by, err := whWritesBy(ctx, cp)
	if err != nil {
		return 0, err
	}
	var n int
	for _, v := range by {
		n += v
	}
	return n, nil
}

// whWritesBy splits those writes by verb, subresource and response code.
func whWritesBy(ctx context.Context, cp *controlPlane) (map[string]int, error) {
	raw, err := cp.clientset.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("scrape the API server: %w", err)
	}
	ss, err := parseMetrics(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, s := range ss {
		l := s.labels
		if s.name == "apiserver_request_total" && l["resource"] == "workloadhealths" && writeVerbs[l["verb"]] {
			k := l["verb"] + " " + l["code"]
			if l["subresource"] != "" {
				k = l["verb"] + " " + l["subresource"] + " " + l["code"]
			}
			out[k] += int(s.value)
		}
	}
	return out, nil
}

// conflicts sums the 409 answers of whWritesBy's counts.
func conflicts(byVerbAndCode map[string]int) int {
	n := 0
	for k, v := range byVerbAndCode {
		if strings.HasSuffix(k, " 409") {
			n += v
		}
	}
	return n
}

// diffCounts is after minus before, without zeros.
func diffCounts(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// managerMetrics are the manager's own figures from its /metrics.
type managerMetrics struct {
	reconciles float64
	errors     float64
	queueDepth float64
	heapInuse  float64
}

func scrapeManager(ctx context.Context, url string) (managerMetrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return managerMetrics{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return managerMetrics{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return managerMetrics{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	ss, err := parseMetrics(resp.Body)
	if err != nil {
		return managerMetrics{}, err
	}
	ours := func(l map[string]string) bool {
		return l["controller"] == "workloadhealth" || l["name"] == "workloadhealth"
	}
	return managerMetrics{
		reconciles: sum(ss, "controller_runtime_reconcile_total", ours),
		errors:     sum(ss, "controller_runtime_reconcile_errors_total", ours),
		queueDepth: sum(ss, "workqueue_depth", ours),
		heapInuse:  sum(ss, "go_memstats_heap_inuse_bytes", nil),
	}, nil
}

// procMemory reads a process's resident set (VmRSS) and its peak (VmHWM),
// in bytes.
func procMemory(pid int) (rss, hwm int64, err error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}

// gcLine matches a GODEBUG=gctrace=1 line: "gc 12 @3.4s 2%: ... 40->41->20 MB, ...".
var gcLine = regexp.MustCompile(`^gc (\d+) @([0-9.]+)s .* (\d+)->(\d+)->(\d+) MB`)

// gcRecord is one garbage collection from the manager's gctrace.
type gcRecord struct {
	n    int
	at   time.Duration // since the process started
	live int64         // bytes marked live
}

// gcTrace reads the garbage collections the manager's log shows so far.
func gcTrace(path string) ([]gcRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []gcRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		m := gcLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		at, _ := strconv.ParseFloat(m[2], 64)
		live, _ := strconv.ParseInt(m[5], 10, 64)
		out = append(out, gcRecord{n: n, at: time.Duration(at * float64(time.Second)), live: live << 20})
	}
	return out, sc.Err()
}

func loadAvg() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// dumpMetrics saves the manager's and the API server's /metrics, for a
// closer look at a kept run (reconcile and request latency histograms).
func dumpMetrics(ctx context.Context, cp *controlPlane, managerURL, dir, suffix string) error {
	raw, err := cp.clientset.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "apiserver-metrics-"+suffix+".txt"), raw, 0o644); err != nil {
		return err
	}
	return download(ctx, managerURL, filepath.Join(dir, "manager-metrics-"+suffix+".txt"))
}
