//go:build !unix

package trainer

import (
	"os"
	"os/exec"
)

// Without Unix process groups a program's children cannot be reached:
// stopping a trial ends the program itself. Nor can a program be paused
// portably: pausing a trial only holds its time limit, and the program
// keeps running (until its output pipe is full).

func ownGroup(*exec.Cmd) {}

func signalGroup(p *os.Process, _ bool) { _ = p.Kill() }

func exitSignal(*os.ProcessState) string { return "" }

func pauseGroup(*os.Process) {}

func continueGroup(*os.Process) {}
