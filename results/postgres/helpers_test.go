package postgres

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// openTest opens a store in a fresh schema of the test database.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	url := pgtest.URL(t)
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

func testStudy(name string, created time.Time) results.Study {
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
			Median: math.NaN(),
		}},
	}
}

func finishedTrial(study string, n int) results.Trial {
	return results.Trial{
		Study:  study,
		Number: n,
		Round:  1,
		Params: results.Params{
			{Name: "lr", Value: 0.1 + 0.2}, // not exactly 0.3: must survive bit-exact
			{Name: "layers", Value: int64(3)},
			{Name: "act", Value: "relu"},
			{Name: "a_last_but_sorted_first", Value: float64(2)}, // an integral float stays float
		},
		Seed:       1<<63 + 12345,
		Status:     results.StatusOK,
		Value:      0.25,
		TrainLoss:  0.5,
		Accuracy:   math.NaN(),
		Iterations: 300,
		StopReason: "converged",
		Started:    t0,
		Finished:   t0.Add(1500 * time.Millisecond),
		History: []results.Point{
			{Iteration: 0, TrainLoss: 2.5, GradNorm: 1, ValidationLoss: 2.6},
			{Iteration: 100, TrainLoss: 1e308, GradNorm: math.Inf(1), ValidationLoss: math.NaN()},
			{Iteration: 200, TrainLoss: math.Copysign(0, -1), GradNorm: 5e-324, ValidationLoss: -1},
		},
	}
}

// sameFloat treats every NaN as equal and otherwise wants identical bits.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func sameValue(a, b any) bool {
	fa, aok := a.(float64)
	fb, bok := b.(float64)
	if aok && bok {
		return sameFloat(fa, fb)
	}
	return a == b // also compares dynamic types: int64(3) != float64(3)
}

func assertTrial(t *testing.T, want, got results.Trial) {
	t.Helper()
	scalars := got.Study == want.Study && got.Number == want.Number && got.Round == want.Round &&
		got.Seed == want.Seed && got.Status == want.Status && sameFloat(got.Value, want.Value) &&
		sameFloat(got.TrainLoss, want.TrainLoss) && sameFloat(got.Accuracy, want.Accuracy) &&
		got.Iterations == want.Iterations && got.StopReason == want.StopReason && got.Error == want.Error &&
		got.Started.Equal(want.Started) && got.Finished.Equal(want.Finished)
	if !scalars {
		t.Errorf("trial %d:\n got %+v\nwant %+v", want.Number, got, want)
	}
	if len(got.Params) != len(want.Params) {
		t.Errorf("trial %d: %d params, want %d", want.Number, len(got.Params), len(want.Params))
	}
	for i := range min(len(got.Params), len(want.Params)) {
		g, w := got.Params[i], want.Params[i]
		if g.Name != w.Name || !sameValue(g.Value, w.Value) {
			t.Errorf("trial %d param %d: got %s=%T(%v), want %s=%T(%v)", want.Number, i, g.Name, g.Value, g.Value, w.Name, w.Value, w.Value)
		}
	}
	if len(got.History) != len(want.History) {
		t.Errorf("trial %d: %d history points, want %d", want.Number, len(got.History), len(want.History))
	}
	for i := range min(len(got.History), len(want.History)) {
		g, w := got.History[i], want.History[i]
		if g.Iteration != w.Iteration || !sameFloat(g.TrainLoss, w.TrainLoss) ||
			!sameFloat(g.GradNorm, w.GradNorm) || !sameFloat(g.ValidationLoss, w.ValidationLoss) {
			t.Errorf("trial %d history[%d]: got %+v, want %+v", want.Number, i, g, w)
		}
	}
}

func assertStudy(t *testing.T, want, got results.Study) {
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
		if g.Round != w.Round || !sameFloat(g.Best, w.Best) || !sameFloat(g.Median, w.Median) || len(g.Ranges) != len(w.Ranges) {
			t.Fatalf("round %d: got %+v, want %+v", i, g, w)
		}
		for j, wr := range w.Ranges {
			gr := g.Ranges[j]
			ok := gr.Name == wr.Name && sameFloat(gr.Low, wr.Low) && sameFloat(gr.High, wr.High) &&
				gr.Log == wr.Log && len(gr.Choices) == len(wr.Choices)
			for k := range min(len(gr.Choices), len(wr.Choices)) {
				ok = ok && sameValue(gr.Choices[k], wr.Choices[k])
			}
			if !ok {
				t.Errorf("round %d range %d: got %#v, want %#v", i, j, gr, wr)
			}
		}
	}
}

func findTrial(ts []results.Trial, n int) (results.Trial, bool) {
	for _, t := range ts {
		if t.Number == n {
			return t, true
		}
	}
	return results.Trial{}, false
}

// waitingTrials are n trials of study as a strategy proposes them.
func waitingTrials(study string, from, n int) []results.Trial {
	out := make([]results.Trial, n)
	for i := range out {
		num := from + i
		out[i] = results.Trial{Study: study, Number: num, Round: num / 4, Seed: uint64(1000 + num),
			Params: results.Params{{Name: "lr", Value: float64(num) / 10}, {Name: "opt", Value: fmt.Sprint("opt", num)}}}
	}
	return out
}
