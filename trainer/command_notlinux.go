//go:build !linux

package trainer

import (
	"os/exec"
	"syscall"
)

// Elsewhere there is no parent-death signal: a program outlives a killed
// hpsearch until it ends by itself. Nor is there a /proc in which to tell
// a stray group of a trial's from one that took its id since, so none is
// stopped: resume after a kill -9 may then run a trial beside its stray
// program.

func dieWithParent(*syscall.SysProcAttr) {}

const canStopStrays = false

func startProgram(cmd *exec.Cmd) error { return cmd.Start() }

func stopStray(token string) (bool, error) { return false, nil }

func processStart(pid int) (uint64, bool) { return 0, false }

// No group keeper outside Linux.
func readyGroupKeeper() {}
func releaseGroup(int)  {}
