package search

// What a told round gives coarse-to-fine to narrow on: its finished trials
// scored, and its pruned ones at their forecast or partial values.

import (
	"cmp"
	"math"
	"slices"

	"github.com/hpsearch/hpsearch/results"
)

// withPruned is what narrowing ranks: the round's finished trials, best
// first, and its pruned ones. Under the rules that judge where a trial is
// (successive halving, Hyperband, median) those come after, at their
// partial values (partial). Under auto a partial value would pull the box
// towards the fast starters, the very bias auto corrects: a pruned trial
// counts at its forecast final value, ranked with the finished ones, or
// not at all when its curve gives no forecast (forecasts). The stored
// trial keeps its partial value; only narrowing sees the forecast.
func (c *coarseToFine) withPruned(last []scored, trials []results.Trial) []scored {
	if c.lookAhead.Kind != Auto {
		return append(last, c.partial(trials)...)
	}
	out := append(slices.Clone(last), c.forecasts(trials)...)
	slices.SortStableFunc(out, byScore)
	return out
}

// forecasts scores the round's pruned trials at their expected final
// value (expectedFinal), as auto's last rung ranks them; a trial whose
// curve cannot be extrapolated is left out. A
// trial's reports count only when they measure its value (its last report
// is its value): the built-in trainer reports validation losses whatever
// the study's metric.
func (c *coarseToFine) forecasts(trials []results.Trial) []scored {
	var out []scored
	for _, t := range trials {
		n := len(t.Reports)
		if t.Status != results.StatusPruned || n == 0 || t.Reports[n-1].Value != t.Value.Float() {
			continue
		}
		steps, vals := make([]int, n), make([]float64, n)
		for i, r := range t.Reports {
			steps[i], vals[i] = r.Step, r.Value
			if c.plan.Goal == "maximize" {
				vals[i] = -r.Value
			}
		}
		expected, trusted := expectedFinal(steps, vals, c.lookAhead.MaxResource, c.lookAhead.Reduction)
		if !trusted {
			continue
		}
		t.Status = results.StatusOK // score converts only what finished
		if s, ok := c.score(t); ok {
			s.score = expected // oriented as score is: lower is better
			out = append(out, s)
		}
	}
	return out
}

// partial ranks a round's pruned trials (early stopping) for narrowing:
// after every finished trial, the ones pruned later first, since they beat
// more of their round at more rungs. Successive halving leaves only a few
// trials of a round finished; without the pruned ones the elites would be
// too few to say where the next box belongs. They never become the
// incumbent: their values are partial.
func (c *coarseToFine) partial(trials []results.Trial) []scored {
	type ranked struct {
		s     scored
		depth int
	}
	var pruned []ranked
	for _, t := range trials {
		if t.Status != results.StatusPruned {
			continue
		}
		t.Status = results.StatusOK // score converts only what finished
		if s, ok := c.score(t); ok {
			pruned = append(pruned, ranked{s, t.Iterations})
		}
	}
	slices.SortStableFunc(pruned, func(a, b ranked) int {
		if r := cmp.Compare(b.depth, a.depth); r != 0 {
			return r
		}
		return byScore(a.s, b.s)
	})
	out := make([]scored, len(pruned))
	for i, p := range pruned {
		out[i] = p.s
	}
	return out
}

func byScore(a, b scored) int {
	if r := cmp.Compare(a.score, b.score); r != 0 {
		return r
	}
	return cmp.Compare(a.num, b.num)
}

// score converts a successful trial; ok is false for any other, and for
// one whose parameters are not a point of the space (other names, or a
// parameter present where its condition fails or missing where it holds).
func (c *coarseToFine) score(t results.Trial) (scored, bool) {
	if t.Status != results.StatusOK || !t.Value.Measured() {
		return scored{}, false
	}
	vals := c.plan.Space.coordinates(t.Params)
	if !c.plan.Space.consistent(t.Params, vals) {
		return scored{}, false
	}
	s := scored{score: t.Value.Float(), num: t.Number, z: make([]float64, len(c.dims)), vals: vals}
	if c.plan.Goal == "maximize" {
		s.score = -t.Value.Float()
	}
	for i, d := range c.plan.Space.Dims {
		switch {
		case vals[i] == nil:
			s.z[i] = math.NaN()
		case !d.Categorical():
			s.z[i] = c.unit(i, vals[i])
		}
	}
	return s, true
}
