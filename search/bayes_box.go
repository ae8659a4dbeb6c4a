package search

// The model-guided strategies' region of a round and the encoding of
// points as the Gaussian process's unit coordinates.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search/gp"
)

// box is the round's region in unit coordinates of the numeric
// parameters: the whole space for bayes; for coarse-to-fine-gp a box
// around centre whose side in coordinate k is the trust region's length
// times k's length scale over their geometric mean (a coordinate the
// model finds the function varies slowly in gets a longer side).
func (m *modelGuided) box(centre []any, h gp.Hyper) (lo, hi []float64) {
	n := len(m.dims)
	lo, hi = make([]float64, n), make([]float64, n)
	for k := range hi {
		hi[k] = 1
	}
	if !m.trustRegion {
		return lo, hi
	}
	mean, ok := m.meanLogLength(h)
	if !ok {
		return lo, hi
	}
	for k, d := range m.plan.Space.Dims {
		if d.Categorical() || centre[k] == nil {
			continue
		}
		w := m.length * math.Exp(h.LogLength[m.enc.offset[k]]-mean)
		c := m.enc.unit(k, centre[k])
		lo[k], hi[k] = math.Max(0, c-w/2), math.Min(1, c+w/2)
	}
	return lo, hi
}

// meanLogLength is the mean log length scale of the numeric parameters,
// which the region's side is relative to; ok is false without any.
func (m *modelGuided) meanLogLength(h gp.Hyper) (mean float64, ok bool) {
	n := 0
	for k, d := range m.plan.Space.Dims {
		if !d.Categorical() {
			mean += h.LogLength[m.enc.offset[k]]
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return mean / float64(n), true
}

// noiseFloor is the shortest side the trust region halves to: the side at
// which, by the fitted model, the function between the region's centre and
// its edge differs by noiseResolution standard deviations of the noise.
// In a smaller region the differences a batch is meant to find are lost
// in the noise, and the region only closes in on the luckiest trial's
// draw of it.
//
// Why. Real sweeps have noise: a trial's value depends on its initial
// weights (and, in the model, a rugged function's ripples are noise too).
// TuRBO's rule halves the region after every run of batches that does not
// beat the best value seen, and with noise the best value seen is the
// luckiest draw, which batches near it seldom beat: on adam-tiny's real
// sweep the side fell to 1/64 of its start within 54 trials, and the
// batches searched the incumbent's noise. Over a distance δ the
// Matérn-5/2 model's function differs by a standard deviation of
// σ_f·√(5/3)·δ/ℓ (its Taylor expansion at 0: 1 − k(δ) ≈ (5/6)(δ/ℓ)²),
// which is z noise standard deviations σ_n at δ = z·√(3/5)·(σ_n/σ_f)·ℓ;
// the region's half-side along each parameter is (side/2)·ℓ_k/ℓ̄ (box),
// so the side is 2z·√(3/5)·(σ_n/σ_f)·ℓ̄. On the benchmark functions,
// which have no noise, the fitted noise is small and the floor below
// TuRBO's collapse, except where ripples are modelled as noise
// (Rastrigin, Ackley), and the rows' counts did not change
// (BENCHMARKS.md, issue 19, session 13).
func (m *modelGuided) noiseFloor() float64 {
	if m.hyper == nil {
		return 0
	}
	mean, ok := m.meanLogLength(*m.hyper)
	if !ok {
		return 0
	}
	ratio := math.Sqrt(m.hyper.Noise() / math.Exp(m.hyper.LogSignal))
	return 2 * noiseResolution * math.Sqrt(0.6) * ratio * math.Exp(mean)
}

// boxRanges are the box in natural units, for the narrowing table.
func (m *modelGuided) boxRanges(lo, hi []float64) []results.Range {
	rs := slices.Clone(m.initial)
	for k, d := range m.plan.Space.Dims {
		if d.Categorical() {
			continue
		}
		a, b := d.coord(m.initial[k].Low), d.coord(m.initial[k].High)
		if lo[k] > 0 {
			rs[k].Low = d.uncoord(a + lo[k]*(b-a))
		}
		if hi[k] < 1 {
			rs[k].High = d.uncoord(a + hi[k]*(b-a))
		}
		if d.Dist == Int {
			rs[k].Low, rs[k].High = math.Ceil(rs[k].Low-1e-9), math.Floor(rs[k].High+1e-9)
			if rs[k].High < rs[k].Low {
				rs[k].Low, rs[k].High = math.Floor(rs[k].Low), math.Floor(rs[k].Low)
			}
		}
	}
	return rs
}

// valuesAt is the point at u in the box [lo, hi]. With from not nil, each
// coordinate keeps from's value except with probability p (at least one
// changes); a choice changes to any configured value.
func (m *modelGuided) valuesAt(lo, hi, u []float64, from []any, p float64, rng *rand.Rand) []any {
	dims := m.plan.Space.Dims
	vals := make([]any, len(dims))
	forced := -1
	if from != nil {
		forced = rng.IntN(len(dims))
	}
	for k, d := range dims {
		if !applies(dims, k, vals) {
			continue
		}
		if from != nil && from[k] != nil && k != forced && rng.Float64() >= p {
			vals[k] = from[k]
			continue
		}
		vals[k] = m.valueAt(k, d, lo[k]+u[k]*(hi[k]-lo[k]))
	}
	return vals
}

// valueAt is numeric dimension k's value at unit coordinate z (a choice:
// the value at z of its configured list).
func (m *modelGuided) valueAt(k int, d Dim, z float64) any {
	if d.Categorical() {
		return d.At(m.initial[k], z)
	}
	return m.dims[k].At(m.initial[k], math.Min(z, math.Nextafter(1, 0)))
}

// nudge moves a candidate by small steps, in unit coordinates a tenth of
// each numeric coordinate's length scale (bounded to the box); choices
// stay.
func (m *modelGuided) nudge(vals []any, lo, hi []float64, h gp.Hyper, rng *rand.Rand) []any {
	dims := m.plan.Space.Dims
	out := make([]any, len(dims))
	for k, d := range dims {
		if !applies(dims, k, out) {
			continue
		}
		if vals[k] == nil || d.Categorical() {
			out[k] = vals[k]
			if out[k] == nil {
				out[k] = m.valueAt(k, d, lo[k]+rng.Float64()*(hi[k]-lo[k]))
			}
			continue
		}
		step := 0.1 * math.Min(math.Exp(h.LogLength[m.enc.offset[k]]), 1)
		z := m.enc.unit(k, vals[k]) + step*rng.NormFloat64()
		z = math.Min(math.Max(z, lo[k]), hi[k])
		if d.Dist == Int {
			// At a unit coordinate on the integer's own grid.
			out[k] = m.dims[k].At(m.initial[k], intUnit(m.initial[k], d, z))
			continue
		}
		out[k] = m.valueAt(k, d, z)
	}
	return out
}

// intUnit converts a unit coordinate of the encoding to the u that At
// maps to the nearest integer (At draws integers over [lo, hi+1)).
func intUnit(r results.Range, d Dim, z float64) float64 {
	a, b := d.coord(r.Low), d.coord(r.High)
	x := math.Round(d.uncoord(a + z*(b-a)))
	x = math.Min(math.Max(x, r.Low), r.High)
	if d.Log {
		return math.Min((math.Log10(x+0.5)-a)/(math.Log10(r.High+1)-a), math.Nextafter(1, 0))
	}
	return math.Min((x+0.5-r.Low)/(r.High-r.Low+1), math.Nextafter(1, 0))
}

// encoding maps parameter values to the model's inputs.
type encoding struct {
	space  *Space
	init   []results.Range
	offset []int // first input of each dimension
	width  int
}

func newEncoding(s *Space) encoding {
	e := encoding{space: s, init: s.InitialRanges(), offset: make([]int, len(s.Dims))}
	for k, d := range s.Dims {
		e.offset[k] = e.width
		if d.Categorical() {
			e.width += len(d.Choices)
		} else {
			e.width++
		}
	}
	return e
}

// unit is numeric dimension k's value v in [0, 1] of its configured
// range, in log space for log parameters.
func (e encoding) unit(k int, v any) float64 {
	d := e.space.Dims[k]
	x, ok := d.Numeric(v)
	a, b := d.coord(e.init[k].Low), d.coord(e.init[k].High)
	if !ok || !(b > a) {
		return 0.5
	}
	return math.Min(math.Max((x-a)/(b-a), 0), 1)
}

func (e encoding) encode(vals []any) []float64 {
	x := make([]float64, e.width)
	for k, d := range e.space.Dims {
		o := e.offset[k]
		switch {
		case d.Categorical():
			if vals[k] != nil {
				s := fmt.Sprint(vals[k])
				for c, v := range d.Choices {
					if fmt.Sprint(v) == s {
						x[o+c] = 1
					}
				}
			}
		case vals[k] == nil:
			x[o] = 0.5
		default:
			x[o] = e.unit(k, vals[k])
		}
	}
	return x
}
