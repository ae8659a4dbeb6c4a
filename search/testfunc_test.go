package search

import (
	"context"
	"fmt"
	"testing"

	"github.com/hpsearch/hpsearch/internal/num"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/testfunc"
)

// funcObjective evaluates the benchmark function name at the point x0, x1,
// … of dims coordinates, as study's Benchmark does, and returns its known
// minimum there for regrets.
func funcObjective(tb testing.TB, name string, dims int) (EvaluatorFunc, float64) {
	tb.Helper()
	fn, err := testfunc.Get(name)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := fn.Minimum(dims)
	if err != nil {
		tb.Fatal(err)
	}
	eval := func(_ context.Context, t Task) (results.Trial, error) {
		x := make([]float64, dims)
		for i := range x {
			v, _ := t.Params.Get(fmt.Sprintf("x%d", i))
			f, err := num.Float(v)
			if err != nil {
				return results.Trial{}, fmt.Errorf("x%d: %w", i, err)
			}
			x[i] = f
		}
		return results.Trial{Status: results.StatusOK, Value: results.Measured(fn.Eval(x))}, nil
	}
	return eval, m.Value
}

// uniformDims are n dimensions x0, x1, … uniform over [lo, hi].
func uniformDims(n int, lo, hi float64) []Dim {
	dims := make([]Dim, n)
	for i := range dims {
		dims[i] = Dim{Name: fmt.Sprintf("x%d", i), Dist: Uniform, Low: lo, High: hi}
	}
	return dims
}

// budget is the split configs derives from `search: {strategy: s, trials:
// n}` alone (its defaults keep 0.25, grid_points 5, batch 4), for the budgets
// these tests use.
func budget(tb testing.TB, strategy string, n int, seed uint64) StrategyOptions {
	tb.Helper()
	split := map[int][2]int{30: {3, 11}, 40: {4, 10}, 60: {6, 9}, 100: {9, 9}, 2000: {9, 187}}[n]
	if split[0] == 0 {
		tb.Fatalf("no split of %d trials known", n)
	}
	o := StrategyOptions{Strategy: strategy, Seed: seed, Goal: "minimize", Trials: n, Rounds: split[0], TrialsPerRound: split[1],
		Keep: 0.25, GridPoints: 5}
	if strategy == "coarse-to-fine-gp" || strategy == "bayes" {
		o.Batch = 4
	}
	return o
}
