package parity_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/health/healthtest"
	"github.com/workloadhealth/workloadhealth/internal/servertable"
)

// defaultSeed makes the random pods reproducible; PARITY_SEED overrides
// it and PARITY_PODS the number of pods.
const (
	defaultSeed = 20260701
	defaultPods = 600
)

var _ = Describe("kubectl columns of pods", func() {
	It("equal the API server's Table cells for every fixed case", func() {
		ns := newNamespace()
		cases := healthtest.PodStatusCases()
		pods := make([]*corev1.Pod, len(cases))
		want := map[string]healthtest.PodStatusCase{}
		for i, c := range cases {
			pods[i] = c.Pod
			want[c.Pod.Name] = c
		}
		createPods(ns, pods)
		compared := compareWithServer(ns, len(pods))
		Expect(compared).To(HaveLen(len(pods)))
		for _, r := range compared {
			c := want[r.pod.Name]
			// The table of expectations must agree with the server too.
			Expect(r.server).To(Equal(serverRow{Status: c.Status, Ready: c.Ready, Restarts: strconv.FormatInt(c.Restarts, 10)}),
				"case %s: server says %+v, the case expects %q %q %d", c.Name, r.server, c.Status, c.Ready, c.Restarts)
		}
	})

	It("equal the API server's Table cells for random pods", func() {
		seed := uint64(defaultSeed)
		if s := os.Getenv("PARITY_SEED"); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			Expect(err).NotTo(HaveOccurred())
			seed = v
		}
		n := defaultPods
		if s := os.Getenv("PARITY_PODS"); s != "" {
			v, err := strconv.Atoi(s)
			Expect(err).NotTo(HaveOccurred())
			n = v
		}
		AddReportEntry("seed", seed)
		fmt.Fprintf(GinkgoWriter, "random pods: %d, seed %d (rerun with PARITY_SEED=%d)\n", n, seed, seed)

		ns := newNamespace()
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		now := time.Now()
		pods := make([]*corev1.Pod, n)
		for i := range pods {
			pods[i] = healthtest.RandomPod(rng, fmt.Sprintf("rnd-%04d", i), now)
		}
		createPods(ns, pods)
		compared := compareWithServer(ns, n)
		Expect(compared).To(HaveLen(n))
	})
})

// createPods creates the pods in parallel: the pod without its status,
// then its status through the status subresource, then, for pods built
// with a deletion timestamp, a delete (their finalizer keeps them, now
// with the server's deletionTimestamp).
func createPods(ns string, pods []*corev1.Pod) {
	const workers = 8
	work := make(chan *corev1.Pod)
	errs := make(chan error, len(pods))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			for p := range work {
				if err := createPod(ns, p); err != nil {
					errs <- fmt.Errorf("pod %s: %w", p.Name, err)
				}
			}
		}()
	}
	for _, p := range pods {
		work <- p
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		Expect(err).NotTo(HaveOccurred())
	}
}

func createPod(ns string, in *corev1.Pod) error {
	p := in.DeepCopy()
	p.Namespace = ns
	p.UID, p.ResourceVersion, p.CreationTimestamp = "", "", metav1.Time{}
	deleting := p.DeletionTimestamp != nil
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = nil, nil
	status := p.Status
	p.Status = corev1.PodStatus{}

	pods := clientset.CoreV1().Pods(ns)
	created, err := pods.Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	created.Status = status
	if _, err := pods.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	if deleting {
		if err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
	}
	return nil
}

type serverRow struct{ Status, Ready, Restarts string }

type comparison struct {
	pod    *corev1.Pod
	server serverRow
}

// compareWithServer reads the namespace's pods as objects and as the
// server's Table, computes our columns from the objects the server
// stored, and fails on the first pod where they differ, printing it.
func compareWithServer(ns string, n int) []comparison {
	list, err := clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred())
	Expect(list.Items).To(HaveLen(n))

	before := time.Now()
	table, err := servertable.Get(ctx, cfg, "/api/v1/namespaces/"+ns+"/pods?includeObject=None")
	after := time.Now()
	Expect(err).NotTo(HaveOccurred())
	rows := tableRows(table)
	Expect(rows).To(HaveLen(n))

	var out []comparison
	var mismatches []string
	var first *corev1.Pod
	for i := range list.Items {
		p := &list.Items[i]
		srv, ok := rows[p.Name]
		Expect(ok).To(BeTrue(), "pod %s is missing from the server's table", p.Name)
		ours := health.PrintPod(p)
		var diffs []string
		if ours.Status != srv.Status {
			diffs = append(diffs, fmt.Sprintf("STATUS ours %q server %q", ours.Status, srv.Status))
		}
		if ours.Ready() != srv.Ready {
			diffs = append(diffs, fmt.Sprintf("READY ours %q server %q", ours.Ready(), srv.Ready))
		}
		number, _, _ := strings.Cut(srv.Restarts, " ")
		if strconv.FormatInt(ours.Restarts, 10) != number {
			diffs = append(diffs, fmt.Sprintf("RESTARTS ours %d server %q", ours.Restarts, srv.Restarts))
		} else if a, b := ours.RestartsColumn(before), ours.RestartsColumn(after); srv.Restarts != a && srv.Restarts != b {
			diffs = append(diffs, fmt.Sprintf("RESTARTS ours %q..%q server %q", a, b, srv.Restarts))
		}
		if len(diffs) > 0 {
			if first == nil {
				first = p
			}
			mismatches = append(mismatches, p.Name+": "+strings.Join(diffs, "; "))
		}
		// Expectations of fixed cases are written without the age.
		number, _, _ = strings.Cut(srv.Restarts, " ")
		out = append(out, comparison{pod: p, server: serverRow{Status: srv.Status, Ready: srv.Ready, Restarts: number}})
	}
	if first != nil {
		first.ManagedFields = nil
		y, _ := yaml.Marshal(first)
		Fail(fmt.Sprintf("%d of %d pods differ from the server's table:\n%s\n\nfirst mismatching pod:\n%s",
			len(mismatches), n, strings.Join(mismatches, "\n"), y))
	}
	fmt.Fprintf(GinkgoWriter, "compared %d pods with the server's table: all equal\n", len(out))
	return out
}

// tableRows indexes the Table's Name, Ready, Status and Restarts cells by
// pod name, finding the columns by name.
func tableRows(t *metav1.Table) map[string]serverRow {
	col := map[string]int{}
	for i, c := range t.ColumnDefinitions {
		col[c.Name] = i
	}
	for _, name := range []string{"Name", "Ready", "Status", "Restarts"} {
		Expect(col).To(HaveKey(name), "the server's pod table has no %s column", name)
	}
	cell := func(r metav1.TableRow, name string) string {
		v := r.Cells[col[name]]
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
	rows := map[string]serverRow{}
	for _, r := range t.Rows {
		rows[cell(r, "Name")] = serverRow{Status: cell(r, "Status"), Ready: cell(r, "Ready"), Restarts: cell(r, "Restarts")}
	}
	return rows
}
