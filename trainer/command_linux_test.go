//go:build linux

package trainer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/dirlock"
)

// A stray run is found by its token alone, with what it started in turn,
// and stopped; a process with another token is left alone.
func TestStopStrayStopsOnlyItsRun(t *testing.T) {
	cmd, exited := startWithToken(t, "tok", 2, "sh", "-c", "sleep 30 & wait")

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

// A trial's directory holding a live program of another owner: while the
// hpsearch that started it runs, the trial is refused with a
// TrialDirBusyError and the program left alone; once that hpsearch is gone
// (here a pid that has exited), the program is a stray and is stopped.
func TestStrayOfAnotherOwnerStoppedOnlyOnceItsRunIsGone(t *testing.T) {
	dir := t.TempDir()
	_, exited := startWithToken(t, "tok2", 1, "sleep", "30")
	write := func(pid int, start uint64) {
		line := fmt.Sprintf("%s tok2 %d %d owner-a\n", thisHost(), pid, start)
		if err := os.WriteFile(filepath.Join(dir, ProcessFileName), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := CommandRun{Trial: 7, Dir: dir, Owner: "owner-b"}

	write(os.Getpid(), thisStart())
	var busy *TrialDirBusyError
	if err := stopStrayRun(r); !errors.As(err, &busy) || busy.PID != os.Getpid() || busy.Trial != 7 {
		t.Fatalf("another owner's live run: %v, want a TrialDirBusyError naming process %d", err, os.Getpid())
	}
	select {
	case <-exited:
		t.Fatal("another owner's live run's program was stopped")
	default:
	}
	// The pid of the hpsearch that started it now names a process that
	// started later: that hpsearch is gone, and its program a stray.
	write(os.Getpid(), thisStart()-1)
	if err := stopStrayRun(r); err != nil {
		t.Fatalf("a gone run's program: %v, want it stopped", err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the program of a run that is gone was not stopped")
	}
}

// startWithToken starts argv in a process group of its own as a trial's
// program with the run token given, and waits until procs processes carry
// it; exited is closed once the program has ended and been reaped.
func startWithToken(t *testing.T, token string, procs int, argv ...string) (cmd *exec.Cmd, exited chan struct{}) {
	t.Helper()
	cmd = exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), trialRunVar+"="+token)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited })
	deadline := time.Now().Add(10 * time.Second)
	for pids, _ := runningWith(token); len(pids) < procs; pids, _ = runningWith(token) {
		if time.Now().After(deadline) {
			t.Fatalf("%d processes with the token ran, want %d: %v", len(pids), procs, pids)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd, exited
}

// An owner with blanks (the Go API's CommandRun.Owner is any string) is
// one field of the process file and reads back as itself: its own run is
// not taken for another owner's.
func TestProcessFileOwnerWithBlanks(t *testing.T) {
	dir := t.TempDir()
	token, err := markRun(dir, "study a\tin store b")
	if err != nil || token == "" {
		t.Fatalf("markRun: %q, %v", token, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ProcessFileName))
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(b)); len(f) != 5 || f[4] != "study_a_in_store_b" {
		t.Fatalf("process file %q, want five fields ending in the owner as one", b)
	}
	if err := stopStrayRun(CommandRun{Trial: 1, Dir: dir, Owner: "study a\tin store b"}); err != nil {
		t.Errorf("the same owner's file: %v, want it taken for its own", err)
	}
	if err := stopStrayRun(CommandRun{Trial: 1, Dir: dir, Owner: "study a"}); err == nil {
		t.Error("another owner's file of this live process: nil, want a TrialDirBusyError")
	}
}

// Two runs of one trial number (own stores, one output.dir) that start in
// the same instant: the second's check for a process file waits for the
// first's file to be written, and is then refused, not run beside it.
func TestClaimWaitsForTheDirectorysLock(t *testing.T) {
	dir := t.TempDir()
	unlock, ok := dirlock.Lock(dir)
	if !ok {
		t.Skip("no flock on this file system")
	}
	type claimed struct {
		token string
		err   error
	}
	done := make(chan claimed, 1)
	go func() {
		token, claimErr, markErr := claimDir(CommandRun{Trial: 3, Dir: dir, Owner: "owner-b"})
		done <- claimed{token, errors.Join(claimErr, markErr)}
	}()
	select {
	case c := <-done:
		t.Fatalf("the claim went on while another held the directory's lock: token %q, %v", c.token, c.err)
	case <-time.After(200 * time.Millisecond):
	}
	// The holder, a live run of another owner, writes its file and lets go.
	line := fmt.Sprintf("%s tok3 %d %d owner-a\n", thisHost(), os.Getpid(), thisStart())
	if err := os.WriteFile(filepath.Join(dir, ProcessFileName), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	unlock()
	var busy *TrialDirBusyError
	select {
	case c := <-done:
		if !errors.As(c.err, &busy) || c.token != "" {
			t.Fatalf("after the lock: token %q, %v; want the trial refused (TrialDirBusyError)", c.token, c.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the claim did not go on once the lock was let go")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ProcessFileName)); !strings.Contains(string(b), "owner-a") {
		t.Fatalf("the holder's process file was overwritten: %q", b)
	}
}

// A FIFO where a trial's process file goes (a hostile or broken output
// directory) is not waited on: the trial goes on as if there were none.
func TestProcessFileThatIsAFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, ProcessFileName), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- stopStrayRun(CommandRun{Trial: 1, Dir: dir, Owner: "owner-a"}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a FIFO as the process file: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a FIFO as the process file: the trial hangs reading it")
	}
}
