// Package health is the pure core of workloadhealth: from a workload, its
// pods and its Warning events at a given time, it computes the
// WorkloadHealth status: each pod's STATUS exactly as `kubectl get pods`
// prints it, a flap-proof health verdict per pod and per workload, the last
// warning event and diagnostic hints.
//
// It makes no API calls, keeps no state and reads no clock: the controller
// and the offline CLI call the same Assess with what they fetched and the
// time now, and tests pass whatever time they like.
//
// Where the rules live:
//
//   - podstatus.go: PrintPod, the STATUS, READY and RESTARTS columns of
//     `kubectl get pods` as the API server's printPod computes them;
//   - classify.go: the verdict on one pod, a chain of small named rules
//     (podRules) with its windows and the flap rule;
//   - aggregate.go: the verdict on a target, by kind;
//   - hints.go: the hint catalogue's order and the merging of findings;
//     hintrules.go: the hint rules, small named functions per pod,
//     container and event; hinttext.go: the readers of the cluster's
//     texts the hints quote;
//   - events.go: the last Warning event;
//   - conditions.go: the kstatus conditions Ready, Reconciling, Stalled;
//   - truncate.go: bounded, valid UTF-8 strings;
//   - assess.go: Assess, which ties them together and writes the status.
//
// healthtest holds the pod builders and cases the tests share, and
// test/parity compares PrintPod with a real API server's Table output.
package health
