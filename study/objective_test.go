package study

import (
	"context"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// irisTask is a fast learner on the iris MLP: its validation loss bottoms
// out early and rises while the training loss keeps falling.
func irisTask() search.Task {
	return search.Task{Study: "iris", Number: 0, Seed: search.TrialSeed(3, 0), Params: results.Params{
		{Name: "learning_rate", Value: 0.3}, {Name: "init_std", Value: 0.5},
		{Name: "hidden", Value: int64(16)}, {Name: "momentum", Value: 0.9}}}
}

func irisObjective(t *testing.T, sets ...string) *Objective {
	t.Helper()
	cfg, err := configs.Load("../configs/iris-mlp.yaml", sets)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := NewObjective(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// TestObjectiveBestIteration: with trainer.monitor validation_loss a
// trial's value is the validation loss of its best iteration, before the
// last one run, and the trial says which; with training_loss it is the
// last one.
func TestObjectiveBestIteration(t *testing.T) {
	tr, err := irisObjective(t).Evaluate(context.Background(), irisTask())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != results.StatusOK || tr.StopReason != "patience" {
		t.Fatalf("trial %s (%s): %s; want ok, stopped by patience", tr.Status, tr.StopReason, tr.Error)
	}
	if !(tr.BestIteration > 0 && tr.BestIteration < tr.Iterations) || tr.Iterations != tr.BestIteration+60 {
		t.Errorf("best iteration %d of %d run; want patience (60) iterations before the last", tr.BestIteration, tr.Iterations)
	}
	for _, p := range tr.History {
		if p.Iteration == tr.BestIteration && p.ValidationLoss != tr.Value.Float() {
			t.Errorf("the value %v is not the validation loss %v of iteration %d", tr.Value.Float(), p.ValidationLoss, p.Iteration)
		}
		if p.ValidationLoss < tr.Value.Float() {
			t.Errorf("iteration %d has a lower validation loss, %v, than the value %v", p.Iteration, p.ValidationLoss, tr.Value.Float())
		}
	}

	last, err := irisObjective(t, "trainer.monitor=training_loss", "trainer.max_iterations=200").Evaluate(context.Background(), irisTask())
	if err != nil {
		t.Fatal(err)
	}
	if last.Status != results.StatusOK || last.BestIteration != last.Iterations || last.Iterations == 0 {
		t.Errorf("monitoring training_loss: %s, best iteration %d of %d; want ok, the last", last.Status, last.BestIteration, last.Iterations)
	}
}

// TestObjectiveBestIterationPruned: a trial stopped by early stopping
// gives the best iteration so far.
func TestObjectiveBestIterationPruned(t *testing.T) {
	obj := irisObjective(t)
	obj.ReportEvery(10, 0)
	tk := irisTask()
	var best float64
	tk.Report = func(step int, v float64) bool { best = v; return step < 70 }
	tr, err := obj.Evaluate(context.Background(), tk)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != results.StatusPruned || tr.Iterations != 70 || tr.Value.Float() != best {
		t.Fatalf("trial %s at %d, value %v; want pruned at 70 with the last report, %v", tr.Status, tr.Iterations, tr.Value.Float(), best)
	}
	if !(tr.BestIteration > 0 && tr.BestIteration < tr.Iterations) {
		t.Errorf("best iteration %d of %d run; want the best so far, before the last", tr.BestIteration, tr.Iterations)
	}
}
