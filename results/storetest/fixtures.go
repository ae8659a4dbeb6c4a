// Package storetest is the conformance suite every results.Store runs:
// fixtures that exercise the awkward corners of a trial record, assertions
// that compare records field by field, and Run, which checks the
// behaviours any store must have whatever it keeps its rows in (with
// RunBadInput for the records a store must refuse, RunStudyLease for the
// stores that lease studies, RunUnreadableRows for the stores whose rows
// can be damaged under them).
package storetest

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// T0 is a creation and start time with nanoseconds, which must survive.
var T0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

// Study is a running study named name with one round whose ranges hold
// numeric, string and mixed int64/float64 choices and a NaN median.
func Study(name string, created time.Time) results.Study {
	return results.Study{
		Name:     name,
		Created:  created,
		Strategy: "coarse-to-fine",
		Metric:   "validation_loss",
		Goal:     "minimize",
		Total:    60,
		Status:   "running",
		Config:   "study:\n  name: " + name + "\n",
		Source:   `{"file":"q.yaml","dir":"/srv","text":"name: q\n","sets":["seed=1"]}`,
		Rounds: []results.Round{{
			Round: 1,
			Ranges: []results.Range{
				{Name: "lr", Low: 1e-4, High: 0.1, Log: true},
				{Name: "act", Choices: []any{"relu", "tanh"}},
				{Name: "width", Choices: []any{int64(16), float64(32), int64(-1)}},
			},
			Best:   0.125,
			Median: math.NaN(), // every trial of the round diverged
		}},
	}
}

// FinishedTrial is trial n of study, finished ok: no accuracy, a seed
// above 2^63, params of every type out of name order, a value from an
// iteration before the last, and a history with NaN, infinity, -0 and a
// subnormal, and early-stopping reports.
func FinishedTrial(study string, n int) results.Trial {
	return results.Trial{
		Study:  study,
		Number: n,
		Round:  1,
		Params: results.Params{
			{Name: "lr", Value: 0.1 + 0.2}, // not exactly 0.3: must survive bit-exact
			{Name: "layers", Value: int64(3)},
			{Name: "act", Value: "relu"},
			{Name: "a_last_but_sorted_first", Value: float64(2)}, // a float with an integral value stays float
		},
		Seed:          1<<63 + 12345,
		Status:        results.StatusOK,
		Value:         results.Measured(0.25),
		TrainLoss:     results.Measured(0.5),
		Iterations:    300,
		BestIteration: 187,
		StopReason:    "converged",
		Started:       T0,
		Finished:      T0.Add(1500 * time.Millisecond),
		History: []results.Point{
			{Iteration: 0, TrainLoss: 2.5, GradNorm: 1, ValidationLoss: 2.6},
			{Iteration: 100, TrainLoss: 1e308, GradNorm: math.Inf(1), ValidationLoss: math.NaN()},
			{Iteration: 200, TrainLoss: math.Copysign(0, -1), GradNorm: 5e-324, ValidationLoss: -1},
		},
		Reports: []results.Reported{{Step: 100, Value: 1.5}, {Step: 300, Value: math.NaN()}},
	}
}

// FindTrial returns the trial numbered n.
func FindTrial(ts []results.Trial, n int) (results.Trial, bool) {
	for _, t := range ts {
		if t.Number == n {
			return t, true
		}
	}
	return results.Trial{}, false
}

// SameFloat treats every NaN as equal (stores keep no NaN payload) and
// otherwise wants identical bits, so -0 and 0 differ.
func SameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// SameValue compares param and choice values: floats as SameFloat does,
// anything else with ==, which also compares dynamic types, so int64(3)
// and float64(3) differ.
func SameValue(a, b any) bool {
	fa, aok := a.(float64)
	fb, bok := b.(float64)
	if aok && bok {
		return SameFloat(fa, fb)
	}
	return a == b
}

// AssertTrial reports every field of got that differs from want.
func AssertTrial(t testing.TB, want, got results.Trial) {
	t.Helper()
	check := func(field string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("trial %d %s: got %#v, want %#v", want.Number, field, pick(got, field), pick(want, field))
		}
	}
	check("Study", got.Study == want.Study)
	check("Number", got.Number == want.Number)
	check("Round", got.Round == want.Round)
	check("Seed", got.Seed == want.Seed)
	check("Status", got.Status == want.Status)
	check("Value", SameFloat(got.Value.Float(), want.Value.Float()))
	check("TrainLoss", SameFloat(got.TrainLoss.Float(), want.TrainLoss.Float()))
	check("Accuracy", SameFloat(got.Accuracy.Float(), want.Accuracy.Float()))
	check("Iterations", got.Iterations == want.Iterations)
	check("BestIteration", got.BestIteration == want.BestIteration)
	check("StopReason", got.StopReason == want.StopReason)
	check("Error", got.Error == want.Error)
	check("Started", got.Started.Equal(want.Started))
	check("Finished", got.Finished.Equal(want.Finished))
	check("Params", len(got.Params) == len(want.Params))
	for i := range min(len(got.Params), len(want.Params)) {
		g, w := got.Params[i], want.Params[i]
		if g.Name != w.Name || !SameValue(g.Value, w.Value) {
			t.Errorf("trial %d param %d: got %s=%T(%v), want %s=%T(%v)", want.Number, i, g.Name, g.Value, g.Value, w.Name, w.Value, w.Value)
		}
	}
	check("History", len(got.History) == len(want.History))
	for i := range min(len(got.History), len(want.History)) {
		g, w := got.History[i], want.History[i]
		if g.Iteration != w.Iteration || !SameFloat(g.TrainLoss, w.TrainLoss) ||
			!SameFloat(g.GradNorm, w.GradNorm) || !SameFloat(g.ValidationLoss, w.ValidationLoss) {
			t.Errorf("trial %d history[%d]: got %+v, want %+v", want.Number, i, g, w)
		}
	}
	// nil (no reports kept) and empty (none made) mean different things.
	check("Reports", len(got.Reports) == len(want.Reports) && (got.Reports == nil) == (want.Reports == nil))
	for i := range min(len(got.Reports), len(want.Reports)) {
		if g, w := got.Reports[i], want.Reports[i]; g.Step != w.Step || !SameFloat(g.Value, w.Value) {
			t.Errorf("trial %d reports[%d]: got %+v, want %+v", want.Number, i, g, w)
		}
	}
}

func pick(tr results.Trial, field string) any {
	switch field {
	case "Params":
		return tr.Params
	case "History":
		return tr.History
	case "Reports":
		return tr.Reports
	}
	return fmt.Sprintf("%+v", tr) // the whole trial gives context for scalar fields
}

// AssertStudy reports how got differs from want, rounds and ranges included.
func AssertStudy(t testing.TB, want, got results.Study) {
	t.Helper()
	if got.Name != want.Name || !got.Created.Equal(want.Created) || got.Strategy != want.Strategy ||
		got.Metric != want.Metric || got.Goal != want.Goal || got.Total != want.Total ||
		got.Status != want.Status || got.Config != want.Config || got.Source != want.Source {
		t.Errorf("study:\n got %+v\nwant %+v", got, want)
	}
	if len(got.Rounds) != len(want.Rounds) {
		t.Fatalf("study rounds: got %d, want %d", len(got.Rounds), len(want.Rounds))
	}
	for i, w := range want.Rounds {
		g := got.Rounds[i]
		if g.Round != w.Round || !SameFloat(g.Best, w.Best) || !SameFloat(g.Median, w.Median) || len(g.Ranges) != len(w.Ranges) {
			t.Fatalf("round %d: got %+v, want %+v", i, g, w)
		}
		for j, wr := range w.Ranges {
			gr := g.Ranges[j]
			ok := gr.Name == wr.Name && SameFloat(gr.Low, wr.Low) && SameFloat(gr.High, wr.High) &&
				gr.Log == wr.Log && len(gr.Choices) == len(wr.Choices)
			for k := range min(len(gr.Choices), len(wr.Choices)) {
				ok = ok && SameValue(gr.Choices[k], wr.Choices[k])
			}
			if !ok {
				t.Errorf("round %d range %d: got %#v, want %#v", w.Round, j, gr, wr)
			}
		}
	}
}

// CheckBestIterationUpgrade checks a store just opened on a schema from
// before best_iteration, holding old (trial 0 of study "old", written
// without that column): it reads back with best iteration 0 (unknown), and
// a trial stored now keeps its own.
func CheckBestIterationUpgrade(t *testing.T, s results.Store, old results.Trial) {
	t.Helper()
	ctx := context.Background()
	_, trials, err := s.Study(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 1 {
		t.Fatalf("migrated study has %d trials, want 1", len(trials))
	}
	old.BestIteration = 0 // unknown: it was not kept
	AssertTrial(t, old, trials[0])

	fresh := FinishedTrial("old", 1)
	if err := s.PutTrial(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if _, trials, err = s.Study(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	if len(trials) != 2 || trials[0].BestIteration != 0 || trials[1].BestIteration != fresh.BestIteration {
		t.Errorf("after the migration: %d trials; want best iteration 0 for the old trial, %d for the new", len(trials), fresh.BestIteration)
	}
}
