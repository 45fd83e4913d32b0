// Package figures records the goal figures the tests measure (failover,
// handover, recovery after an outage, …): goals are printed, not asserted
// at their edge, and hack/stress.sh gives their medians and spread over
// repeated runs from the file named by WH_FIGURES_FILE.
package figures

import (
	"fmt"
	"io"
	"os"
	"time"
)

// EnvFile names the file figures are appended to; unset, they are only
// printed.
const EnvFile = "WH_FIGURES_FILE"

// Record prints a figure to w and appends "name seconds" to the figures
// file, if any. A figure lost to a write error is reported on w, not fatal:
// the test's own assertions decide whether it passed.
func Record(w io.Writer, name string, d time.Duration) {
	fmt.Fprintf(w, "figure %s: %s\n", name, d.Round(time.Millisecond))
	path := os.Getenv(EnvFile)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		_, err = fmt.Fprintf(f, "%s %.3f\n", name, d.Seconds())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(w, "figure %s not recorded: %v\n", name, err)
	}
}
