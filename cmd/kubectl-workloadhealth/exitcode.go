package main

// The plugin's exit codes, as grep and diff use theirs: 1 is kept for a
// finding, so that a failure is never mistaken for one.
const (
	exitOK    = 0
	exitError = 2
)

// exitStatusHelp documents the exit codes in the --help of the commands
// that read a dump.
const exitStatusHelp = `Exit status: 0 when the output is printed; 2 on an error (bad flags, a dump
that cannot be opened or read), with nothing on standard output.`

// exitCode is the process's exit code for what execute returned.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	return exitError
}
