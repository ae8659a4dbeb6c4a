//go:build unix

package study

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hpsearch/hpsearch/internal/slurmtest"
	"github.com/hpsearch/hpsearch/results"
)

// trainprog builds examples/trainprog once per test binary.
var trainprog = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hpsearch-trainprog")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "trainprog")
	if out, err := exec.Command("go", "build", "-o", bin, "../examples/trainprog").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build examples/trainprog: %v\n%s", err, out)
	}
	return bin, nil
})

// slurmSweep writes a config running trainprog on the diabetes data,
// with launcher (YAML lines under trainer), and loads its study.
func slurmSweep(t *testing.T, dir, launcher, extra string) *Study {
	t.Helper()
	bin, err := trainprog()
	if err != nil {
		t.Fatal(err)
	}
	data, err := filepath.Abs("../data/diabetes.csv")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`name: sweep
seed: 11
trainer:
  command: [%q, %q, "{args}"]
%s
search:
  strategy: random
  trials: 6
  metric: val_loss
  metric_strategy: min
%s
parameters:
  learning_rate: {log_uniform: [1e-3, 1]}
  epochs: {int: [3, 12]}
output: {dir: %q}
`, bin, "--data="+data, launcher, extra, filepath.Join(dir, "runs"))
	return loadText(t, filepath.Join(dir, "sweep.yaml"), cfg)
}

func runSweep(t *testing.T, s *Study, store results.Store) []results.Trial {
	t.Helper()
	runErr := s.Run(context.Background(), store, RunOptions{Parallel: 2, Where: "memory", Shared: DefaultShared})
	_, trials, err := store.Study(context.Background(), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	if runErr != nil {
		for _, tr := range trials {
			t.Logf("trial %d: %s %s %s", tr.Number, tr.Status, tr.StopReason, tr.Error)
		}
		t.Fatalf("Run: %v", runErr)
	}
	return trials
}

// A sweep whose trials run as Slurm jobs gives the trials the same sweep
// run here gives (same seeds, same values), each trial one job, stored.
func TestSlurmSweepEqualsLocal(t *testing.T) {
	slurmtest.Need(t)
	local := runSweep(t, slurmSweep(t, t.TempDir(), "", ""), results.NewMemoryStore())
	store := results.NewMemoryStore()
	s := slurmSweep(t, t.TempDir(), "  launcher: {kind: slurm}", "")
	onSlurm := runSweep(t, s, store)
	if len(onSlurm) != 6 || len(local) != 6 {
		t.Fatalf("%d trials on Slurm, %d here; want 6 each", len(onSlurm), len(local))
	}
	for i, tr := range onSlurm {
		l := local[i]
		if tr.Number != l.Number || tr.Status != l.Status || tr.Value != l.Value || tr.Iterations != l.Iterations ||
			tr.BestIteration != l.BestIteration || tr.Seed != l.Seed || fmt.Sprint(tr.Params) != fmt.Sprint(l.Params) {
			t.Errorf("trial %d on Slurm = %v %v %v (%d steps), here = %v %v %v (%d steps)", tr.Number,
				tr.Params, tr.Status, tr.Value.Float(), tr.Iterations, l.Params, l.Status, l.Value.Float(), l.Iterations)
		}
	}
	jobs, err := store.TrialJobs(context.Background(), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, j := range jobs {
		if j.Number != i || seen[j.Job] || j.Closed {
			t.Errorf("jobs = %+v: want one open job per trial, each its own", jobs)
			break
		}
		seen[j.Job] = true
		if st := slurmtest.JobState(t, j.Job); st != "COMPLETED" {
			t.Errorf("trial %d's job %s is %s, want COMPLETED", j.Number, j.Job, st)
		}
	}
	if len(jobs) != 6 {
		t.Errorf("%d jobs stored, want 6", len(jobs))
	}
}

// Early stopping reads a job's metrics as it runs: a pruned trial's job
// is cancelled, and the trial counts as pruned.
func TestSlurmPruningCancelsJobs(t *testing.T) {
	slurmtest.Need(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "slow.sh")
	// The loss is the learning rate, at every one of 20 steps 0.2 s apart:
	// the larger rates are worse from the first step on.
	if err := os.WriteFile(script, []byte(`#!/bin/sh
lr=${HPSEARCH_PARAM_LR}
i=1
while [ $i -le 20 ]; do
	echo "{\"step\": $i, \"val_loss\": $lr}"
	i=$((i+1))
	sleep 0.2
done
`), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`name: prune
trainer:
  command: [%q]
  launcher: {kind: slurm}
search:
  strategy: grid
  metric: val_loss
  early_stopping: {kind: median, max_resource: 20, min_resource: 2, min_trials: 1}
parameters:
  lr: {choice: [1, 2, 3, 4]}
output: {dir: %q}
`, script, filepath.Join(dir, "runs"))
	s := loadText(t, filepath.Join(dir, "prune.yaml"), cfg)
	store := results.NewMemoryStore()
	if err := s.Run(context.Background(), store, RunOptions{Parallel: 1, Shared: DefaultShared}); err != nil {
		t.Fatal(err)
	}
	_, trials, _ := store.Study(context.Background(), s.Name)
	jobs, _ := store.TrialJobs(context.Background(), s.Name)
	byTrial := results.OpenJobs(jobs)
	pruned := 0
	for _, tr := range trials {
		want := "COMPLETED"
		if tr.Status == results.StatusPruned {
			pruned++
			want = "CANCELLED"
			if tr.Iterations >= 20 {
				t.Errorf("trial %d pruned at step %d: its job ran to its end", tr.Number, tr.Iterations)
			}
		}
		if st := slurmtest.JobState(t, byTrial[tr.Number]); st != want {
			t.Errorf("trial %d (%s): job %s is %s, want %s", tr.Number, tr.Status, byTrial[tr.Number], st, want)
		}
	}
	if pruned == 0 {
		t.Errorf("no trial pruned: %+v", trials)
	}
}

// A partition the cluster does not have is one clear message before any
// trial runs, and nothing is stored.
func TestSlurmUnknownPartitionRefused(t *testing.T) {
	slurmtest.Need(t)
	store := results.NewMemoryStore()
	s := slurmSweep(t, t.TempDir(), "  launcher: {kind: slurm, partition: no-such-partition}", "")
	err := s.Run(context.Background(), store, RunOptions{Parallel: 2, Shared: DefaultShared})
	if err == nil || !strings.Contains(err.Error(), "trainer.launcher: the cluster refuses trainer.launcher's job: sbatch: error: invalid partition specified: no-such-partition") {
		t.Fatalf("Run = %v, want the partition refused", err)
	}
	if KindOf(err) != Usage {
		t.Errorf("error %T %v, want a Usage error", err, err)
	}
	if studies, _ := store.Studies(context.Background()); len(studies) != 0 {
		t.Errorf("stored %v, want nothing", studies)
	}
}
