//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/trainer"
)

// gone reports whether process pid has ended: no such process, or a
// zombie that nobody has reaped yet.
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// groupAlive lists the processes of group pgid that have not ended.
func groupAlive(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var live []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		if g, err := syscall.Getpgid(pid); err == nil && g == pgid && !gone(pid) {
			live = append(live, pid)
		}
	}
	return live
}

// The case: kill -9 of `run` while command trials run. Their
// programs die with it (parent-death signal), and so does what they had
// started in turn in their process groups (the group keeper); the --resume
// that follows finds nothing left to stop: every trial ends exactly once,
// and never two runs of one trial at a time.
func TestKilledRunLeavesNoTrialRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "runs.log")
	// The work is done by a subshell, a child of the program: the
	// parent-death signal does not reach it, only the group's stop does.
	script := fmt.Sprintf(`for a in "$@"; do case $a in --lr=*) lr=${a#--lr=};; esac; done
echo "prog $HPSEARCH_TRIAL $$" >> %[1]s
( sleep 3; echo "end $HPSEARCH_TRIAL $$" >> %[1]s ) &
wait
echo "step=1 val_loss=$lr"
`, log)
	cfg := scriptSweep(t, dir, "orphans", script, 4)
	args := []string{"run", cfg, "--set", "output.dir=" + filepath.Join(dir, "runs"), "--parallel", "2"}
	lines := func(what string) map[int][]int { // trial → pids
		b, _ := os.ReadFile(log)
		out := map[int][]int{}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var (
				w      string
				n, pid int
			)
			if _, err := fmt.Sscanf(line, "%s %d %d", &w, &n, &pid); err == nil && w == what {
				out[n] = append(out[n], pid)
			}
		}
		return out
	}

	first := start(t, bin, args...)
	until(t, "two programs running", 20*time.Second, func() bool { return len(lines("prog")) == 2 })
	first.kill(t)
	progs := lines("prog")
	// Well within the 3s they would take by themselves.
	until(t, "the killed run's programs to die with it", 2*time.Second, func() bool {
		for _, pids := range progs {
			if !gone(pids[0]) {
				return false
			}
		}
		return true
	})
	until(t, "what the killed run's programs started to die with them", 2*time.Second, func() bool {
		for _, pids := range progs {
			if len(groupAlive(t, pids[0])) > 0 {
				return false
			}
		}
		return true
	})
	if len(lines("end")) > 0 {
		t.Fatal("a trial ended before the kill; nothing was left running")
	}

	code, _, stderr := runBinary(t, bin, append(args, "--resume")...)
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	ends := lines("end")
	for n := range 4 {
		if len(ends[n]) != 1 {
			t.Errorf("trial %d ended %d times (programs %v); want once", n, len(ends[n]), ends[n])
		}
	}
	for n, pids := range progs {
		for _, pid := range ends[n] {
			if pid == pids[0] {
				t.Errorf("trial %d: the killed run's program (group %d) went on to the end", n, pid)
			}
		}
		if live := groupAlive(t, pids[0]); len(live) > 0 {
			t.Errorf("trial %d: the killed run's process group %d still runs %v", n, pids[0], live)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "runs", "orphans", "trials", "*", trainer.ProcessFileName)); len(m) > 0 {
		t.Errorf("process files left after the trials ended: %v", m)
	}
}
