package study

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/internal/num"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/testfunc"
)

// Benchmark is the evaluator of a config with `benchmark: NAME`: a trial's
// value is the test function at the point its parameters x0, x1, … name.
// There is no training, so a trial has no history, no iterations and no
// stop reason: the value is exact and costs microseconds, which is what
// makes benchmarks good for judging strategies over many seeds.
type Benchmark struct {
	fn  *testfunc.Function
	dim int
	// Minimum is the function's known global minimum in this dimension:
	// the regret of a study is its best value minus Minimum.
	Minimum testfunc.Minimum
}

// NewBenchmark prepares the benchmark a config names, in as many
// dimensions as it has parameters.
func NewBenchmark(cfg *configs.Config) (*Benchmark, error) {
	fn, err := testfunc.Get(cfg.Benchmark)
	if err != nil {
		return nil, err
	}
	n := len(cfg.Parameters)
	m, err := fn.Minimum(n)
	if err != nil {
		return nil, err
	}
	return &Benchmark{fn: fn, dim: n, Minimum: m}, nil
}

// Name is the benchmark function's name.
func (b *Benchmark) Name() string { return b.fn.Name }

// Dim is the number of coordinates.
func (b *Benchmark) Dim() int { return b.dim }

// Evaluate computes f(x) for the trial's parameters. Parameters are found
// by name, not position, so a config may list x1 before x0. A point that
// cannot be read (a coordinate missing or not a number) is a failed trial,
// not an error: the study goes on.
func (b *Benchmark) Evaluate(_ context.Context, t search.Task) (results.Trial, error) {
	now := time.Now()
	tr := results.Trial{Status: results.StatusFailed, Started: now}
	x, err := b.point(t.Params)
	if err != nil {
		tr.Error = err.Error()
		tr.Finished = time.Now()
		return tr, nil
	}
	v := b.fn.Eval(x)
	tr.Finished = time.Now()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		// The functions are finite on any finite point; this would be a
		// coordinate given as ±Inf through a pin.
		tr.Status, tr.Error = results.StatusDiverged, fmt.Sprintf("%s is not finite at %v", b.fn.Name, x)
		return tr, nil
	}
	tr.Status, tr.Value = results.StatusOK, results.Measured(v)
	return tr, nil
}

// point reads x0…x(n−1) from params.
func (b *Benchmark) point(params results.Params) ([]float64, error) {
	x := make([]float64, b.dim)
	for i := range x {
		name := "x" + strconv.Itoa(i)
		v, ok := params.Get(name)
		if !ok {
			return nil, fmt.Errorf("benchmark %s: parameter %s missing", b.fn.Name, name)
		}
		f, err := num.Float(v)
		if err != nil {
			return nil, fmt.Errorf("benchmark %s: parameter %s: %w", b.fn.Name, name, err)
		}
		x[i] = f
	}
	return x, nil
}

// Regret is how far value lies above the known minimum.
func (b *Benchmark) Regret(value float64) float64 { return value - b.Minimum.Value }
