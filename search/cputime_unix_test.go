//go:build unix

package search

import "syscall"

// processCPU is the CPU time this process has used, in ns (every thread:
// the garbage collector's work is part of a proposal's cost). On a machine
// shared with other work it grows only while the process runs, where the
// wall clock also counts the time others run.
func processCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
