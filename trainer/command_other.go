//go:build !unix

package trainer

import (
	"os"
	"os/exec"
)

// Without Unix process groups a program's children cannot be reached:
// stopping a trial ends the program itself.

func ownGroup(*exec.Cmd) {}

func signalGroup(p *os.Process, _ bool) { _ = p.Kill() }

func exitSignal(*os.ProcessState) string { return "" }
