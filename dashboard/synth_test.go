package dashboard

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// synth describes a synthetic study: trials over a log learning rate, a
// linear init_std and a categorical optimizer, in rounds, with some
// diverged, failed, pruned and running, each with a short history.
type synth struct {
	name    string
	trials  int
	rounds  int
	history int
	seed    uint64
	status  results.StudyStatus
	goal    results.Goal
}

var t0 = time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)

func (sy synth) study() (results.Study, []results.Trial) {
	rng := rand.New(rand.NewPCG(sy.seed, 7))
	rounds := max(1, sy.rounds)
	st := results.Study{Name: sy.name, Created: t0, Strategy: "coarse-to-fine", Metric: "validation_loss",
		Goal: sy.goal, Total: sy.trials, Status: sy.status,
		Config: "trainer.gradient_threshold: 1e-06\ntrainer.max_iterations: 400\n"}
	if st.Goal == "" {
		st.Goal = results.GoalMinimize
	}
	if st.Status == "" {
		st.Status = results.StudyFinished
	}
	lo, hi := math.Log10(1e-4), 0.0
	for r := range rounds {
		st.Rounds = append(st.Rounds, results.Round{Round: r, Best: 0.01 / float64(r+1), Median: 0.1,
			Ranges: []results.Range{
				{Name: "learning_rate", Low: math.Pow(10, lo), High: math.Pow(10, hi), Log: true},
				{Name: "init_std", Low: 0.001, High: 1},
				{Name: "optimizer", Choices: []any{"gd", "momentum", "adam"}},
			}})
		lo, hi = lo+0.5, hi-0.5
	}
	trials := make([]results.Trial, sy.trials)
	perRound := max(1, sy.trials/rounds)
	for i := range trials {
		lr := math.Pow(10, -4+4*rng.Float64())
		t := results.Trial{Status: results.StatusOK}
		t.Study, t.Number, t.Round, t.Seed = sy.name, i, min(i/perRound, rounds-1), 1<<63+uint64(i) // beyond 2^53
		t.Params = results.Params{
			{Name: "learning_rate", Value: lr},
			{Name: "init_std", Value: rng.Float64()},
			{Name: "optimizer", Value: []string{"gd", "momentum", "adam"}[rng.IntN(3)]},
		}
		v := 0.01 + math.Pow(math.Log10(lr)+2, 2) + 0.05*rng.Float64()
		t.Value, t.TrainLoss = results.Measured(v), results.Measured(v*0.9)
		t.Iterations, t.BestIteration, t.StopReason = 400, 380, "max_iterations"
		t.Started = t0.Add(time.Duration(i) * time.Second)
		t.Finished = t.Started.Add(800 * time.Millisecond)
		switch {
		case lr > 0.5:
			t.Status, t.StopReason, t.Value = results.StatusDiverged, "diverged", results.Measured(math.Inf(1))
		case i%17 == 5:
			t.Status, t.Error, t.Value, t.TrainLoss = results.StatusFailed, "trainer: out of memory\nmore", results.Measurement{}, results.Measurement{}
			t.Iterations, t.BestIteration, t.StopReason = 0, 0, ""
		case i%11 == 3:
			t.Status, t.StopReason = results.StatusPruned, "pruned"
			t.Iterations, t.BestIteration = 100, 100
		}
		t.History = make([]results.Point, sy.history)
		for k := range t.History {
			x := float64(k + 1)
			t.History[k] = results.Point{Iteration: k * 10, TrainLoss: t.TrainLoss.Float() * (1 + 10/x), GradNorm: 1 / x, ValidationLoss: t.Value.Float() * (1 + 11/x)}
		}
		trials[i] = t
	}
	if st.Status == results.StudyRunning && len(trials) > 2 {
		last := &trials[len(trials)-1]
		*last = results.Trial{Study: sy.name, Number: last.Number, Round: last.Round, Params: last.Params,
			Status: results.StatusRunning, Started: last.Started,
			History: last.History[:len(last.History)/2]}
	}
	return st, trials
}

// put stores the synthetic study in s.
func (sy synth) put(tb testing.TB, s results.Store) (results.Study, []results.Trial) {
	tb.Helper()
	st, trials := sy.study()
	ctx := context.Background()
	if err := s.PutStudy(ctx, st); err != nil {
		tb.Fatal(err)
	}
	for _, t := range trials {
		if err := s.PutTrial(ctx, t); err != nil {
			tb.Fatal(err)
		}
	}
	return st, trials
}
