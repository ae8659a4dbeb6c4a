// Package search holds the search space, the strategies that propose points
// (grid, random, powers-of-ten, coarse-to-fine) and the runner that fans
// trials out with errgroup.
package search

import (
	"fmt"
	"math"
	"strconv"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
)

// Dim is one searched parameter.
type Dim struct {
	configs.Parameter
}

// Space is the searched parameters in document order. Building it from the
// config's ordered slice, never from a map, is what makes the same seed give
// the same trials.
type Space struct {
	Dims []Dim
}

// NewSpace builds the space of a config's parameters.
func NewSpace(params []configs.Parameter) (*Space, error) {
	s := &Space{}
	for _, p := range params {
		switch p.Dist {
		case configs.Uniform, configs.LogUniform, configs.Int, configs.PowersOfTen:
			if !(p.Low < p.High) && !(p.Dist == configs.Int && p.Low == p.High) {
				return nil, fmt.Errorf("parameter %s: range [%g, %g] is empty", p.Name, p.Low, p.High)
			}
			if p.IsLog() && p.Dist != configs.PowersOfTen && p.Low <= 0 {
				return nil, fmt.Errorf("parameter %s: log range must be above 0, got [%g, %g]", p.Name, p.Low, p.High)
			}
		case configs.Choice:
			if len(p.Choices) == 0 {
				return nil, fmt.Errorf("parameter %s: choice needs at least one value", p.Name)
			}
		default:
			return nil, fmt.Errorf("parameter %s: unknown distribution %q", p.Name, p.Dist)
		}
		s.Dims = append(s.Dims, Dim{p})
	}
	return s, nil
}

// Names are the parameter names in order.
func (s *Space) Names() []string {
	names := make([]string, len(s.Dims))
	for i, d := range s.Dims {
		names[i] = d.Name
	}
	return names
}

// Pow10 returns exactly the float64 that the literal 1eN denotes, so a
// learning rate of 1e-3 is printed and exported as 0.001, not 0.0010000000000000002.
func Pow10(n int) float64 {
	v, _ := strconv.ParseFloat("1e"+strconv.Itoa(n), 64)
	return v
}

// InitialRange is the configured range of d, in natural units.
func (d Dim) InitialRange() results.Range {
	r := results.Range{Name: d.Name, Log: d.IsLog()}
	switch d.Dist {
	case configs.Choice:
		r.Choices = append([]any(nil), d.Choices...)
	case configs.PowersOfTen:
		r.Low, r.High = Pow10(int(d.Low)), Pow10(int(d.High))
	default:
		r.Low, r.High = d.Low, d.High
	}
	return r
}

// Categorical reports whether d's values have no order to narrow.
func (d Dim) Categorical() bool { return d.Dist == configs.Choice }

// Numeric converts a value of d to the coordinate narrowing works in:
// log10 for log dimensions, the value itself otherwise.
func (d Dim) Numeric(v any) (float64, bool) {
	var x float64
	switch t := v.(type) {
	case float64:
		x = t
	case int64:
		x = float64(t)
	case int:
		x = float64(t)
	default:
		return 0, false
	}
	if d.IsLog() {
		if x <= 0 {
			return 0, false
		}
		return math.Log10(x), true
	}
	return x, true
}

// At maps u ∈ [0, 1) to a value of d inside range r. Strategies draw u (from
// a seeded generator or a low-discrepancy sequence) and At does the rest, so
// every strategy samples every distribution the same way.
func (d Dim) At(r results.Range, u float64) any {
	if d.Categorical() {
		n := len(r.Choices)
		i := int(u * float64(n))
		if i >= n {
			i = n - 1
		}
		return r.Choices[i]
	}
	lo, hi := r.Low, r.High
	if d.IsLog() {
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	switch d.Dist {
	case configs.PowersOfTen:
		a, b := int(math.Round(lo)), int(math.Round(hi))
		return Pow10(a + int(u*float64(b-a+1)))
	case configs.Int:
		// Integers are drawn over [lo, hi+1) so hi is as likely as lo.
		if d.Log {
			x := math.Pow(10, lo+u*(math.Log10(r.High+1)-lo))
			return clampInt(int64(math.Floor(x)), r)
		}
		return clampInt(int64(math.Floor(r.Low+u*(r.High-r.Low+1))), r)
	default:
		x := lo + u*(hi-lo)
		if d.IsLog() {
			x = math.Pow(10, x)
		}
		return math.Min(math.Max(x, r.Low), r.High)
	}
}

func clampInt(v int64, r results.Range) int64 {
	lo, hi := int64(math.Ceil(r.Low)), int64(math.Floor(r.High))
	if hi < lo {
		hi = lo
	}
	return min(max(v, lo), hi)
}

// Sample draws one point from ranges using next for each coordinate.
func (s *Space) Sample(ranges []results.Range, next func() float64) results.Params {
	return sample(s.Dims, ranges, next)
}

func sample(dims []Dim, ranges []results.Range, next func() float64) results.Params {
	p := make(results.Params, len(dims))
	for i, d := range dims {
		p[i] = results.Param{Name: d.Name, Value: d.At(ranges[i], next())}
	}
	return p
}

// InitialRanges are the configured ranges of every dimension.
func (s *Space) InitialRanges() []results.Range {
	rs := make([]results.Range, len(s.Dims))
	for i, d := range s.Dims {
		rs[i] = d.InitialRange()
	}
	return rs
}

// gridValues lists the values a grid takes along d: every choice, every
// power of ten, every integer when there are few, else points evenly spaced
// (in log space for log dimensions) with both ends included.
func (d Dim) gridValues(points int) []any {
	r := d.InitialRange()
	switch d.Dist {
	case configs.Choice:
		return r.Choices
	case configs.PowersOfTen:
		var vs []any
		for e := int(d.Low); e <= int(d.High); e++ {
			vs = append(vs, Pow10(e))
		}
		return vs
	}
	if points < 2 {
		points = 2
	}
	var vs []any
	seen := map[int64]bool{}
	for i := 0; i < points; i++ {
		t := float64(i) / float64(points-1)
		var x float64
		if d.IsLog() {
			x = math.Pow(10, math.Log10(r.Low)+t*(math.Log10(r.High)-math.Log10(r.Low)))
		} else {
			x = r.Low + t*(r.High-r.Low)
		}
		if d.Dist == configs.Int {
			n := clampInt(int64(math.Round(x)), r)
			if !seen[n] {
				seen[n] = true
				vs = append(vs, n)
			}
			continue
		}
		if i == points-1 {
			x = r.High // exact end, not a rounding away from it
		}
		vs = append(vs, x)
	}
	return vs
}
