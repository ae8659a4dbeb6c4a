package trainer

import "syscall"

// threadCPU is the CPU time the calling OS thread has used, in ns; on a
// machine shared with other work it grows only while the thread runs,
// where the wall clock also counts the time others run.
func threadCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
