package search

import (
	"fmt"
	"math"
	"slices"

	"github.com/hpsearch/hpsearch/internal/choice"
	"github.com/hpsearch/hpsearch/internal/num"
	"github.com/hpsearch/hpsearch/results"
)

// WarmStart is what a new study takes from a previous one: its best points,
// evaluated again first, and its last round's ranges, where coarse-to-fine
// starts instead of the configured ones.
type WarmStart struct {
	From   string
	Points []results.Params
	Ranges []results.Range // by name; parameters without one keep the configured range
}

// NewWarmStart picks the best n ok trials of a previous study and its last
// round's ranges. Trials whose parameters do not fit space (another set of
// names, a value outside the configured range) are skipped: the new config
// decides what may be evaluated.
func NewWarmStart(from string, space *Space, prev results.Study, trials []results.Trial, n int) (*WarmStart, error) {
	w := &WarmStart{From: from}
	for _, t := range results.Rank(trials, prev.Goal) {
		if len(w.Points) >= n || t.Status != results.StatusOK {
			break
		}
		if p, ok := fit(space, t.Params); ok {
			w.Points = append(w.Points, p)
		}
	}
	if len(prev.Rounds) > 0 {
		w.Ranges = prev.Rounds[len(prev.Rounds)-1].Ranges
	}
	if len(w.Points) == 0 && len(w.Ranges) == 0 {
		return nil, fmt.Errorf("warm start from %s: it has no successful trial that fits this config's parameters, and no rounds", from)
	}
	return w, nil
}

// fit returns p as a point of space, in its order, if p has a value
// inside the configured range for every parameter that applies to it and
// names nothing outside the space. A value for a parameter whose
// condition fails under this config is dropped: the config says it does
// nothing there (the earlier study may have searched it unconditionally).
func fit(space *Space, p results.Params) (results.Params, bool) {
	vals := make([]any, len(space.Dims))
	used := 0
	for i, d := range space.Dims {
		v, ok := p.Get(d.Name)
		if ok {
			used++
		}
		switch {
		case !applies(space.Dims, i, vals):
		case !ok || !d.contains(v):
			return nil, false
		default:
			vals[i] = v
		}
	}
	if used != len(p) {
		return nil, false
	}
	return point(space.Dims, vals), true
}

func (d Dim) contains(v any) bool {
	if d.Categorical() {
		return choice.Has(d.Choices, v)
	}
	x, err := num.Float(v)
	r := d.InitialRange()
	return err == nil && x >= r.Low && x <= r.High
}

// startFrom narrows a coarse-to-fine study's first round to the warm
// ranges, each intersected with the configured range (the config may have
// moved since); an empty intersection keeps the configured range.
func (c *coarseToFine) startFrom(w *WarmStart) {
	for i, d := range c.plan.Space.Dims {
		j := slices.IndexFunc(w.Ranges, func(r results.Range) bool { return r.Name == d.Name })
		if j < 0 {
			continue
		}
		prev, init := w.Ranges[j], c.initial[i]
		if d.Categorical() {
			var keep []any
			for _, v := range init.Choices {
				if choice.Has(prev.Choices, v) {
					keep = append(keep, v)
				}
			}
			if len(keep) > 0 {
				c.ranges[i].Choices = keep
			}
			continue
		}
		lo, hi := math.Max(prev.Low, init.Low), math.Min(prev.High, init.High)
		if !(lo < hi) {
			continue
		}
		c.ranges[i].Low, c.ranges[i].High = lo, hi
		if d.Dist == PowersOfTen {
			c.dims[i].Dist = LogUniform // already refined between powers
		}
	}
	// Round 0 samples the warm ranges, and the first narrowing shrinks
	// from their width rather than from the configured one.
	c.start = slices.Clone(c.ranges)
	c.setHalfWidths(c.start)
	c.warm = w.Points
}

// warmFirst evaluates a warm start's points before any point of the
// strategy it wraps (for strategies with no ranges to start from).
type warmFirst struct {
	Strategy
	points []results.Params
	asked  bool
	shift  int
}

func (w *warmFirst) Total() int { return w.Strategy.Total() + len(w.points) }

func (w *warmFirst) Ask() ([]Proposal, error) {
	if !w.asked {
		w.asked = true
		batch := make([]Proposal, len(w.points))
		for i, p := range w.points {
			batch[i] = Proposal{Number: i, Params: p}
		}
		w.shift = len(batch)
		if len(batch) > 0 {
			return batch, nil
		}
	}
	batch, err := w.Strategy.Ask()
	for i := range batch {
		batch[i].Number += w.shift
	}
	return batch, err
}

func (w *warmFirst) Tell(trials []results.Trial) {
	if len(trials) > 0 && trials[0].Number < w.shift {
		return // the warm batch: the wrapped strategy did not propose it
	}
	w.Strategy.Tell(trials)
}
