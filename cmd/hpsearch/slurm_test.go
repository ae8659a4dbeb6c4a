//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/slurmtest"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// slowSlurmSweep writes a sweep of 6 command trials, each a Slurm job of
// about 2 seconds whose value is its learning rate, in a directory of its
// own, and returns the config's path and that of the database a run of it
// in that directory writes.
func slowSlurmSweep(t *testing.T) (cfg, db string) {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "slow.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
i=1
while [ $i -le 8 ]; do
	echo "{\"step\": $i, \"val_loss\": $HPSEARCH_PARAM_LR}"
	i=$((i+1))
	sleep 0.25
done
`), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`name: slurm-sweep
seed: 5
trainer:
  command: [%q]
  launcher: {kind: slurm, time: "00:05:00"}
search: {strategy: random, trials: 6, metric: val_loss}
parameters:
  lr: {log_uniform: [1e-3, 1]}
output: {dir: %q}
`, script, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, filepath.Join(dir, "hpsearch.db")
}

// storedJobs reads a study's jobs from a database another process writes.
func storedJobs(t *testing.T, db, study string) []results.TrialJob {
	s, err := sqlite.Open(db)
	if err != nil {
		return nil
	}
	defer s.Close()
	jobs, _ := s.TrialJobs(context.Background(), study)
	return jobs
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill -9 of `run` leaves its jobs running on the cluster; --resume
// re-attaches to them by their stored ids, collects those that ended
// meanwhile, and submits no trial twice.
func TestSlurmResumeAfterKill(t *testing.T) {
	slurmtest.Need(t)
	if testing.Short() {
		t.Skip("starts real processes and jobs; skipped with -short")
	}
	bin := binary(t)
	cfg, db := slowSlurmSweep(t)

	cmd := exec.Command(bin, "run", cfg, "--parallel", "2")
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two jobs stored", 60*time.Second, func() bool { return len(storedJobs(t, db, "slurm-sweep")) >= 2 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	left := storedJobs(t, db, "slurm-sweep")
	// Let one of them end while nobody watches: resume collects it.
	waitFor(t, "job "+left[0].Job+" to end", 60*time.Second, func() bool { return slurmtest.JobState(t, left[0].Job) == "COMPLETED" })

	code, out, stderr := runBinary(t, bin, "run", cfg, "--resume", "--parallel", "2", "--json")
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "re-attaching to the Slurm jobs of") {
		t.Errorf("resume did not say it re-attached:\n%s", stderr)
	}
	doc := decode(t, out)
	if len(doc.Trials) != 6 {
		t.Fatalf("%d trials after resume, want 6", len(doc.Trials))
	}
	for _, tr := range doc.Trials {
		var params struct{ LR float64 }
		if err := json.Unmarshal(tr.Params, &params); err != nil {
			t.Fatal(err)
		}
		if tr.Status != "ok" || tr.Value == nil || *tr.Value != params.LR {
			t.Errorf("trial %d: %s, value %v, want ok with its lr %v", tr.Number, tr.Status, tr.Value, params.LR)
		}
	}
	jobs := storedJobs(t, db, "slurm-sweep")
	perTrial := map[int]int{}
	for _, j := range jobs {
		perTrial[j.Number]++
	}
	for n := range 6 {
		if perTrial[n] != 1 {
			t.Errorf("trial %d was submitted %d times (jobs %+v), want once", n, perTrial[n], jobs)
		}
	}
	for _, j := range left {
		if st := slurmtest.JobState(t, j.Job); st != "COMPLETED" {
			t.Errorf("job %s of the killed run is %s, want COMPLETED", j.Job, st)
		}
	}
}

// Ctrl-C cancels the jobs the run submitted, and no other job; the
// interrupted trials are submitted afresh by --resume.
func TestSlurmInterruptCancelsOwnJobs(t *testing.T) {
	slurmtest.Need(t)
	if testing.Short() {
		t.Skip("starts real processes and jobs; skipped with -short")
	}
	bin := binary(t)
	cfg, db := slowSlurmSweep(t)
	// Someone else's job, on the same cluster and under the same user.
	other, err := exec.Command("sbatch", "--parsable", "--job-name=not-hpsearch", "--output=/dev/null", "--wrap=sleep 60").Output()
	if err != nil {
		t.Fatal(err)
	}
	otherJob := strings.TrimSpace(string(other))
	defer exec.Command("scancel", otherJob).Run()

	cmd := exec.Command(bin, "run", cfg, "--parallel", "1")
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a job stored", 60*time.Second, func() bool { return len(storedJobs(t, db, "slurm-sweep")) >= 1 })
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("after SIGINT: %v, want exit status 130\n%s", err, errBuf.String())
	}
	interrupted := map[int]bool{}
	for _, j := range storedJobs(t, db, "slurm-sweep") {
		st := slurmtest.JobState(t, j.Job)
		switch {
		case j.Closed && st == "CANCELLED":
			interrupted[j.Number] = true
		case !j.Closed && st == "COMPLETED": // ended before the signal
		default:
			t.Errorf("job %+v is %s after Ctrl-C, want closed and CANCELLED (or an open, COMPLETED one)", j, st)
		}
	}
	if len(interrupted) == 0 {
		t.Fatalf("no job was cancelled by Ctrl-C\n%s", errBuf.String())
	}
	if st := slurmtest.JobState(t, otherJob); st != "RUNNING" && st != "PENDING" {
		t.Errorf("the other job %s is %s: Ctrl-C must cancel only the study's jobs", otherJob, st)
	}
	exec.Command("scancel", otherJob).Run()

	code, _, stderr := runBinary(t, bin, "run", cfg, "--resume", "--parallel", "2")
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	perTrial := map[int]int{}
	for _, j := range storedJobs(t, db, "slurm-sweep") {
		perTrial[j.Number]++
	}
	for n := range 6 {
		want := 1
		if interrupted[n] {
			want = 2 // the cancelled job, then the resumed one
		}
		if perTrial[n] != want {
			t.Errorf("trial %d has %d jobs, want %d", n, perTrial[n], want)
		}
	}
}

// examples/slurm/workers.sbatch, the README's second way to use a
// cluster: a job array whose task 0 runs the study and the others work on
// it, through PostgreSQL.
func TestSlurmWorkerArrayExample(t *testing.T) {
	slurmtest.Need(t)
	if testing.Short() {
		t.Skip("starts real jobs; skipped with -short")
	}
	url := pgtest.URL(t)
	dir := t.TempDir()
	// The jobs run hpsearch from PATH: a copy of the test's own binary, in
	// a directory of this test's.
	bin := filepath.Join(dir, "bin", "hpsearch")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(binary(t)); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatalf("copy hpsearch: %v", err)
	}
	cfg := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`name: array
seed: 3
data: {synthetic: {kind: linear, samples: 300, features: 3}}
trainer: {max_iterations: 200}
search: {strategy: coarse-to-fine, rounds: 2, trials_per_round: 6}
parameters:
  learning_rate: {log_uniform: [1e-3, 1]}
output: {dir: %q}
`, filepath.Join(dir, "runs"))), 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("../../examples/slurm/workers.sbatch")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// One CPU per task, so that the tasks run at once on a small node.
	cmd := exec.CommandContext(ctx, "sbatch", "--wait", "--array=0-2", "--cpus-per-task=1", script, cfg, "array", url)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		logs, _ := filepath.Glob(filepath.Join(dir, "hpsearch-*.out"))
		var b strings.Builder
		for _, l := range logs {
			text, _ := os.ReadFile(l)
			fmt.Fprintf(&b, "--- %s\n%s", l, text)
		}
		t.Fatalf("sbatch --wait: %v\n%s\n%s", err, out, b.String())
	}
	code, out, stderr := runBinary(t, bin, "show", "array", "--storage", url, "--json")
	if code != exitOK {
		t.Fatalf("show: exit %d\n%s", code, stderr)
	}
	doc := decode(t, out)
	if len(doc.Trials) != 12 || doc.Best == nil {
		t.Fatalf("the array's study has %d trials, best %v; want 12 and a best", len(doc.Trials), doc.Best)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "hpsearch-*_0.out"))
	if len(logs) != 1 {
		t.Fatalf("task 0's output: %v", logs)
	}
	if text, _ := os.ReadFile(logs[0]); !bytes.Contains(text, []byte("learning_rate")) {
		t.Errorf("task 0 (run) did not print the study's tables:\n%s", text)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs", "array", "best.yaml")); err != nil {
		t.Errorf("task 0 wrote no best.yaml: %v", err)
	}
}
