package main

import (
	"errors"
	"fmt"
	"strings"
)

// The plugin's exit codes, as grep and diff use theirs, so that a CI gate
// tells a finding from a failure: 1 only ever means "something is
// Degraded", never "the dump could not be read".
const (
	exitOK       = 0
	exitDegraded = 1
	exitError    = 2
)

// exitStatusHelp documents the exit codes in the --help of the commands
// that read a dump.
const exitStatusHelp = `Exit status: 0 when the output is printed; 1 with --fail-on-degraded when
something is Degraded, after the output is printed; 2 on an error (bad flags,
a dump that cannot be opened or read), with nothing on standard output.`

// exitCode is the process's exit code for what execute returned.
func exitCode(err error) int {
	var degraded *degradedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &degraded):
		return exitDegraded
	default:
		return exitError
	}
}

// maxNamed bounds the names a degradedError lists.
const maxNamed = 5

// degradedError is --fail-on-degraded's verdict: of total things (targets
// or pods), those named are Degraded.
type degradedError struct {
	noun  string // "targets", "pods"
	total int
	names []string
}

func (e *degradedError) Error() string {
	names := e.names
	more := ""
	if len(names) > maxNamed {
		more = fmt.Sprintf(" and %d more", len(names)-maxNamed)
		names = names[:maxNamed]
	}
	return fmt.Sprintf("--fail-on-degraded: %d of %d %s Degraded: %s%s",
		len(e.names), e.total, e.noun, strings.Join(names, ", "), more)
}

// failOnDegraded is the error --fail-on-degraded returns when any of the
// named things is Degraded, nil otherwise.
func failOnDegraded(noun string, total int, degraded []string) error {
	if len(degraded) == 0 {
		return nil
	}
	return &degradedError{noun: noun, total: total, names: degraded}
}
