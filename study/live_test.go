//go:build unix

package study

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// stopper is what hpsearch serve and hpsearch stop use of a store.
type stopper interface {
	results.Store
	RequestStop(ctx context.Context, study string, number int) error
}

// liveStudy is a one-trial study that would train for a billion
// iterations (the built-in trainer at a learning rate that crawls), or a
// command trial that prints a metric line every 20 ms for ever.
func liveStudy(t *testing.T, command bool) *Study {
	t.Helper()
	dir := t.TempDir()
	trainer := `trainer:
  optimizer: gd
  max_iterations: 1000000000
  init: {mean: 0, std: 0.1}
data:
  synthetic: {kind: linear, samples: 200, features: 3, noise: 0.1}
  validation: 0.2
model: {kind: linear, loss: mse}`
	metric := "validation_loss"
	if command {
		trainer = `trainer:
  command: [/bin/sh, -c, 'i=0; while :; do i=$((i+1)); echo "step=$i val_loss=0.$((1000 - i % 1000)) grad_norm=$i"; sleep 0.02; done', trial]`
		metric = "val_loss"
	}
	cfg := fmt.Sprintf(`name: live
seed: 3
%s
search:
  strategy: random
  trials: 1
  metric: %s
parameters:
  learning_rate: {log_uniform: [1e-9, 1e-8]}
output: {dir: %q}
`, trainer, metric, filepath.Join(dir, "runs"))
	return loadText(t, filepath.Join(dir, "live.yaml"), cfg)
}

// loadText writes a config's text to path and loads its study.
func loadText(t *testing.T, path, text string) *Study {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runAndStop runs s through run, waits until watch (another handle on the
// same store) shows its running trial's curve, stops it through watch as
// a person would, and returns the trial as stored.
func runAndStop(t *testing.T, s *Study, run results.Store, watch stopper) results.Trial {
	t.Helper()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, run, RunOptions{Parallel: 1, Where: "test", Shared: DefaultShared}) }()
	deadline := time.Now().Add(time.Minute)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the running trial showed no curve within a minute")
		}
		select {
		case err := <-done:
			t.Fatalf("the study ended before it was stopped: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		_, trials, err := watch.Study(ctx, "live")
		if errors.Is(err, results.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(trials) == 1 && trials[0].Status == results.StatusRunning && len(trials[0].History) >= 2 {
			break
		}
	}
	if err := watch.RequestStop(ctx, "live", 0); err != nil {
		t.Fatalf("RequestStop: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the stopped trial did not end within a minute")
	}
	_, trials, err := watch.Study(ctx, "live")
	if err != nil || len(trials) != 1 {
		t.Fatalf("stored trials %+v, %v", trials, err)
	}
	tr := trials[0]
	if tr.Status != results.StatusOK || tr.StopReason != "user" || !tr.Value.Measured() || len(tr.History) == 0 {
		t.Errorf("stopped trial: %s, stop reason %q, value %v, %d points; want ok, user, its value and curve",
			tr.Status, tr.StopReason, tr.Value.Float(), len(tr.History))
	}
	if err := watch.RequestStop(ctx, "live", 0); !errors.Is(err, results.ErrNotRunning) {
		t.Errorf("RequestStop(the finished trial) = %v, want ErrNotRunning", err)
	}
	return tr
}

// A real trial, running in one store handle's study, is followed and
// stopped through another handle on the same store, as hpsearch serve or
// hpsearch stop in another process (SQLite) or on another machine
// (PostgreSQL, where the trial runs on the shared queue's worker) would:
// it ends with stop reason user, ok, with the value it had reached.
func TestStopRunningTrial(t *testing.T) {
	sqliteStores := func(t *testing.T) (results.Store, stopper) {
		path := filepath.Join(t.TempDir(), "hpsearch.db")
		run, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { run.Close() })
		watch, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { watch.Close() })
		return run, watch
	}
	stores := []struct {
		name string
		open func(t *testing.T) (results.Store, stopper)
	}{
		{"memory", func(*testing.T) (results.Store, stopper) {
			s := results.NewMemoryStore()
			return s, s
		}},
		{"sqlite", sqliteStores},
		{"postgres", func(t *testing.T) (results.Store, stopper) {
			url := pgtest.URL(t)
			run, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { run.Close() })
			watch, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { watch.Close() })
			return run, watch
		}},
	}
	for _, st := range stores {
		t.Run("built-in/"+st.name, func(t *testing.T) {
			run, watch := st.open(t)
			tr := runAndStop(t, liveStudy(t, false), run, watch)
			if tr.Iterations < 1 || tr.Iterations >= 1e9 {
				t.Errorf("stopped after %d iterations", tr.Iterations)
			}
			if last := tr.History[len(tr.History)-1]; last.Iteration != tr.Iterations {
				t.Errorf("the curve ends at iteration %d, the trial at %d", last.Iteration, tr.Iterations)
			}
		})
	}
	// Two trials of a round advance together (batched trials, one pass
	// over the data for both): stopping one ends it alone.
	t.Run("built-in/batched", func(t *testing.T) {
		s := liveStudy(t, false)
		s.Config.Search.Trials = 2
		store := results.NewMemoryStore()
		ctx := context.Background()
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, store, RunOptions{Parallel: 1, Where: "test", Shared: DefaultShared}) }()
		waitFor := func(what string, ok func(trials []results.Trial) bool) {
			t.Helper()
			for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no %s within a minute", what)
				}
				if _, trials, err := store.Study(ctx, "live"); err == nil && len(trials) == 2 && ok(trials) {
					return
				}
			}
		}
		curves := func(trials []results.Trial) bool {
			return trials[0].Status == results.StatusRunning && trials[1].Status == results.StatusRunning &&
				len(trials[0].History) >= 2 && len(trials[1].History) >= 2
		}
		waitFor("two running trials with curves", curves)
		if err := store.RequestStop(ctx, "live", 1); err != nil {
			t.Fatal(err)
		}
		waitFor("trial 1 stopped while trial 0 runs on", func(trials []results.Trial) bool {
			return trials[1].Status == results.StatusOK && trials[0].Status == results.StatusRunning
		})
		if err := store.RequestStop(ctx, "live", 0); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			t.Fatal("the stopped study did not end within a minute")
		}
		_, trials, err := store.Study(ctx, "live")
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range trials {
			if tr.Status != results.StatusOK || tr.StopReason != "user" || !tr.Value.Measured() {
				t.Errorf("trial %d: %s, %q, value %v; want ok, user, its value", tr.Number, tr.Status, tr.StopReason, tr.Value.Float())
			}
		}
		if trials[1].Iterations >= trials[0].Iterations {
			t.Errorf("trial 1, stopped first, ran %d iterations, trial 0 %d", trials[1].Iterations, trials[0].Iterations)
		}
	})
	t.Run("command/sqlite", func(t *testing.T) {
		run, watch := sqliteStores(t)
		tr := runAndStop(t, liveStudy(t, true), run, watch)
		// Its value is the last one it printed: stop reason user, not the
		// signal that ended it.
		if last := tr.History[len(tr.History)-1]; last.ValidationLoss != tr.Value.Float() || last.Iteration != tr.Iterations {
			t.Errorf("value %v at step %d, the last line printed %v at step %d", tr.Value.Float(), tr.Iterations, last.ValidationLoss, last.Iteration)
		}
	})
}

// A Go program's objective (Optimize) sees a person's stop as Report
// returning false: it returns its value then, and the trial is ok with
// stop reason user; the values it reported were its live curve.
func TestOptimizeStoppedByAPerson(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hpsearch.db")
	run, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	watch, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	endless := func(ctx context.Context, tr Trial) (float64, error) {
		for step := 1; ; step++ {
			v := 1 / float64(step)
			if !tr.Report(step, v) || ctx.Err() != nil {
				return v, ctx.Err()
			}
			time.Sleep(time.Millisecond)
		}
	}
	type result struct {
		out *Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := Optimize(context.Background(), []Param{Float("x", 0, 1)}, endless, Options{Name: "live", Trials: 1, Store: run})
		done <- result{out, err}
	}()
	ctx := context.Background()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the running trial showed no curve within a minute")
		}
		if _, trials, err := watch.Study(ctx, "live"); err == nil && len(trials) == 1 && len(trials[0].History) >= 2 {
			break
		}
	}
	if err := watch.RequestStop(ctx, "live", 0); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the stopped objective did not return within a minute")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	tr := r.out.Trials[0]
	if tr.Status != results.StatusOK || tr.StopReason != "user" || !(tr.Value.Float() > 0 && tr.Value.Float() < 1) {
		t.Errorf("stopped trial: %s, %q, value %v; want ok, user, the value it had reached", tr.Status, tr.StopReason, tr.Value.Float())
	}
}
