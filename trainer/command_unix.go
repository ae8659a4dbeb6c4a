//go:build unix

package trainer

import (
	"os"
	"os/exec"
	"syscall"
)

// ownGroup starts the program as the leader of a new process group, so
// that stopping a trial reaches every process it started, and (Linux) so
// that it dies with hpsearch.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
}

// signalGroup sends SIGTERM (hard: SIGKILL) to the program's whole process
// group. An empty group (ESRCH) is the usual case once it has exited.
func signalGroup(p *os.Process, hard bool) {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-p.Pid, sig)
}

// exitSignal names the signal that ended a process ("killed",
// "segmentation fault"), or "" when it exited by itself.
func exitSignal(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal().String()
	}
	return ""
}

// pauseGroup stops the program's whole process group (SIGSTOP).
func pauseGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGSTOP) }

// continueGroup continues the program's whole process group (SIGCONT).
func continueGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGCONT) }
