// Package report renders one WorkloadHealth as the readable text of
// `kubectl workloadhealth describe`: the target, the verdict and why, the
// pods worst first with their containers' last terminations, the last
// Warning event and the hints with their evidence. It reads nothing but the
// object and the time it is given.
package report
