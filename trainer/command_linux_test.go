//go:build linux

package trainer

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// A stray run is found by its token alone, with what it started in turn,
// and stopped; a process with another token is left alone.
func TestStopStrayStopsOnlyItsRun(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & wait")
	cmd.Env = append(os.Environ(), trialRunVar+"=tok")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited })
	deadline := time.Now().Add(10 * time.Second)
	for pids, _ := runningWith("tok"); len(pids) < 2; pids, _ = runningWith("tok") {
		if time.Now().After(deadline) {
			t.Fatalf("the program and its sleep never both ran: %v", pids)
		}
		time.Sleep(10 * time.Millisecond)
	}

	if stopped, err := stopStray("another"); err != nil || stopped {
		t.Fatalf("stopStray of another token: stopped %v, %v", stopped, err)
	}
	select {
	case <-exited:
		t.Fatal("another run's program was killed")
	default:
	}
	stopped, err := stopStray("tok")
	if err != nil || !stopped {
		t.Fatalf("stopStray of the run's token: stopped %v, %v", stopped, err)
	}
	if pids, err := runningWith("tok"); err != nil || len(pids) != 0 {
		t.Fatalf("still running after stopStray: %v %v", pids, err)
	}
	<-exited
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the program ended with %v, want SIGKILL", cmd.ProcessState)
	}
}
