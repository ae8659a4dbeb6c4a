package search

// Coarse-to-fine's boxes: the ranges a round narrows to, in the unit
// coordinates narrowing works in, and the samplers that fill them.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hpsearch/hpsearch/results"
)

// keptChoices are the configured choices that appear among the elites,
// in configured order; the incumbent's value is always among them.
// Values are compared as printed, as resume compares them: a value read
// back from the store may be another Go type than the configured one.
func keptChoices(initial results.Range, elites []scored, i int) results.Range {
	r := initial
	r.Choices = nil
	for _, v := range initial.Choices {
		if slices.ContainsFunc(elites, func(e scored) bool { return fmt.Sprint(e.vals[i]) == fmt.Sprint(v) }) {
			r.Choices = append(r.Choices, v)
		}
	}
	if len(r.Choices) == 0 {
		r.Choices = initial.Choices
	}
	return r
}

// refine is how d is sampled once narrowing starts. Round 0 compared whole
// powers of ten; later rounds refine between them, continuously in log
// space.
func refine(d Dim) Dim {
	if d.Dist == PowersOfTen {
		d.Dist = LogUniform
	}
	return d
}

// unit maps a value of numeric dimension i to [0, 1] over its configured
// range, in log space for log parameters: the space boxes are built in,
// so that every parameter narrows alike whatever its units.
func (c *coarseToFine) unit(i int, v any) float64 {
	d := c.plan.Space.Dims[i]
	x, ok := d.Numeric(v)
	a, b := d.coord(c.initial[i].Low), d.coord(c.initial[i].High)
	if !ok || !(b > a) {
		return 0.5
	}
	return math.Min(math.Max((x-a)/(b-a), 0), 1)
}

// box is the range of dimension i with centre z and half-width h in unit
// coordinates, cut at the configured range and never narrower than
// minWidthFraction of it (shifted inward at an edge, so a centre on the
// edge keeps a usable width).
func (c *coarseToFine) box(i int, z, h float64) results.Range {
	d, init := c.plan.Space.Dims[i], c.initial[i]
	lo, hi := math.Max(z-h, 0), math.Min(z+h, 1)
	if hi-lo < minWidthFraction {
		lo = math.Max(0, math.Min(z-minWidthFraction/2, 1-minWidthFraction))
		hi = lo + minWidthFraction
	}
	a, b := d.coord(init.Low), d.coord(init.High)
	r := init
	r.Low, r.High = d.uncoord(a+lo*(b-a)), d.uncoord(a+hi*(b-a))
	if lo == 0 {
		r.Low = init.Low // the exact configured bound, not a log round trip
	}
	if hi >= 1 {
		r.High = init.High
	}
	if d.Dist == Int {
		r.Low, r.High = intBox(r.Low, r.High, init)
	}
	return r
}

// intBox rounds a box of an integer parameter to integers, holding at least
// two values (when the configured range has two) so that the box can
// still tell which way is better.
func intBox(lo, hi float64, init results.Range) (float64, float64) {
	l, h := math.Round(lo), math.Round(hi)
	if h <= l {
		h = l + 1
	}
	if h > init.High {
		h = init.High
		l = math.Max(init.Low, h-1)
	}
	return math.Max(l, init.Low), h
}

// setHalfWidths sets the box half-widths to those of ranges (round 0's,
// when a warm start narrowed them), in unit coordinates.
func (c *coarseToFine) setHalfWidths(ranges []results.Range) {
	for i, d := range c.plan.Space.Dims {
		if !d.Categorical() {
			c.half[i] = math.Max((c.unit(i, ranges[i].High)-c.unit(i, ranges[i].Low))/2, minWidthFraction/2)
		}
	}
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

// unitSampler writes points of the unit cube.
type unitSampler interface {
	next(u []float64)
}

// newUnitSampler is the design of one round: a Sobol sequence scrambled by
// (seed, round), or, beyond the dimensions the direction numbers cover (or
// for a space of no dimension), independent draws from the round's
// generator: each coordinate is still uniform; only the even spread of a
// low-discrepancy design is lost.
func newUnitSampler(dims int, seed uint64, round int) unitSampler {
	if s, err := newSobol(dims, TrialSeed(seed, -1-round), true); err == nil {
		return s
	}
	return rngSampler{roundRNG(seed, round)}
}

type rngSampler struct{ rng *rand.Rand }

func (r rngSampler) next(u []float64) {
	for i := range u {
		u[i] = r.rng.Float64()
	}
}
