// Package testenv is the one way our tests start a Kubernetes control plane
// (envtest's etcd and kube-apiserver): it finds the binaries, installs the
// WorkloadHealth CRD from config/crd/bases, builds the scheme and a client,
// and stops the processes again. Suites differ only in what they register
// and configure; everything else lives here.
//
// A suite declares its environment once, starts it from its BeforeSuite and
// lets TestMain stop it after every spec, AfterSuite and DeferCleanup has
// run, so a manager is always cancelled before the API server goes away:
//
//	var testEnv = testenv.New(testenv.Options{})
//
//	func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }
//
//	var _ = BeforeSuite(func() {
//		Expect(testEnv.Start()).To(Succeed())
//		k8sClient = testEnv.Client
//	})
//
// Start is lazy rather than called from TestMain, so `go test -run` of a
// package's plain unit tests neither needs the binaries nor waits for a
// control plane.
//
// # One control plane per package process
//
// go test runs every package as its own process, two at a time on our
// two-core machines, so a control plane cannot outlive one package without
// a server that something outside go test starts and stops, which `go test
// ./...` alone would not have. Merging the suites that need only the CRD
// (api/v1alpha1, test/kstatus, test/parity) into one package would give up
// their separate scopes and names. We did neither: each package process
// starts one control plane and no more, and within a process there is one
// Env, started once, whatever the number of specs.
//
// Sharing would not have bought wall time either. Starting etcd,
// kube-apiserver and the CRD takes 4 to 5 s and stopping them about 1.5 s
// on a loaded machine, while `make test` takes minutes and its longest
// package, test/e2e (about 5 minutes, a whole cluster of its own), sets the
// pace: kstatus and parity run beside it, so their start-ups are off the
// critical path, and api/v1alpha1's few seconds are all that sharing could
// save.
//
// Tests reach the API server on 127.0.0.1 only, as envtest binds it.
package testenv
