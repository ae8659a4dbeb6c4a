package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// endlessSweep is a one-trial study whose trial would train for a billion
// iterations: only a stop ends it.
func endlessSweep(t *testing.T, dir string) string {
	t.Helper()
	cfg := filepath.Join(dir, "endless.yaml")
	writeTestFile(t, cfg, `name: endless
seed: 3
data:
  synthetic: {kind: linear, samples: 200, features: 3, noise: 0.1}
  validation: 0.2
model: {kind: linear, loss: mse}
trainer:
  optimizer: gd
  max_iterations: 1000000000
search:
  strategy: random
  trials: 1
parameters:
  learning_rate: {log_uniform: [1e-9, 1e-8]}
output: {dir: `+filepath.Join(dir, "runs")+`}
`, 0o644)
	return cfg
}

// hpsearch stop, in one process, stops the trial a sweep runs in another,
// through their SQLite file: the sweep finishes with the trial ok, stop
// reason user, its value kept. A second stop, of the finished trial, is
// refused.
func TestStopTrialOfAnotherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real process; skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "hpsearch.db")
	storage := "sqlite:///" + db
	sweep := exec.Command(bin, "run", endlessSweep(t, dir), "--storage", storage, "--json")
	var out, errOut bytes.Buffer
	sweep.Stdout, sweep.Stderr = &out, &errOut
	if err := sweep.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sweep.Wait() }()
	t.Cleanup(func() {
		if sweep.ProcessState == nil {
			sweep.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(time.Minute)
	for !runningWithCurve(t, db) {
		if time.Now().After(deadline) {
			t.Fatalf("no running trial with a curve within a minute; the sweep's stderr:\n%s", errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx := context.Background()
	code, stdout, stderr := hpsearch(t, ctx, "stop", "endless", "0", "--storage", storage)
	if code != exitOK || !strings.Contains(stdout, "trial 0 of endless: stop requested") {
		t.Fatalf("stop: exit %d\n%s%s", code, stdout, stderr)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the stopped sweep: %v\n%s", err, errOut.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("the sweep did not end within a minute of the stop")
	}
	doc := decode(t, out.String())
	if len(doc.Trials) != 1 || doc.Trials[0].Status != "ok" || doc.Trials[0].StopReason != "user" || doc.Trials[0].Value == nil {
		t.Fatalf("the sweep's document: %+v; want its trial ok, stop reason user, with a value", doc.Trials)
	}
	code, _, stderr = hpsearch(t, ctx, "stop", "endless", "0", "--storage", storage)
	if code != exitUsage || !strings.Contains(stderr, "trial 0 of study \"endless\" is ok: no such running trial") {
		t.Errorf("stop of the finished trial: exit %d\n%s", code, stderr)
	}
}

// runningWithCurve reports whether endless's trial is running and its
// curve is in the store another process writes.
func runningWithCurve(t *testing.T, db string) bool {
	s, err := sqlite.Open(db)
	if err != nil {
		return false
	}
	defer s.Close()
	_, trials, err := s.Study(context.Background(), "endless")
	return err == nil && len(trials) == 1 && trials[0].Status == results.StatusRunning && len(trials[0].History) > 0
}

// Bad arguments and trials that are not running are refused with exit 2,
// saying why.
func TestStopRefuses(t *testing.T) {
	dir := t.TempDir()
	storage := "sqlite:///" + filepath.Join(dir, "hpsearch.db")
	ctx := context.Background()
	cfg := scriptSweep(t, dir, "done", `echo val_loss=0.5`, 1)
	if code, _, stderr := hpsearch(t, ctx, "run", cfg, "--storage", storage); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"done", "x"}, `trial "x": want a trial number, 0 or more (hpsearch show done lists them)`},
		{[]string{"done", "--", "-1"}, `trial "-1": want a trial number`},
		{[]string{"done", "0"}, `trial 0 of study "done" is ok: no such running trial (hpsearch show done lists its trials)`},
		{[]string{"done", "7"}, `trial 7 of study "done": no such running trial`},
		{[]string{"nope", "0"}, `list them with: hpsearch studies`},
		{[]string{"done"}, "accepts 2 arg(s)"},
	} {
		code, stdout, stderr := hpsearch(t, ctx, append([]string{"stop", "--storage", storage}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("stop %v: exit %d, stdout %q, stderr %q; want exit 2 saying %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}
