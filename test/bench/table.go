package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one line of the table: a figure of every run, their median, the
// issue's goal for it and whether the median meets it.
type row struct {
	name string
	goal string
	val  func(r *result) float64
	fmt  func(float64) string
	// met judges the median (and may look at every run); nil for
	// figures without a goal.
	met func(median float64, rs []*result) bool
	// core: measured in every run, --convergence-only included; the
	// other rows are left out of such a table rather than shown as 0.
	core bool
}

func secs(v float64) string { return fmt.Sprintf("%.1f s", v) }
func ms(v float64) string   { return fmt.Sprintf("%.0f ms", v) }
func num(v float64) string  { return fmt.Sprintf("%.0f", v) }
func rate(v float64) string { return fmt.Sprintf("%.0f/s", v) }
func ratio(v float64) string {
	return fmt.Sprintf("%.2f", v)
}
func mibs(v float64) string     { return fmt.Sprintf("%.0f MiB", v/(1<<20)) }
func kib(v float64) string      { return fmt.Sprintf("%.2f KiB", v/1024) }
func byteSize(v float64) string { return fmt.Sprintf("%.0f B", v) }
func dms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

func rows(cfg config) []row {
	le := func(limit float64) func(float64, []*result) bool {
		return func(m float64, _ []*result) bool { return m <= limit }
	}
	lt := func(limit float64) func(float64, []*result) bool {
		return func(m float64, _ []*result) bool { return m < limit }
	}
	return []row{
		{core: true, name: "convergence: manager start → all WorkloadHealths correct", val: func(r *result) float64 { return r.Convergence.Seconds() }, fmt: secs},
		{core: true, name: "limit: plain client, same objects, create + status", val: func(r *result) float64 { return r.Limit.Seconds() }, fmt: secs},
		{core: true, name: "  ... again when the manager stopped", val: func(r *result) float64 { return r.LimitAfter.Seconds() }, fmt: secs},
		{core: true, name: "convergence / limit", goal: "≤ 1.5", val: (*result).ratio, fmt: ratio, met: le(1.5)},
		{core: true, name: "WorkloadHealth writes until converged", goal: fmt.Sprintf("%d (2 per object)", 2*cfg.targets),
			val: func(r *result) float64 { return float64(r.ConvergenceWrites) }, fmt: num},
		{core: true, name: "  ... until the manager went quiet", val: func(r *result) float64 { return float64(r.SettledWrites) }, fmt: num},
		{core: true, name: "  ... by the plain client (limit)", val: func(r *result) float64 { return float64(r.LimitWrites) }, fmt: num},
		{core: true, name: "  ... of them refused with 409 (conflicts)", val: func(r *result) float64 { return float64(r.SettledConflicts) }, fmt: num},
		{core: true, name: "reconciles until converged", val: func(r *result) float64 { return r.Reconciles }, fmt: num},
		{core: true, name: "reconciles/s (mean over convergence)", val: func(r *result) float64 { return r.ReconcileRate }, fmt: rate},
		{core: true, name: "reconciles/s (best 2 s)", val: func(r *result) float64 { return r.PeakReconcileRate }, fmt: rate},
		{name: fmt.Sprintf("writes in %s idle (resync every %s)", cfg.idle, cfg.syncPeriod), goal: "0",
			val: func(r *result) float64 { return float64(r.IdleWrites) }, fmt: num, met: le(0)},
		{name: "  reconciles in that time", val: func(r *result) float64 { return r.IdleReconciles }, fmt: num},
		{name: "writes after an annotation change on every pod", goal: "0",
			val: func(r *result) float64 { return float64(r.TouchWrites) }, fmt: num, met: le(0)},
		{name: "  reconciles", val: func(r *result) float64 { return r.TouchReconciles }, fmt: num},
		{name: "  time to drain", val: func(r *result) float64 { return r.TouchDrain.Seconds() }, fmt: secs},
		{name: fmt.Sprintf("writes per single pod change (max of %d)", cfg.flips), goal: "1",
			val: func(r *result) float64 { return float64(slices.Max(append([]int{0}, r.FlipWrites...))) }, fmt: num,
			met: func(_ float64, rs []*result) bool {
				for _, r := range rs {
					for _, w := range r.FlipWrites {
						if w != 1 {
							return false
						}
					}
				}
				return true
			}},
		{name: fmt.Sprintf("pod change → status at %d pods/s: p99", cfg.churnRate), goal: "< 2 s",
			val: func(r *result) float64 { return dms(r.ChurnP99) }, fmt: ms, met: lt(2000)},
		{name: "  p50", val: func(r *result) float64 { return dms(r.ChurnP50) }, fmt: ms},
		{name: "  max", val: func(r *result) float64 { return dms(r.ChurnMax) }, fmt: ms},
		{name: "  changes never seen within 1 min", goal: "0", val: func(r *result) float64 { return float64(r.ChurnMissed) }, fmt: num, met: le(0)},
		{name: "  writes per change", goal: "1",
			val: func(r *result) float64 { return float64(r.ChurnWrites) / float64(max(r.ChurnChanges, 1)) }, fmt: ratio,
			met: func(m float64, _ []*result) bool { return m > 0.99 && m < 1.01 }},
		{name: fmt.Sprintf("event storm (%d in %s): writes to its WorkloadHealth", cfg.stormEvents, cfg.storm), goal: "≤ 20",
			val: func(r *result) float64 { return float64(r.StormWrites) }, fmt: num, met: le(20)},
		{name: "  other targets' changes → status: p99", goal: "< 2 s",
			val: func(r *result) float64 { return dms(r.StormOtherP99) }, fmt: ms, met: lt(2000)},
		{name: "  max", val: func(r *result) float64 { return dms(r.StormOtherMax) }, fmt: ms},
		{core: true, name: "cold-start peak RSS (VmHWM when converged)", val: func(r *result) float64 { return float64(r.ColdPeakRSS) }, fmt: mibs},
		{core: true, name: "steady RSS (after the idle time)", val: func(r *result) float64 { return float64(r.SteadyRSS) }, fmt: mibs},
		{core: true, name: "  live heap then", val: func(r *result) float64 { return float64(r.SteadyLiveHeap) }, fmt: mibs},
		{name: "cold-start peak / steady", goal: "≤ 2",
			val: func(r *result) float64 { return float64(r.ColdPeakRSS) / float64(r.SteadyRSS) }, fmt: ratio, met: le(2)},
		{name: fmt.Sprintf("RSS, %d pods and %d events cached", cfg.pods, cfg.eventsCached), goal: "< 150 MiB",
			val: func(r *result) float64 { return float64(r.CachedRSS) }, fmt: mibs, met: lt(150 << 20)},
		{name: "  live heap", val: func(r *result) float64 { return float64(r.LiveHeap) }, fmt: mibs},
		{name: "  live heap per cached pod", goal: "< 4 KiB",
			val: func(r *result) float64 { return float64(r.LiveHeap) / float64(r.Pods) }, fmt: kib, met: lt(4096)},
		{name: "  writes caused by the added old events", goal: "0",
			val: func(r *result) float64 { return float64(r.OldEventWrites) }, fmt: num, met: le(0)},
		{core: true, name: "peak RSS over the whole run", val: func(r *result) float64 { return float64(r.PeakRSS) }, fmt: mibs},
		{name: "WorkloadHealth size p99 (as served, managedFields incl.)", goal: "< 4 KiB",
			val: func(r *result) float64 { return float64(r.SizeP99) }, fmt: byteSize, met: lt(4096)},
		{name: "  p50", val: func(r *result) float64 { return float64(r.SizeP50) }, fmt: byteSize},
		{name: "  max", val: func(r *result) float64 { return float64(r.SizeMax) }, fmt: byteSize},
		{name: "  p99 without managedFields", val: func(r *result) float64 { return float64(r.BareSizeP99) }, fmt: byteSize},
		{core: true, name: "reconcile errors (whole run)", val: func(r *result) float64 { return r.ReconcileErrors }, fmt: num},
		{name: "WorkloadHealth writes refused with 409 (whole run)", val: func(r *result) float64 { return float64(r.Conflicts) }, fmt: num},
		{core: true, name: "filling the cluster", val: func(r *result) float64 { return r.Populate.Seconds() }, fmt: secs},
		{core: true, name: "machine load average, mean (2 cores)", val: func(r *result) float64 { return r.LoadMean }, fmt: ratio},
		{core: true, name: "machine load average, max", val: func(r *result) float64 { return r.LoadMax }, fmt: ratio},
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func printTable(w io.Writer, cfg config, rs []*result) {
	fmt.Fprintf(w, "\nworkloadhealth bench: %d pods, %d targets (Deployments), %d namespaces; %d run(s); %d CPUs; manager %s%s %s\n\n",
		cfg.pods, cfg.targets, cfg.namespaces, len(rs), runtime.NumCPU(), strings.Join(append(cfg.managerEnv, ""), " "), cfg.managerBin, strings.Join(rs[0].ManagerArgs, " "))
	// A Markdown table, aligned for the terminal, pasted as is into
	// docs/performance.md.
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	line := func(cells []string) { fmt.Fprintln(tw, "| "+strings.Join(cells, "\t| ")+"\t|") }
	head := []string{"measure", "goal"}
	for i := range rs {
		head = append(head, fmt.Sprintf("run %d", i+1))
	}
	head = append(head, "median", "met")
	line(head)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range rows(cfg) {
		if cfg.convergenceOnly && !r.core {
			continue
		}
		var vals []float64
		cells := []string{r.name, r.goal}
		for _, res := range rs {
			v := r.val(res)
			vals = append(vals, v)
			cells = append(cells, r.fmt(v))
		}
		m := median(vals)
		met := ""
		if r.met != nil {
			met = "no"
			if r.met(m, rs) {
				met = "yes"
			}
		}
		cells = append(cells, r.fmt(m), met)
		line(cells)
	}
	_ = tw.Flush()
}
