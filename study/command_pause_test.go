//go:build linux

package study

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// procStateOf is a process's state letter from /proc/<pid>/stat, and false
// when there is no such process.
func procStateOf(pid int) (byte, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// pid (comm) state …; comm may hold spaces, so cut at the last ')'.
	rest := bytes.Fields(b[bytes.LastIndexByte(b, ')')+1:])
	return rest[0][0], true
}

// parkedScript prints val_loss = its learning rate at steps 1, 3 and 9, and
// after each waits for the test to say it may go on (go.<trial>.<step>,
// written once Report returned true), so that it is still running, not
// done, whenever it is parked, and a pruned trial prints nothing more. It writes its pid to <trial> first. It waits
// without sleep: a shell that vforks a child shows state D, not T, when
// stopped while waiting for it; with builtins only, the shell is the one
// process of its group, running (R) until it is stopped (T).
const parkedScript = `
printf %s $$ > "$PIDS/$HPSEARCH_TRIAL"
for step in 1 3 9; do
	echo "step=$step val_loss=$HPSEARCH_PARAM_LR"
	while [ ! -e "$PIDS/go.$HPSEARCH_TRIAL.$step" ]; do :; done
done`

// pauseLog counts each trial's pause and resume calls.
type pauseLog struct {
	mu              sync.Mutex
	pauses, resumes map[int]int
}

// parkedSweep runs six command trials under synchronous successive halving
// (rungs 1 and 3 of 9, η = 3) and returns them. With pausing, the runner's
// pause and resume reach each program through a log; at parallelism 1,
// every Report also checks that no other trial's program runs meanwhile.
func parkedSweep(t *testing.T, par int, pausing bool) ([]results.Trial, *pauseLog) {
	t.Helper()
	pids := t.TempDir()
	cfg := shConfig(parkedScript)
	cfg.Trainer.Env = map[string]string{"PIDS": pids}
	o, err := NewCommandObjective(cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pruner, err := search.NewPruner(search.EarlyStopping{Kind: search.SuccessiveHalving, MinResource: 1, MaxResource: 9, Reduction: 3}, false)
	if err != nil {
		t.Fatal(err)
	}
	space, err := NewSpace(cfg)
	if err != nil {
		t.Fatal(err)
	}
	strategy, err := search.NewStrategy(search.StrategyOptions{Strategy: "random", Seed: 7, Goal: "minimize", Trials: 6}, space, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := &pauseLog{pauses: map[int]int{}, resumes: map[int]int{}}
	pidOf := func(n int) (int, bool) {
		b, err := os.ReadFile(filepath.Join(pids, strconv.Itoa(n)))
		if err != nil {
			return 0, false
		}
		pid, err := strconv.Atoi(string(b))
		return pid, err == nil
	}
	// othersStopped checks, while trial n holds the only compute slot, that
	// every other trial's program is stopped (parked), ended or not started.
	othersStopped := func(n int) {
		entries, _ := os.ReadDir(pids)
		for _, e := range entries {
			m, err := strconv.Atoi(e.Name())
			if err != nil || m == n {
				continue
			}
			pid, ok := pidOf(m)
			if !ok {
				continue
			}
			if state, ok := procStateOf(pid); ok && state != 'T' && state != 'Z' && state != 'X' {
				t.Errorf("trial %d's program runs (state %c) while trial %d holds the only slot", m, state, n)
			}
		}
	}
	ev := search.EvaluatorFunc(func(ctx context.Context, tk search.Task) (results.Trial, error) {
		report := tk.Report
		tk.Report = func(step int, v float64) bool {
			if pausing && par == 1 {
				othersStopped(tk.Number)
			}
			keep := report(step, v)
			if keep {
				if err := os.WriteFile(filepath.Join(pids, fmt.Sprintf("go.%d.%d", tk.Number, step)), nil, 0o644); err != nil {
					t.Error(err)
				}
			}
			return keep
		}
		pausable := tk.Pausable
		switch {
		case !pausing:
			tk.Pausable = nil
		case pausable == nil:
			t.Error("synchronous pruning with compute slots, but the task has no Pausable")
		default:
			tk.Pausable = func(pause, resume func()) {
				pausable(func() {
					pause()
					log.mu.Lock()
					log.pauses[tk.Number]++
					log.mu.Unlock()
					pid, _ := pidOf(tk.Number)
					deadline := time.Now().Add(5 * time.Second)
					for state, _ := procStateOf(pid); state != 'T'; state, _ = procStateOf(pid) {
						if time.Now().After(deadline) {
							t.Errorf("trial %d parked, but its program (pid %d) is in state %q", tk.Number, pid, state)
							break
						}
						time.Sleep(time.Millisecond)
					}
				}, func() {
					resume()
					log.mu.Lock()
					log.resumes[tk.Number]++
					log.mu.Unlock()
				})
			}
		}
		return o.Evaluate(ctx, tk)
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	trials, err := (&search.Runner{Study: "s", Seed: 7, Strategy: strategy, Evaluator: ev, Parallelism: par, Pruner: pruner}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return trials, log
}

func sweepOutcome(trials []results.Trial) string {
	var b strings.Builder
	for _, t := range trials {
		fmt.Fprintf(&b, "%d:%s@%d=%g ", t.Number, t.Status, t.Iterations, t.Value.Float())
	}
	return b.String()
}

// TestParkedCommandTrialsArePaused runs a synchronous successive-halving
// sweep of command trials: a trial parked at a rung has its program
// stopped (state T) while another trial computes in its slot, it is
// continued when it goes on, and the trials end as they do without pausing.
func TestParkedCommandTrialsArePaused(t *testing.T) {
	plain, _ := parkedSweep(t, 1, false)
	want := sweepOutcome(plain)
	ended := map[string]int{}
	for _, tr := range plain {
		ended[fmt.Sprintf("%s@%d", tr.Status, tr.Iterations)]++
	}
	if ended["pruned@1"] != 4 || ended["pruned@3"] != 1 || ended["ok@9"] != 1 {
		t.Fatalf("without pausing: %s; want 4 trials pruned at rung 1, 1 at rung 3 and 1 finished", want)
	}
	for _, par := range []int{1, 2} {
		trials, log := parkedSweep(t, par, true)
		if got := sweepOutcome(trials); got != want {
			t.Errorf("parallelism %d with pausing: %s\nwithout: %s", par, got, want)
		}
		// A trial pruned while parked is not resumed: stopping it continues
		// it. Every other pause has its resume.
		total := 0
		for _, tr := range trials {
			n, unpaired := tr.Number, log.pauses[tr.Number]-log.resumes[tr.Number]
			if unpaired != 0 && !(unpaired == 1 && tr.Status == results.StatusPruned) {
				t.Errorf("parallelism %d: trial %d (%s) paused %d times, resumed %d", par, n, tr.Status, log.pauses[n], log.resumes[n])
			}
			total += log.pauses[n]
		}
		// At parallelism 1 every trial but the last to reach rung 1 parks.
		if par == 1 && total < 5 {
			t.Errorf("parallelism 1: %d pauses, want at least 5", total)
		}
	}
}
