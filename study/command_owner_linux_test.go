//go:build linux

package study

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/trainer"
)

// Two runs of studies of one name in two stores (each with its own
// --storage) and one output.dir: a trial of the second, finding the first's
// program of the same trial number running in the directory, is refused
// with the reason; the first's program is not stopped as a stray (it was,
// and its trial failed "killed by signal"). A run of the same study in the
// same store (a worker taking over a trial) still stops it.
func TestCommandTrialOfAnotherStoreIsRefusedNotKilled(t *testing.T) {
	trials := t.TempDir()
	release := filepath.Join(t.TempDir(), "release")
	cfg := shConfig(`while [ ! -e "$RELEASE" ]; do sleep 0.02; done; echo val_loss=0.5`)
	cfg.Trainer.Env = map[string]string{"RELEASE": release}
	objective := func(store results.Store) *CommandObjective {
		o, err := NewCommandObjective(cfg, trials)
		if err != nil {
			t.Fatal(err)
		}
		o.owner = trialOwner(store, "s")
		return o
	}
	first := results.NewMemoryStore()
	a, b, c := objective(first), objective(results.NewMemoryStore()), objective(first)
	if a.owner == b.owner || a.owner != c.owner {
		t.Fatalf("owners %s, %s, %s: want the two stores told apart and one store's runs alike", a.owner, b.owner, c.owner)
	}

	type outcome struct {
		tr  results.Trial
		err error
	}
	run := func(o *CommandObjective) <-chan outcome {
		done := make(chan outcome, 1)
		go func() {
			tr, err := o.Evaluate(context.Background(), task(3))
			done <- outcome{tr, err}
		}()
		return done
	}
	waitRunning := func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			if b, err := os.ReadFile(filepath.Join(trials, "3", trainer.ProcessFileName)); err == nil && len(b) > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the first run's program never started")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	aDone := run(a)
	waitRunning()
	var got outcome
	select {
	case got = <-run(b):
	case <-time.After(20 * time.Second):
		// It stopped the first run's program and runs its own.
		if err := os.WriteFile(release, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Fatalf("the other store's trial ran (the first's ended: %v)", <-aDone)
	}
	if got.err != nil || got.tr.Status != results.StatusFailed || !strings.Contains(got.tr.Error, "in use") {
		t.Errorf("the other store's trial: %v, %s, %q; want it failed as refused: the directory is in use", got.err, got.tr.Status, got.tr.Error)
	}
	select {
	case o := <-aDone:
		t.Fatalf("the first run's trial ended while the other store's was refused: %s %q", o.tr.Status, o.tr.Error)
	default:
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if o := <-aDone; o.err != nil || o.tr.Status != results.StatusOK || o.tr.Value.Float() != 0.5 {
		t.Errorf("the first run's trial: %v, %s %v %q; want ok 0.5", o.err, o.tr.Status, o.tr.Value, o.tr.Error)
	}

	// The same study in the same store: the earlier program is a stray.
	if err := os.Remove(release); err != nil {
		t.Fatal(err)
	}
	aDone = run(a)
	waitRunning()
	cDone := run(c)
	select {
	case o := <-aDone:
		if o.tr.Status == results.StatusOK {
			t.Errorf("the earlier run's trial ended ok, want its program stopped by the run that took it over")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the run that took the trial over did not stop the earlier run's program")
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if o := <-cDone; o.err != nil || o.tr.Status != results.StatusOK {
		t.Errorf("the run that took the trial over: %v, %s %q; want ok", o.err, o.tr.Status, o.tr.Error)
	}
}
