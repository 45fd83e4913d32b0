package main

import (
	"fmt"
	"time"

	"k8s.io/client-go/tools/leaderelection"
)

type leaderElectionTimes struct {
	leaseDuration, renewDeadline, retryPeriod time.Duration
}

// defaultLeaderElection is kube-controller-manager's (and controller-runtime's)
// choice: a killed leader is replaced within about 15 s + 2 × 2.2 × 2 s.
func defaultLeaderElection() leaderElectionTimes {
	return leaderElectionTimes{leaseDuration: 15 * time.Second, renewDeadline: 10 * time.Second, retryPeriod: 2 * time.Second}
}

// validateLeaderElection refuses, with the flags' names, the combinations
// client-go's elector would refuse at start-up with its own field names.
func validateLeaderElection(lease, renew, retry time.Duration) error {
	switch {
	case retry <= 0:
		return fmt.Errorf("--leader-elect-retry-period must be positive, not %s", retry)
	case lease <= renew:
		return fmt.Errorf("--leader-elect-lease-duration (%s) must be longer than --leader-elect-renew-deadline (%s)", lease, renew)
	case renew <= time.Duration(leaderelection.JitterFactor*float64(retry)):
		return fmt.Errorf("--leader-elect-renew-deadline (%s) must be longer than %.1f × --leader-elect-retry-period (%s)",
			renew, leaderelection.JitterFactor, retry)
	}
	return nil
}
