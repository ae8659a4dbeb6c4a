//go:build linux

package trainer

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// waitState waits until process pid's state letter is want, and fails the
// test if it is not within a few seconds. Signals are delivered
// asynchronously: a process stops when the kernel next schedules it. It
// reports failures with Errorf, so it may run on any goroutine.
func waitState(t *testing.T, pid int, want byte) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		state, _, ok := procState(pid)
		if ok && state == want {
			return true
		}
		if time.Now().After(deadline) {
			t.Errorf("process %d is in state %q (exists %v), want %q", pid, state, ok, want)
			return false
		}
		time.Sleep(time.Millisecond)
	}
}

// pidIn reads a pid file a program wrote, reporting failures with Errorf.
func pidIn(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("the program did not write %s: %v", path, err)
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Error(err)
	}
	return pid
}

// hung bounds a run that a broken pause or resume would leave stopped or
// waiting forever.
const hung = 30 * time.Second

// TestCommandPausedWhileOnMetricWaits pauses a program from its OnMetric:
// the program and its child are stopped (state T) until resumed, and then
// run to completion.
func TestCommandPausedWhileOnMetricWaits(t *testing.T) {
	script := `
sleep 30 & echo $! > "$1/child"
echo $$ > "$1/leader"
echo step=1 val_loss=0.9
while [ ! -e "$1/go" ]; do :; done   # busy: running, never sleeping
i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo "tick $i"; done
echo step=2 val_loss=0.5`
	var pause, resume func()
	starts, paused := 0, 0
	var dir string
	c := Command{Argv: []string{"/bin/sh", "-c", script, "sh", "{trial_dir}"},
		OnStart: func(p, r func()) { starts++; pause, resume = p, r },
		OnMetric: func(step int, v float64) bool {
			if pause == nil {
				t.Error("OnMetric before OnStart")
				return false
			}
			if step != 1 {
				return true
			}
			leader, child := pidIn(t, filepath.Join(dir, "leader")), pidIn(t, filepath.Join(dir, "child"))
			pause()
			pause() // pausing a paused program does nothing
			if waitState(t, leader, 'T') && waitState(t, child, 'T') {
				paused++
			}
			// Stopped, the program cannot see this until it is resumed.
			if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
				t.Error(err)
			}
			if state, _, _ := procState(leader); state != 'T' {
				t.Errorf("the paused program went on: state %q", state)
			}
			resume()
			resume()
			if state, _, _ := procState(child); state == 'T' {
				t.Errorf("the program's child is still stopped after resume")
			}
			return true
		}}
	dir = filepath.Join(t.TempDir(), "trials", "3")
	ctx, cancel := context.WithTimeout(context.Background(), hung)
	defer cancel()
	res, err := c.Run(ctx, CommandRun{Study: "demo", Trial: 3, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != CommandOK || res.LastStep != 2 || res.Value != 0.5 {
		t.Errorf("got %s (%s) at step %d with %v, want ok at step 2 with 0.5; stderr %q", res.Outcome, res.Reason, res.LastStep, res.Value, res.Stderr)
	}
	if starts != 1 || paused != 1 {
		t.Errorf("OnStart called %d times, paused %d times; want 1 and 1", starts, paused)
	}
	pause() // after the run: nothing to pause, nothing happens
	resume()
}

// TestCommandStoppedWhilePaused prunes or cancels a paused program whose
// child ignores SIGTERM: the program must act on SIGTERM (it is continued
// after it) rather than sit stopped until SIGKILL, and nothing it started
// outlives the trial.
func TestCommandStoppedWhilePaused(t *testing.T) {
	p := prog(t)
	for _, tt := range []struct {
		name    string
		prune   bool
		outcome CommandOutcome
	}{
		{"pruned", true, CommandPruned},
		{"cancelled", false, CommandCancelled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			leaderFile, childFile := filepath.Join(tmp, "leader.pid"), filepath.Join(tmp, "child.pid")
			ctx, cancel := context.WithTimeout(context.Background(), hung)
			defer cancel()
			const grace = 5 * time.Second
			var pause func()
			c := Command{Argv: []string{p, "pidfile:" + leaderFile, "spawn:" + childFile, "print:val_loss=1", "sleep:30s"},
				KillGrace: grace,
				OnStart:   func(p, _ func()) { pause = p },
				OnMetric: func(int, float64) bool {
					pause()
					waitState(t, pidIn(t, leaderFile), 'T')
					waitState(t, pidIn(t, childFile), 'T')
					if tt.prune {
						return false
					}
					cancel()
					return true
				}}
			start := time.Now()
			res, _ := runCmd(t, ctx, c)
			took := time.Since(start)
			if res.Outcome != tt.outcome {
				t.Errorf("outcome %s (%s), want %s", res.Outcome, res.StopReason, tt.outcome)
			}
			// SIGKILL would say "killed", after the whole grace period.
			if res.Signal != "terminated" || took >= grace {
				t.Errorf("the paused program ended by signal %q after %s, want SIGTERM (\"terminated\") within the %s grace", res.Signal, took, grace)
			}
			assertNoOrphans(t, leaderFile, childFile)
		})
	}
}

// TestCommandTimeoutHeldWhilePaused keeps a program paused for longer than
// its time limit: the time paused does not count, so it finishes. Without
// the pause, the same wait times it out.
func TestCommandTimeoutHeldWhilePaused(t *testing.T) {
	const timeout = 400 * time.Millisecond
	script := `
echo step=1 val_loss=0.9
while [ ! -e "$1/go" ]; do sleep 0.01; done
echo step=2 val_loss=0.5`
	for _, tt := range []struct {
		name    string
		pause   bool
		outcome CommandOutcome
		stop    string
	}{
		{"paused", true, CommandOK, "exit 0"},
		{"not paused", false, CommandFailed, StopTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "trials", "3")
			var pause, resume func()
			c := Command{Argv: []string{"/bin/sh", "-c", script, "sh", "{trial_dir}"}, Timeout: timeout, KillGrace: time.Second,
				OnStart: func(p, r func()) { pause, resume = p, r },
				OnMetric: func(step int, v float64) bool {
					if step != 1 {
						return true
					}
					if tt.pause {
						pause()
						defer resume()
					}
					time.Sleep(2 * timeout)
					if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
						t.Error(err)
					}
					return true
				}}
			ctx, cancel := context.WithTimeout(context.Background(), hung)
			defer cancel()
			res, err := c.Run(ctx, CommandRun{Study: "demo", Trial: 3, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tt.outcome || res.StopReason != tt.stop {
				t.Errorf("got %s (%s: %s), want %s (%s)", res.Outcome, res.StopReason, res.Reason, tt.outcome, tt.stop)
			}
		})
	}
}
