package throttle

import "time"

// The bounds below follow from the two mechanisms between a refused
// request and a hot loop, not from how fast this machine is:
//
//   - client-go (rest.Request, maxRetries 10) retries a request answered
//     429 with Retry-After, waiting Retry-After before each retry; after
//     the tenth retry the reconcile gets the error;
//   - controller-runtime (its priority queue's default rate limiter) then
//     requeues the target after 5 ms·2^failures, reset by a success.
const (
	clientRetries = 10
	firstBackoff  = 5 * time.Millisecond
	// loadMargin covers what the mechanisms do not bound: API round trips,
	// watch delivery and the specs' own polling on a busy 2-core machine,
	// where one round trip can take a second and a convergence takes about
	// ten of them (the write that was waiting, its watch event, a second
	// reconcile and write for a target whose write was stale, the check).
	loadMargin = 10 * time.Second
)

// failedReconcilesPerTarget bounds the reconciles of one target that fail
// in a window of refused writes: each failed one sent its write
// 1+clientRetries times, waiting retryAfter in between, so it lasted at
// least clientRetries·retryAfter (10 s); one more may straddle the end.
func failedReconcilesPerTarget(window time.Duration) int {
	return int(window/(clientRetries*retryAfter)) + 1
}

// refusedPerTarget bounds the refused requests about one target in a
// window. Within one reconcile client-go sends them retryAfter apart; only
// where a failed reconcile hands over to the next, after milliseconds of
// back-off, can two come closer. So there are at most window/retryAfter
// (+1 for the fraction of a second) plus one per reconcile, and the
// reconciles number at most failedReconcilesPerTarget. For 30 s: 35, where
// Retry-After alone allows 31.
func refusedPerTarget(window time.Duration) int {
	return int(window/retryAfter) + 1 + failedReconcilesPerTarget(window)
}

// convergeBound bounds the time from the end of a window to every target
// showing its final state: a reconcile waiting on Retry-After sends its
// write within retryAfter; one in back-off is picked up within
// firstBackoff·2^failures, failures at most failedReconcilesPerTarget
// (80 ms for 30 s); the rest is round trips (loadMargin).
func convergeBound(window time.Duration) time.Duration {
	return retryAfter + firstBackoff<<failedReconcilesPerTarget(window) + loadMargin
}
