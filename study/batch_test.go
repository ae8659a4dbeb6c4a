package study

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// runConfig runs a shipped config in memory at --parallel par and returns
// its trials in number order.
func runConfig(t *testing.T, path string, par int, sets ...string) (*Study, []results.Trial) {
	t.Helper()
	s, err := Load(path, sets, "")
	if err != nil {
		t.Fatal(err)
	}
	store := results.NewMemoryStore()
	if err := s.Run(context.Background(), store, RunOptions{Parallel: par, Shared: DefaultShared}); err != nil {
		t.Fatal(err)
	}
	_, trials, err := store.Study(context.Background(), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	return s, trials
}

// trialBits is what a trial computed, floats as bits.
func trialBits(tr results.Trial) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %v %s %s %d/%d %x %x %x;", tr.Number, tr.Params, tr.Status, tr.StopReason, tr.Iterations, tr.BestIteration,
		math.Float64bits(tr.Value.Float()), math.Float64bits(tr.TrainLoss.Float()), math.Float64bits(tr.Accuracy.Float()))
	for _, p := range tr.History {
		fmt.Fprintf(&b, " %d %x %x %x", p.Iteration, math.Float64bits(p.TrainLoss), math.Float64bits(p.GradNorm), math.Float64bits(p.ValidationLoss))
	}
	return b.String()
}

// TestBatchedStudiesGiveTheTrialsRunAlone: a powers-of-ten sweep and a
// coarse-to-fine study (three full-batch optimisers, several chunks of
// rows) give
// every trial the same bits with trainer.batch_trials auto, which
// batches them, as with off, at --parallel 1 and 2 (a lone trial's steps
// and a batch's passes borrowing the idle core or not).
func TestBatchedStudiesGiveTheTrialsRunAlone(t *testing.T) {
	for _, c := range []struct {
		path string
		sets []string
	}{
		{"../configs/learning-rates.yaml", []string{"trainer.max_iterations=300", "search.trials=8"}},
		{"../configs/quickstart.yaml", []string{"trainer.batch_size=100000", "data.synthetic.samples=6000", "search.rounds=2", "search.trials_per_round=10", "trainer.max_iterations=150"}},
		// Early stopping parks batched trials at rungs and prunes some.
		{"../configs/quickstart.yaml", []string{"trainer.batch_size=100000", "search.rounds=2", "search.trials_per_round=12", "trainer.max_iterations=90",
			"search.early_stopping.kind=successive_halving", "search.early_stopping.min_resource=10"}},
	} {
		t.Run(c.path, func(t *testing.T) {
			s, alone := runConfig(t, c.path, 1, append(c.sets, "trainer.batch_trials=off")...)
			if s.Trainer.BatchSize() != 1 || s.Trainer.Unbatched() != "trainer.batch_trials is off" {
				t.Fatalf("batch_trials off: BatchSize %d (%q)", s.Trainer.BatchSize(), s.Trainer.Unbatched())
			}
			// Alone at --parallel 2 a trial's steps borrow the idle core
			// when the other slot has no trial; batched, the passes do.
			_, alone2 := runConfig(t, c.path, 2, append(c.sets, "trainer.batch_trials=off")...)
			for i := range alone {
				if a, b := trialBits(alone[i]), trialBits(alone2[i]); a != b {
					t.Errorf("unbatched, trial %d\n--parallel 2 %s\n--parallel 1 %s", i, b, a)
				}
			}
			for _, par := range []int{1, 2} {
				s, batched := runConfig(t, c.path, par, c.sets...)
				if s.Trainer.BatchSize() <= 1 {
					t.Fatalf("not batched: %s", s.Trainer.Unbatched())
				}
				if len(batched) != len(alone) {
					t.Fatalf("--parallel %d: %d trials batched, %d alone", par, len(batched), len(alone))
				}
				for i := range alone {
					if a, b := trialBits(alone[i]), trialBits(batched[i]); a != b {
						t.Errorf("--parallel %d: trial %d\nbatched %s\nalone   %s", par, i, b, a)
					}
				}
			}
		})
	}
}

// TestUnbatchedSaysWhy: a config some of whose trials cannot share passes
// runs every trial alone, and says why.
func TestUnbatchedSaysWhy(t *testing.T) {
	for _, c := range []struct {
		path string
		sets []string
		why  string
	}{
		{"../configs/quickstart.yaml", []string{"trainer.batch_size=100000"}, ""},
		{"../configs/learning-rates.yaml", nil, ""},
		{"../configs/quickstart.yaml", nil, "optimizer momentum takes mini-batches: batch_size 32 is below the 1600 training rows"},
		{"../configs/iris-mlp.yaml", nil, "model mlp cannot be batched"},
		{"../configs/large-data.yaml", nil, "optimizer minibatch is stochastic"},
		{"../configs/quickstart.yaml", []string{"trainer.time_limit=1m"}, "trainer.time_limit stops trials by the clock"},
		{"../configs/quickstart.yaml", []string{"trainer.batch_trials=off"}, "trainer.batch_trials is off"},
		{"../configs/learning-rates.yaml", []string{"trainer.optimizer=adam", "trainer.batch_size=32"}, "optimizer adam takes mini-batches"},
	} {
		obj := loadObjective(t, c.path, c.sets)
		why := obj.Unbatched()
		if (c.why == "") != (why == "") || !strings.Contains(why, c.why) {
			t.Errorf("%s %v: unbatched because %q, want %q", c.path, c.sets, why, c.why)
		}
		if want := map[bool]int{true: batchTrials, false: 1}[c.why == ""]; obj.BatchSize() != want {
			t.Errorf("%s %v: BatchSize %d, want %d", c.path, c.sets, obj.BatchSize(), want)
		}
	}
}

func loadObjective(t *testing.T, path string, sets []string) *Objective {
	t.Helper()
	s, err := Load(path, sets, "")
	if err != nil {
		t.Fatal(err)
	}
	return s.Trainer
}
