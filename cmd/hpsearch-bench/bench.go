package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
	"github.com/hpsearch/hpsearch/testfunc"
)

// funcSpec is one benchmark row: a function in one dimension.
type funcSpec struct {
	fn  *testfunc.Function
	dim int
}

// parseFuncSpec reads NAME or NAME:DIMENSION; fixed-dimension functions
// need no dimension, the others default to 2.
func parseFuncSpec(s string) (funcSpec, error) {
	name, dimText, hasDim := strings.Cut(s, ":")
	fn, err := testfunc.Get(name)
	if err != nil {
		return funcSpec{}, err
	}
	dim := fn.Fixed
	if dim == 0 {
		dim = 2
	}
	if hasDim {
		if dim, err = strconv.Atoi(dimText); err != nil {
			return funcSpec{}, fmt.Errorf("function %q: dimension %q is not a number", s, dimText)
		}
	}
	if err := fn.CheckDim(dim); err != nil {
		return funcSpec{}, err
	}
	return funcSpec{fn: fn, dim: dim}, nil
}

// Label is how the row is named: NAME for fixed-dimension functions,
// NAME:DIMENSION otherwise (the form the flag and the reference file use).
func (f funcSpec) Label() string {
	if f.fn.Fixed != 0 {
		return f.fn.Name
	}
	return fmt.Sprintf("%s:%d", f.fn.Name, f.dim)
}

// Domain describes the domain for the table, e.g. [-5,5]^4.
func (f funcSpec) Domain() string {
	dom, _ := f.fn.Domain(f.dim)
	same := true
	for _, iv := range dom {
		same = same && iv == dom[0]
	}
	if same {
		return fmt.Sprintf("[%g, %g]^%d", dom[0].Low, dom[0].High, f.dim)
	}
	parts := make([]string, len(dom))
	for i, iv := range dom {
		parts[i] = fmt.Sprintf("[%g, %g]", iv.Low, iv.High)
	}
	return strings.Join(parts, "×")
}

// config is the YAML a user would write for this study: going through
// study.Load means the budget is split into rounds by the same rule as
// `hpsearch run` with only search.trials given.
func (f funcSpec) config(strategy string, budget int, seed uint64) string {
	dom, _ := f.fn.Domain(f.dim)
	var b strings.Builder
	fmt.Fprintf(&b, "benchmark: %s\nseed: %d\nsearch: {strategy: %s, trials: %d}\nparameters:\n", f.fn.Name, seed, strategy, budget)
	for i, iv := range dom {
		fmt.Fprintf(&b, "  x%d: {uniform: [%s, %s]}\n", i, fmtFloat(iv.Low), fmtFloat(iv.High))
	}
	return b.String()
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// cell is the regrets of one function × strategy at one budget, one per
// seed.
type cell struct {
	regrets []float64
}

// cellKey indexes cells by row and strategy.
type cellKey struct {
	function string
	strategy string
}

// measure runs every strategy on every function for every seed at budget,
// spreading the studies over opts.workers goroutines. Each study runs its
// trials one at a time: studies, not trials, are the parallel unit, and a
// study's result does not depend on its parallelism anyway.
func measure(ctx context.Context, opts options, budget int, progress io.Writer) (map[cellKey]*cell, error) {
	type job struct {
		f        funcSpec
		strategy string
		seed     int
	}
	var jobs []job
	cells := map[cellKey]*cell{}
	for _, f := range opts.functions {
		for _, s := range opts.strategies {
			cells[cellKey{f.Label(), s}] = &cell{regrets: make([]float64, opts.seeds)}
			for seed := range opts.seeds {
				jobs = append(jobs, job{f, s, seed})
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.workers)
	start := time.Now()
	for _, j := range jobs {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			r, err := runStudy(gctx, j.f, j.strategy, budget, uint64(opts.firstSeed+j.seed), opts.sets)
			if err != nil {
				return fmt.Errorf("%s, %s, %d trials, seed %d: %w", j.f.Label(), j.strategy, budget, j.seed, err)
			}
			// Each study writes its own slot: no lock needed.
			cells[cellKey{j.f.Label(), j.strategy}].regrets[j.seed] = r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "hpsearch-bench: %d studies of %d trials in %.1fs\n", len(jobs), budget, time.Since(start).Seconds())
	return cells, nil
}

// runStudy runs one study and returns its regret: best value − known
// minimum. It runs as `hpsearch run --storage memory: --parallel 1` does,
// through the study package's one lifecycle.
func runStudy(ctx context.Context, f funcSpec, strategy string, budget int, seed uint64, sets []string) (float64, error) {
	// A study keeps its config's text for the workers that may rebuild
	// it, so the config is a file, as for `hpsearch run`.
	dir, err := os.MkdirTemp("", "hpsearch-bench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, []byte(f.config(strategy, budget, seed)), 0o644); err != nil {
		return 0, err
	}
	s, err := study.Load(path, sets, "bench")
	if err != nil {
		return 0, err
	}
	var out *study.Outcome
	err = s.Run(ctx, results.NewMemoryStore(), study.RunOptions{Parallel: 1, Sets: sets,
		Report: func(o *study.Outcome) error { out = o; return nil }})
	if err != nil {
		return 0, err
	}
	if len(out.Trials) != budget {
		return 0, fmt.Errorf("ran %d trials, want the budget %d", len(out.Trials), budget)
	}
	best, ok := out.Best()
	if !ok {
		return 0, fmt.Errorf("no trial succeeded")
	}
	return out.Benchmark.Regret(best.Value.Float()), nil
}

// quartiles returns the first quartile, median and third quartile of xs
// (linear interpolation between order statistics, as numpy's default).
func quartiles(xs []float64) (q1, med, q3 float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	q := func(p float64) float64 {
		if len(s) == 0 {
			return math.NaN()
		}
		h := p * float64(len(s)-1)
		lo := int(math.Floor(h))
		hi := min(lo+1, len(s)-1)
		return s[lo] + (h-float64(lo))*(s[hi]-s[lo])
	}
	return q(0.25), q(0.5), q(0.75)
}
