// Package search holds the algorithms of a study and nothing else: the
// search space (Dim, Space), the strategies that propose points (grid,
// random, sobol, powers-of-ten, coarse-to-fine, coarse-to-fine-gp, bayes),
// the early-stopping rules and their pruner, and the runner that fans
// trials out over a queue. It has its own types and knows no config, no
// trainer and no benchmark function: package study translates a config
// into them and builds the objectives a runner evaluates.
package search

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/hpsearch/hpsearch/internal/choice"
	"github.com/hpsearch/hpsearch/internal/num"
	"github.com/hpsearch/hpsearch/results"
)

// Distributions a dimension's values are drawn from.
const (
	Uniform     = "uniform"
	LogUniform  = "log_uniform"
	Int         = "int"
	Choice      = "choice"
	PowersOfTen = "powers_of_ten"
)

// Dim is one searched parameter.
type Dim struct {
	Name    string
	Dist    string  // one of the distributions above
	Low     float64 // uniform, log_uniform, int: the range; powers_of_ten: exponents
	High    float64
	Log     bool       // int: sample in log space
	Choices []any      // choice: float64, int64 or string values
	When    *Condition // nil: the parameter applies to every trial

	parent int // index of the dimension its condition names; -1 without one
}

// Condition restricts a dimension to the points where Parent, a choice
// before it, took one of Values. Elsewhere the dimension is absent: not
// sampled and not part of the point.
type Condition struct {
	Parent string
	Values []any // each one of the parent's choices
}

// Applies reports whether a dimension with this condition takes part in a
// point whose parent value is v (ok false: the parent is absent itself).
// Values are compared as printed: a value read back from a store may be
// another Go type than the declared one.
func (c *Condition) Applies(v any, ok bool) bool {
	if c == nil {
		return true
	}
	return ok && choice.Has(c.Values, v)
}

// IsLog reports whether d is best searched in log space.
func (d Dim) IsLog() bool {
	return d.Dist == LogUniform || d.Dist == PowersOfTen || (d.Dist == Int && d.Log)
}

// Space is the searched parameters in document order. Building it from the
// config's ordered slice, never from a map, is what makes the same seed give
// the same trials.
type Space struct {
	Dims []Dim
}

// NewSpace builds the space of dims, in their order. A conditional
// dimension's parent must come before it and be a choice (configs checks
// both where the user can fix them), so a point is sampled in one pass.
func NewSpace(dims []Dim) (*Space, error) {
	s := &Space{}
	for _, p := range dims {
		// A config's parameters are checked by configs; these are for the
		// Go API, where a space is built by hand.
		if p.Name == "" {
			return nil, fmt.Errorf("parameter %d: empty name", len(s.Dims))
		}
		if slices.ContainsFunc(s.Dims, func(d Dim) bool { return d.Name == p.Name }) {
			return nil, fmt.Errorf("parameter %s: the name is given twice", p.Name)
		}
		if p.Dist != Choice && (math.IsInf(p.Low, 0) || math.IsInf(p.High, 0)) {
			return nil, fmt.Errorf("parameter %s: range [%g, %g] must be finite", p.Name, p.Low, p.High)
		}
		parent := -1
		if p.When != nil {
			parent = slices.IndexFunc(s.Dims, func(d Dim) bool { return d.Name == p.When.Parent })
			if parent < 0 || s.Dims[parent].Dist != Choice {
				return nil, fmt.Errorf("parameter %s: its condition names %s, which is not a choice declared before it", p.Name, p.When.Parent)
			}
		}
		switch p.Dist {
		case Uniform, LogUniform, Int, PowersOfTen:
			if !(p.Low < p.High) && !(p.Dist == Int && p.Low == p.High) {
				return nil, fmt.Errorf("parameter %s: range [%g, %g] is empty", p.Name, p.Low, p.High)
			}
			if p.IsLog() && p.Dist != PowersOfTen && p.Low <= 0 {
				return nil, fmt.Errorf("parameter %s: log range must be above 0, got [%g, %g]", p.Name, p.Low, p.High)
			}
		case Choice:
			if len(p.Choices) == 0 {
				return nil, fmt.Errorf("parameter %s: choice needs at least one value", p.Name)
			}
		default:
			return nil, fmt.Errorf("parameter %s: unknown distribution %q", p.Name, p.Dist)
		}
		p.parent = parent
		s.Dims = append(s.Dims, p)
	}
	return s, nil
}

// reapply settles the parameters after coordinate i of vals once it has
// moved: one whose condition no longer holds is dropped, one that now
// applies (the point had no value for it) gets draw(k).
func reapply(dims []Dim, vals []any, i int, draw func(k int) any) {
	for k := i + 1; k < len(dims); k++ {
		switch ok := applies(dims, k, vals); {
		case !ok:
			vals[k] = nil
		case vals[k] == nil:
			vals[k] = draw(k)
		}
	}
}

// applies reports whether dimension i takes part in a point whose earlier
// coordinates are vals (nil for an absent one).
func applies(dims []Dim, i int, vals []any) bool {
	d := dims[i]
	if d.When == nil {
		return true
	}
	v := vals[d.parent]
	return d.When.Applies(v, v != nil)
}

// Conditional reports whether the space has a parameter that applies to
// some trials only.
func (s *Space) Conditional() bool {
	return slices.ContainsFunc(s.Dims, func(d Dim) bool { return d.When != nil })
}

// point turns the coordinates of a point, nil where a dimension does not
// apply, into its parameters: absent ones are left out, so a trial stores,
// shows and exports only what it used.
func point(dims []Dim, vals []any) results.Params {
	p := make(results.Params, 0, len(dims))
	for i, d := range dims {
		if vals[i] != nil {
			p = append(p, results.Param{Name: d.Name, Value: vals[i]})
		}
	}
	return p
}

// coordinates reads p into the space's order, nil where p has no value.
func (s *Space) coordinates(p results.Params) []any {
	vals := make([]any, len(s.Dims))
	for i, d := range s.Dims {
		if v, ok := p.Get(d.Name); ok {
			vals[i] = v
		}
	}
	return vals
}

// consistent reports whether vals hold a value exactly where the space's
// conditions say one applies, and p names nothing else.
func (s *Space) consistent(p results.Params, vals []any) bool {
	n := 0
	for i := range s.Dims {
		if (vals[i] != nil) != applies(s.Dims, i, vals) {
			return false
		}
		if vals[i] != nil {
			n++
		}
	}
	return n == len(p)
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
	case Choice:
		r.Choices = append([]any(nil), d.Choices...)
	case PowersOfTen:
		r.Low, r.High = Pow10(int(d.Low)), Pow10(int(d.High))
	default:
		r.Low, r.High = d.Low, d.High
	}
	return r
}

// Categorical reports whether d's values have no order to narrow.
func (d Dim) Categorical() bool { return d.Dist == Choice }

// Numeric converts a value of d to the coordinate narrowing works in:
// log10 for log dimensions, the value itself otherwise.
func (d Dim) Numeric(v any) (float64, bool) {
	x, err := num.Float(v)
	if err != nil {
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
	case PowersOfTen:
		a, b := int(math.Round(lo)), int(math.Round(hi))
		return Pow10(a + int(u*float64(b-a+1)))
	case Int:
		// Integers are drawn over [lo, hi+1) so hi is as likely as lo.
		if d.Log {
			x := math.Pow(10, lo+u*(math.Log10(r.High+1)-lo))
			return clampInt(toInt64(math.Floor(x)), r)
		}
		return clampInt(toInt64(math.Floor(r.Low+u*(r.High-r.Low+1))), r)
	default:
		x := lo + u*(hi-lo)
		if d.IsLog() {
			x = math.Pow(10, x)
		}
		return math.Min(math.Max(x, r.Low), r.High)
	}
}

func clampInt(v int64, r results.Range) int64 {
	lo, hi := toInt64(math.Ceil(r.Low)), toInt64(math.Floor(r.High))
	if hi < lo {
		hi = lo
	}
	return min(max(v, lo), hi)
}

// toInt64 converts x, saturating at the int64 range: Go's conversion of
// a float64 at or past 2^63 is undefined (-2^63 on amd64), which collapsed
// every sample of a range ending at 2^63-1 (stored as 2^63) to -2^63.
func toInt64(x float64) int64 {
	switch {
	case x >= math.MaxInt64: // 2^63 as a float64
		return math.MaxInt64
	case x <= math.MinInt64:
		return math.MinInt64
	}
	return int64(x)
}

// Sample draws one point from ranges using next for each coordinate.
func (s *Space) Sample(ranges []results.Range, next func() float64) results.Params {
	return sample(s.Dims, ranges, next)
}

// sample draws a coordinate for every dimension, also one that does not
// apply, so that a condition never shifts the draws of the dimensions
// after it.
func sample(dims []Dim, ranges []results.Range, next func() float64) results.Params {
	vals := make([]any, len(dims))
	for i, d := range dims {
		u := next()
		if applies(dims, i, vals) {
			vals[i] = d.At(ranges[i], u)
		}
	}
	return point(dims, vals)
}

// InitialRanges are the configured ranges of every dimension.
func (s *Space) InitialRanges() []results.Range {
	rs := make([]results.Range, len(s.Dims))
	for i, d := range s.Dims {
		rs[i] = d.InitialRange()
	}
	return rs
}

// gridCount is how many values gridValues lists along d, at most: an int
// dimension may list fewer once rounding merges points.
func (d Dim) gridCount(points int) int {
	points = max(points, 2)
	switch d.Dist {
	case Choice:
		return len(d.Choices)
	case PowersOfTen:
		return int(d.High) - int(d.Low) + 1
	case Int:
		if n := d.High - d.Low + 1; n < float64(points) {
			return int(n)
		}
	}
	return points
}

// gridValues lists the values a grid takes along d: every choice, every
// power of ten, every integer when there are few, else points evenly spaced
// (in log space for log dimensions) with both ends included.
func (d Dim) gridValues(points int) []any {
	r := d.InitialRange()
	switch d.Dist {
	case Choice:
		return r.Choices
	case PowersOfTen:
		var vs []any
		for e := int(d.Low); e <= int(d.High); e++ {
			vs = append(vs, Pow10(e))
		}
		return vs
	}
	if points < 2 {
		points = 2
	}
	if d.Dist == Int && !d.IsLog() {
		// Every integer of a short range, not a million points rounded
		// onto it.
		points = max(2, d.gridCount(points))
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
		if d.Dist == Int {
			n := clampInt(toInt64(math.Round(x)), r)
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
