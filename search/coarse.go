package search

import (
	"fmt"
	"math"
	"slices"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
)

// coarseToFine is the lecture's procedure: set a rough range for each
// hyperparameter, sample at random within it, train and evaluate, then
// narrow every range around the best trials and repeat.
type coarseToFine struct {
	plan     Plan
	rounds   int
	perRound int
	keep     float64

	round   int
	dims    []Dim           // the dims as sampled this round (see refine)
	ranges  []results.Range // this round's ranges
	initial []results.Range
	record  []results.Round
	next    int              // next trial number
	warm    []results.Params // a warm start's points, evaluated first in round 0
}

// minWidthFraction is the narrowest a numeric range may become, as a
// fraction of its configured width (in log space for log parameters):
// a range that collapsed to a point could never recover from a noisy round.
const minWidthFraction = 0.02

// margin widens the box around the kept trials on each side, as a fraction
// of its width: the best value of a round is rarely the best of the range,
// so the next round must look a little beyond it.
const margin = 0.15

func newCoarseToFine(plan Plan, rounds, perRound int, keep float64) (*coarseToFine, error) {
	if rounds < 1 || perRound < 1 {
		return nil, fmt.Errorf("coarse-to-fine: rounds (%d) and trials_per_round (%d) must be at least 1", rounds, perRound)
	}
	if !(keep > 0 && keep <= 1) {
		return nil, fmt.Errorf("coarse-to-fine: keep %g must be in (0, 1]", keep)
	}
	c := &coarseToFine{plan: plan, rounds: rounds, perRound: perRound, keep: keep}
	c.dims = slices.Clone(plan.Space.Dims)
	c.initial = plan.Space.InitialRanges()
	c.ranges = slices.Clone(c.initial)
	return c, nil
}

func (c *coarseToFine) Name() string            { return "coarse-to-fine" }
func (c *coarseToFine) Total() int              { return c.rounds*c.perRound + len(c.warm) }
func (c *coarseToFine) Rounds() []results.Round { return c.record }

func (c *coarseToFine) Ask() ([]Proposal, error) {
	if c.round >= c.rounds {
		return nil, nil
	}
	rng := roundRNG(c.plan.Seed, c.round)
	batch := make([]Proposal, 0, c.perRound+len(c.warm))
	if c.round == 0 {
		for _, p := range c.warm {
			batch = append(batch, Proposal{Number: c.next, Params: p})
			c.next++
		}
	}
	for range c.perRound {
		batch = append(batch, Proposal{Number: c.next, Round: c.round, Params: sample(c.dims, c.ranges, rng.Float64)})
		c.next++
	}
	return batch, nil
}

func (c *coarseToFine) Tell(trials []results.Trial) {
	c.record = append(c.record, record(c.round, c.ranges, trials, c.plan.Goal))
	c.round++
	best := c.kept(trials)
	if len(best) == 0 {
		return // nothing succeeded: keep the ranges, sample them again
	}
	for i, d := range c.plan.Space.Dims {
		c.dims[i], c.ranges[i] = c.narrow(d, c.initial[i], best, i)
	}
}

// kept returns the best keep-fraction of a round's successful trials.
func (c *coarseToFine) kept(trials []results.Trial) []results.Trial {
	var ok []results.Trial
	for _, t := range trials {
		if t.Status == results.StatusOK && !math.IsNaN(t.Value) {
			ok = append(ok, t)
		}
	}
	ranked := results.Rank(ok, c.plan.Goal)
	n := int(math.Ceil(c.keep * float64(len(ranked))))
	// Two points are the fewest that say anything about a range's width.
	n = min(max(n, 2), len(ranked))
	return ranked[:n]
}

// narrow returns the dimension and range of d for the next round.
func (c *coarseToFine) narrow(d Dim, initial results.Range, best []results.Trial, i int) (Dim, results.Range) {
	if d.Categorical() {
		r := initial
		r.Choices = nil
		for _, v := range initial.Choices {
			for _, t := range best {
				if t.Params[i].Value == v {
					r.Choices = append(r.Choices, v)
					break
				}
			}
		}
		if len(r.Choices) == 0 {
			r.Choices = initial.Choices
		}
		return d, r
	}
	refined := d
	if d.Dist == configs.PowersOfTen {
		// Round 0 compared whole powers of ten; later rounds refine between
		// them, continuously in log space.
		refined.Dist = configs.LogUniform
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, t := range best {
		if x, ok := d.Numeric(t.Params[i].Value); ok {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	a, b := d.coord(initial.Low), d.coord(initial.High)
	if d.Dist == configs.PowersOfTen {
		// A kept power p stands for the decade around it, so the box is
		// at least half a decade either side.
		lo, hi = lo-0.5, hi+0.5
	}
	width := hi - lo
	width = math.Max(width*(1+2*margin), (b-a)*minWidthFraction)
	if d.Dist == configs.Int && !d.Log {
		width = math.Max(width, 1) // two integers at least
	}
	mid := (lo + hi) / 2
	nlo, nhi := mid-width/2, mid+width/2
	// Clip to the configured range, shifting rather than cutting so the
	// width survives when the best trials sit at an edge.
	if nlo < a {
		nhi += a - nlo
		nlo = a
	}
	if nhi > b {
		nlo -= nhi - b
		nhi = b
	}
	nlo = math.Max(nlo, a)
	r := initial
	r.Low, r.High = d.uncoord(nlo), d.uncoord(nhi)
	if nlo == a {
		r.Low = initial.Low // exact configured bound, not a log round trip
	}
	if nhi == b {
		r.High = initial.High
	}
	return refined, r
}

// coord and uncoord convert between natural units and the space narrowing
// works in (log10 for log dimensions).
func (d Dim) coord(x float64) float64 {
	if d.IsLog() {
		return math.Log10(x)
	}
	return x
}

func (d Dim) uncoord(x float64) float64 {
	if d.IsLog() {
		return math.Pow(10, x)
	}
	return x
}
