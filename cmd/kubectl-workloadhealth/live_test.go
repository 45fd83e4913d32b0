package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/workloadhealth/workloadhealth/internal/inventory"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// knativeServing is the Knative story's namespace alone, as a dump: the
// live specs create its objects in a namespace and expect the live mode
// to print for the namespace what the dump mode prints for the file.
const knativeServing = "testdata/split/knative-serving.json"

// createObjectsOf creates the objects of a List dump in ns, owners before
// what they own (their ownerReferences then carry the new UIDs), each
// with its status written through the status subresource as the
// controllers and the kubelet write it.
func createObjectsOf(dump, ns string) {
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	data, err := os.ReadFile(dump)
	Expect(err).NotTo(HaveOccurred())
	Expect(json.Unmarshal(data, &list)).To(Succeed())
	uids := map[string]types.UID{}
	for _, kind := range []string{"Deployment", "ReplicaSet", "Pod", "Event"} {
		for _, raw := range list.Items {
			u := &unstructured.Unstructured{}
			Expect(json.Unmarshal(raw, &u.Object)).To(Succeed())
			if u.GetKind() != kind {
				continue
			}
			status, hasStatus := u.Object["status"]
			u.SetNamespace(ns)
			u.SetUID("")
			u.SetResourceVersion("")
			u.SetCreationTimestamp(metav1.Time{})
			refs := u.GetOwnerReferences()
			for i := range refs {
				refs[i].UID = uids[refs[i].Kind+"/"+refs[i].Name]
			}
			u.SetOwnerReferences(refs)
			if kind == "Event" {
				Expect(unstructured.SetNestedField(u.Object, ns, "involvedObject", "namespace")).To(Succeed())
				unstructured.RemoveNestedField(u.Object, "involvedObject", "uid")
				unstructured.RemoveNestedField(u.Object, "involvedObject", "resourceVersion")
			}
			Expect(k8sClient.Create(ctx, u)).To(Succeed(), "create %s %s", kind, u.GetName())
			uids[kind+"/"+u.GetName()] = u.GetUID()
			if hasStatus && kind != "Event" {
				u.Object["status"] = status
				Expect(k8sClient.Status().Update(ctx, u)).To(Succeed(), "write the status of %s %s", kind, u.GetName())
			}
		}
	}
}

// runAs runs the plugin with a kubeconfig, arguments in that order (the
// completion specs need the word to complete last).
func runAs(kubeconfig string, args ...string) (stdout, stderr string, code int) {
	return runExit(GinkgoT(), nil, append([]string{"--kubeconfig", kubeconfig}, args...)...)
}

var _ = Describe("assess and pods without -f: the cluster", func() {
	It("print for a namespace what they print for its dump, in every format", func() {
		ns := newNamespace()
		createObjectsOf(knativeServing, ns)
		for _, args := range [][]string{
			{"assess"},
			{"assess", "-o", "wide", "--no-headers"},
			{"assess", "-o", "name"},
			{"assess", "-o", `jsonpath={range .items[*]}{.metadata.name} {.status.health.status} {.status.reason} {.status.ready} {.status.restarts} {.status.hints[*].code}{"\n"}{end}`},
			{"assess", "-o", `go-template={{range .items}}{{.spec.targetRef.kind}}/{{.spec.targetRef.name}} {{.status.health.message}}{{"\n"}}{{end}}`},
			{"pods", "-o", "wide"},
			{"pods", "-o", "json"},
			{"pods", "-o", "yaml"},
			{"pods", "-o", "name"},
		} {
			fromDump, _, err := run(GinkgoT(), nil, append(args, "-f", knativeServing)...)
			Expect(err).NotTo(HaveOccurred())
			fromDump = strings.ReplaceAll(fromDump, "knative-serving", ns)
			live, errOut, err := runLive(append(args, "-n", ns)...)
			Expect(err).NotTo(HaveOccurred(), "%v", args)
			Expect(errOut).To(BeEmpty(), "%v", args)
			Expect(live).To(Equal(fromDump), "%v", args)
		}
	})

	It("show a NAMESPACE column with -A and not with -n, keep what -l selects", func() {
		ns := newNamespace()
		createObjectsOf(knativeServing, ns)

		out, _, err := runLive("assess", "-n", ns)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("NAME "))

		out, _, err = runLive("assess", "-A")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("NAMESPACE "))
		Expect(out).To(MatchRegexp(`(?m)^` + ns + ` +deployment-activator +Deployment +activator +0/1 +CrashLoopBackOff +Degraded +DNSFailure +161 +Unhealthy`))

		out, _, err = runLive("pods", "-A", "--no-headers", "-l", "app=autoscaler")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(MatchRegexp(`(?m)^` + ns + ` +autoscaler-5f8b9c6d7-x2x9k +1/1 +Running`))
		Expect(out).NotTo(ContainSubstring("activator"))

		// A target is kept when one of its pods matches, and judged whole.
		out, _, err = runLive("assess", "-n", ns, "-l", "role=activator", "-o", "name")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal("workloadhealth.health.workloadhealth.io/deployment-activator\n"))
	})

	It("gate a namespace with --fail-on-degraded, and refuse an empty one", func() {
		ns := newNamespace()
		createObjectsOf(knativeServing, ns)
		out, errOut, code := runAs(kubeconfig, "assess", "-n", ns, "--fail-on-degraded")
		Expect(code).To(Equal(exitDegraded))
		Expect(out).To(ContainSubstring("deployment-activator"))
		Expect(errOut).To(Equal("error: --fail-on-degraded: 1 of 2 targets Degraded: " + ns + "/deployment-activator\n"))

		empty := newNamespace()
		out, errOut, code = runAs(kubeconfig, "assess", "-n", empty)
		Expect(code).To(Equal(exitOK))
		Expect(out).To(BeEmpty())
		Expect(errOut).To(Equal("No resources found in " + empty + " namespace.\n"))

		out, errOut, code = runAs(kubeconfig, "pods", "-n", empty, "-o", "json", "--fail-on-degraded")
		Expect(code).To(Equal(exitError))
		Expect(out).To(BeEmpty())
		Expect(errOut).To(Equal("error: --fail-on-degraded: no pods in namespace " + empty + ": nothing was assessed\n"))
	})

	It("read the namespace of the kubeconfig's context without -n", func() {
		ns := newNamespace()
		createObjectsOf(knativeServing, ns)
		user, err := testEnv.AddUser(testenv.Admin("plugin-user-"+ns), nil)
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(testenv.WriteKubeconfig(user, path)).To(Succeed())
		// Point the context at ns, as `kubectl config set-context --current --namespace` does.
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(path, []byte(strings.Replace(string(data), "    cluster: envtest\n", "    cluster: envtest\n    namespace: "+ns+"\n", 1)), 0o600)).To(Succeed())

		out, errOut, code := runAs(path, "pods", "-o", "name")
		Expect(code).To(Equal(exitOK), errOut)
		Expect(out).To(Equal("pod/activator-67656dcbbb-hq62r\npod/autoscaler-5f8b9c6d7-x2x9k\n"))
	})

	It("skip with a warning the kinds the user may not list, and need pods", func() {
		ns := newNamespace()
		createObjectsOf(knativeServing, ns)
		user, err := testEnv.AddUser(envtest.User{Name: "pod-reader-" + ns}, nil)
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(testenv.WriteKubeconfig(user, path)).To(Succeed())

		_, errOut, code := runAs(path, "pods", "-n", ns)
		Expect(code).To(Equal(exitError))
		Expect(errOut).To(ContainSubstring(`error: list pods: pods is forbidden: User "pod-reader-` + ns + `" cannot list resource "pods"`))

		role := &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pod-reader"},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"pods", "events"}, Verbs: []string{"list"}},
				{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets"}, Verbs: []string{"list"}},
			},
		}
		Expect(k8sClient.Create(ctx, role)).To(Succeed())
		binding := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pod-reader"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-reader"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "pod-reader-" + ns}},
		}
		Expect(k8sClient.Create(ctx, binding)).To(Succeed())

		var out string
		Eventually(func(g Gomega) {
			out, errOut, code = runAs(path, "assess", "-n", ns)
			g.Expect(code).To(Equal(exitOK), errOut)
		}).Should(Succeed())
		for _, skipped := range []string{"statefulsets.apps", "daemonsets.apps", "replicationcontrollers", "jobs.batch", "cronjobs.batch"} {
			Expect(errOut).To(ContainSubstring("warning: " + skipped + " not read: "))
		}
		Expect(out).To(MatchRegexp(`(?m)^deployment-activator +Deployment +activator +0/1 +CrashLoopBackOff +Degraded`))
	})

	It("complete namespaces, and the names of describe", func() {
		ns := newNamespace()
		out, _, code := runAs(kubeconfig, "__complete", "pods", "-n", "")
		Expect(code).To(Equal(exitOK))
		Expect(strings.Split(out, "\n")).To(ContainElements(ns, "default", "kube-system"))

		out, _, code = runAs(kubeconfig, "__complete", "assess", "--namespace", ns[:len(ns)-2])
		Expect(code).To(Equal(exitOK))
		Expect(strings.Split(out, "\n")).To(ContainElement(ns))
		Expect(strings.Split(out, "\n")).NotTo(ContainElement("default"))
	})
})

// pagesOfOne asks the API server for one object per page, so that a
// namespace of a few objects spans many pages and continue tokens.
type pagesOfOne struct {
	client.Reader
	pages *int
}

func (p pagesOfOne) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	*p.pages++
	return p.Reader.List(ctx, list, append(opts, client.Limit(1))...)
}

var _ = Describe("inventory.List", func() {
	It("reads every page of every list", func() {
		ns := newNamespace()
		createObjectsOf(knativeServing, ns)
		whole, skipped, err := inventory.List(ctx, k8sClient, ns)
		Expect(err).NotTo(HaveOccurred())
		Expect(skipped).To(BeEmpty())
		pages := 0
		paged, _, err := inventory.List(ctx, pagesOfOne{Reader: k8sClient, pages: &pages}, ns)
		Expect(err).NotTo(HaveOccurred())

		// 2 Deployments, 2 ReplicaSets, 2 pods, 2 Warning events: the
		// server leaves out the dump's Normal event.
		Expect(whole.Len()).To(Equal(8))
		for _, e := range whole.AllEvents() {
			Expect(e.Type).To(Equal("Warning"))
		}
		Expect(paged.Len()).To(Equal(whole.Len()))
		Expect(names(paged.Pods())).To(Equal(names(whole.Pods())))
		Expect(names(paged.AllEvents())).To(Equal(names(whole.AllEvents())))
		Expect(len(paged.Workloads())).To(Equal(len(whole.Workloads())))
		// One list per kind and for events, and at least one more page for
		// each object past the first of its list (the server may spend a
		// page on the Normal event it filters out, when it pages before
		// filtering).
		Expect(pages).To(BeNumerically(">=", len(workload.BuiltIn())+1+(2-1)+(2-1)+(2-1)+(2-1)))
	})
})

func names[T metav1.Object](objs []T) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetName())
	}
	return out
}
