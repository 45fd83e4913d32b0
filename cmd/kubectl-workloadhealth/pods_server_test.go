package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/workloadhealth/workloadhealth/internal/inventory"
)

// createPodsOf creates the pods of the dump in ns, each with its status
// written through the status subresource as the kubelet writes it, and
// returns their names.
func createPodsOf(dump, ns string) []string {
	data, err := os.ReadFile(dump)
	Expect(err).NotTo(HaveOccurred())
	inv, _, err := inventory.Read(bytes.NewReader(data))
	Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, p := range inv.Pods() {
		pod := p.DeepCopy()
		pod.Namespace, pod.ResourceVersion, pod.UID = ns, "", ""
		pod.OwnerReferences = nil // their owners are not in ns
		status := pod.Status
		Expect(k8sClient.Create(ctx, pod)).To(Succeed(), "create pod %s", p.Name)
		pod.Status = status
		Expect(k8sClient.Status().Update(ctx, pod)).To(Succeed(), "write the status of pod %s", p.Name)
		names = append(names, p.Name)
	}
	return names
}

// serverPodCells are the server's READY, STATUS and RESTARTS cells of each
// pod of ns, by name.
func serverPodCells(ns string) map[string][]string {
	table := getTable("/api/v1/namespaces/" + ns + "/pods")
	col := map[string]int{}
	for i, c := range table.ColumnDefinitions {
		col[c.Name] = i
	}
	for _, name := range []string{"Name", "Ready", "Status", "Restarts"} {
		Expect(col).To(HaveKey(name), "the server's pod table has no %s column", name)
	}
	cells := map[string][]string{}
	for _, row := range table.Rows {
		c := texts(row.Cells)
		// "161 (3m19s ago)": the age is the server's clock's; the count is
		// what -o json gives.
		cells[c[col["Name"]]] = []string{c[col["Ready"]], c[col["Status"]], strings.Fields(c[col["Restarts"]])[0]}
	}
	return cells
}

var _ = Describe("pods -o json", func() {
	for _, dump := range []string{knativeDump, rolloutDump} {
		It("agrees with the API server's table on STATUS, READY and RESTARTS for the pods of "+dump, func() {
			ns := newNamespace()
			names := createPodsOf(dump, ns)
			Expect(names).NotTo(BeEmpty())

			out, _, err := run(GinkgoT(), nil, "pods", "-f", dump, "-o", "json", "--now", storyTime)
			Expect(err).NotTo(HaveOccurred())
			var lines []podLine
			Expect(json.Unmarshal([]byte(out), &lines)).To(Succeed())
			ours := map[string][]string{}
			for _, l := range lines {
				ours[l.Name] = []string{l.Ready, l.Status, fmt.Sprint(l.Restarts)}
			}

			server := serverPodCells(ns)
			Expect(server).To(HaveLen(len(names)))
			for _, name := range names {
				Expect(ours).To(HaveKeyWithValue(name, server[name]),
					"pod %s: ours [ready status restarts] = %v, the server's = %v", name, ours[name], server[name])
			}
		})
	}
})
