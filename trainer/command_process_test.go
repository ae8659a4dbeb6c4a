//go:build linux

package trainer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// procState returns a process's state letter and parent from /proc, and
// false when there is no such process.
func procState(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid …; comm may hold spaces, so cut at the last ')'.
	rest := bytes.Fields(b[bytes.LastIndexByte(b, ')')+1:])
	ppid, _ = strconv.Atoi(string(rest[1]))
	return rest[0][0], ppid, true
}

// dead reports whether pid has ended: gone, or a zombie. A zombie whose
// parent is not this process is the reaper's to collect (some container
// inits never do); one whose parent is this process would be our leak.
func dead(t *testing.T, pid int) bool {
	state, ppid, ok := procState(pid)
	if ok && state == 'Z' && ppid == os.Getpid() {
		t.Errorf("process %d is a zombie child of the test: it was never waited for", pid)
	}
	return !ok || state == 'Z' || state == 'X'
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the program did not write %s: %v", path, err)
	}
	pid, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestCommandLeavesNoProcessBehind runs a program that starts a child
// which ignores SIGTERM and holds stdout open, the way a data loader
// worker might, and checks that both are gone however the trial ends.
func TestCommandLeavesNoProcessBehind(t *testing.T) {
	p := prog(t)
	tests := []struct {
		name    string
		actions []string
		timeout time.Duration
		grace   time.Duration
		cancel  time.Duration
		outcome CommandOutcome
		minTook time.Duration
	}{
		{name: "timeout", actions: []string{"sleep:30s"}, timeout: 300 * time.Millisecond, outcome: CommandFailed},
		{name: "cancel", actions: []string{"sleep:30s"}, cancel: 300 * time.Millisecond, outcome: CommandCancelled},
		{name: "exits leaving a child", actions: []string{"print:val_loss=1"}, outcome: CommandOK},
		{name: "crashes leaving a child", actions: []string{"kill"}, outcome: CommandFailed},
		{name: "ignores SIGTERM until SIGKILL", actions: []string{"ignoreterm", "sleep:30s"}, timeout: 200 * time.Millisecond,
			grace: 400 * time.Millisecond, outcome: CommandFailed, minTook: 600 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			leaderFile, childFile := filepath.Join(tmp, "leader.pid"), filepath.Join(tmp, "child.pid")
			argv := append([]string{p, "pidfile:" + leaderFile, "spawn:" + childFile}, tt.actions...)
			ctx := context.Background()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				time.AfterFunc(tt.cancel, cancel)
			}
			start := time.Now()
			res, _ := runCmd(t, ctx, Command{Argv: argv, Timeout: tt.timeout, KillGrace: tt.grace})
			took := time.Since(start)
			if res.Outcome != tt.outcome {
				t.Errorf("outcome %s (%s), want %s", res.Outcome, res.StopReason, tt.outcome)
			}
			if took > 5*time.Second || took < tt.minTook {
				t.Errorf("took %s, want between %s and 5s", took, tt.minTook)
			}
			assertNoOrphans(t, leaderFile, childFile)
		})
	}
}

// assertNoOrphans checks that a stopped trial's program, whose pid is in
// leaderFile, is gone and that its child (pid in childFile) follows
// within two seconds: a trial leaves nothing running.
func assertNoOrphans(t *testing.T, leaderFile, childFile string) {
	t.Helper()
	leader, child := readPid(t, leaderFile), readPid(t, childFile)
	if !dead(t, leader) {
		t.Errorf("the program (pid %d) still runs", leader)
	}
	deadline := time.Now().Add(2 * time.Second)
	for !dead(t, child) {
		if time.Now().After(deadline) {
			t.Fatalf("the program's child (pid %d) outlived the trial", child)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
