package search

import (
	"context"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

func TestWarmStartCoarseToFine(t *testing.T) {
	space := quadraticSpace(t)
	prev := results.Study{Goal: "minimize", Rounds: []results.Round{{Ranges: []results.Range{
		{Name: "learning_rate", Low: 1e-3, High: 1e-1, Log: true},
		{Name: "momentum", Low: 0.6, High: 0.8},
		{Name: "optimizer", Choices: []any{"adam", "rmsprop"}},
	}}}}
	p := func(lr, m float64, opt string) results.Params {
		return results.Params{{Name: "learning_rate", Value: lr}, {Name: "momentum", Value: m}, {Name: "optimizer", Value: opt}}
	}
	trials := []results.Trial{
		{Number: 0, Status: results.StatusOK, Value: results.Measured(3), Params: p(1e-2, 0.7, "gd")},
		{Number: 1, Status: results.StatusOK, Value: results.Measured(1), Params: p(1e-2, 0.7, "adam")},
		{Number: 2, Status: results.StatusOK, Value: results.Measured(0.5), Params: p(5, 0.7, "adam")}, // outside today's range
		{Number: 3, Status: results.StatusDiverged, Value: results.Measured(0.1), Params: p(1e-1, 0.7, "adam")},
	}
	w, err := NewWarmStart("monday", space, prev, trials, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Points) != 2 || w.Points[0][2].Value != "adam" || w.Points[1][2].Value != "gd" {
		t.Fatalf("warm points %v: want the best two that fit (trial 1, then trial 0)", w.Points)
	}
	c, _ := newCoarseToFine(Plan{Space: space, Seed: 1, Goal: "minimize"}, 2, 10, 0.25)
	c.startFrom(w)
	if c.Total() != 22 {
		t.Fatalf("total %d, want 2 rounds × 10 + 2 warm points", c.Total())
	}
	batch, _ := c.Ask()
	if len(batch) != 12 || batch[0].Number != 0 || batch[0].Params[2].Value != "adam" || batch[2].Number != 2 {
		t.Fatalf("round 0 must start with the warm points, then sample: %v", batch[:3])
	}
	for _, b := range batch[2:] {
		lr := b.Params[0].Value.(float64)
		m := b.Params[1].Value.(float64)
		if lr < 1e-3 || lr > 1e-1 || m < 0.6 || m > 0.8 || b.Params[2].Value != "adam" {
			t.Fatalf("round 0 sampled %v outside monday's last ranges (∩ today's choices: adam)", b.Params)
		}
	}
}

func TestWarmFirstShiftsNumbers(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	warm := &WarmStart{Points: []results.Params{{{Name: "momentum", Value: 0.5}}}}
	s, err := NewStrategy(StrategyOptions{Strategy: "random", Trials: 4}, space, warm)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := (&Runner{Strategy: s, Evaluator: EvaluatorFunc(func(_ context.Context, task Task) (results.Trial, error) {
		return results.Trial{Status: results.StatusOK, Value: results.Measured(1)}, nil
	}), Parallelism: 1}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 5 || trials[0].Params[0].Value != 0.5 {
		t.Fatalf("got %d trials, first %v; want the warm point first and 4 more", len(trials), trials[0].Params)
	}
	for i, tr := range trials {
		if tr.Number != i {
			t.Fatalf("trial %d numbered %d", i, tr.Number)
		}
	}
}
