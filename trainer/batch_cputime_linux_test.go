package trainer

import "syscall"

// processCPU is the CPU time every thread of the process has used, in ns:
// a batched pass's work is spread over its trials' goroutines and the
// helper cores, so one thread's time would miss most of it.
func processCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
