package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
)

// panicError is a panic recovered while making or drawing a plot: a bug,
// in hpsearch or in gonum, that the report turns into a note rather than
// losing the page (or the sweep that writes it). Tests tell it apart from
// a plot that has nothing to draw.
type panicError struct {
	plot  string
	value any
}

func (e *panicError) Error() string {
	return fmt.Sprintf("%s: internal error (please report it): %v", e.plot, e.value)
}

// wideLinear is gonum's linear scale without its overflow: an axis from
// -1.7e308 to 1.7e308 is 3.4e308 wide, +Inf in float64, which would put
// every point at NaN.
type wideLinear struct{}

func (wideLinear) Normalize(lo, hi, x float64) float64 { return fraction(lo, hi, x) }

// fraction is x's position from lo (0) to hi (1), for any finite values:
// where the differences overflow, it is worked out on halves.
func fraction(lo, hi, x float64) float64 {
	if d := hi - lo; !math.IsInf(d, 0) {
		if f := (x - lo) / d; !math.IsInf(f, 0) {
			return f
		}
	}
	return (x/2 - lo/2) / (hi/2 - lo/2)
}

// lerp is the value a fraction f of the way from lo to hi, without the
// overflow of lo + (hi-lo)*f.
func lerp(lo, hi, f float64) float64 { return lo*(1-f) + hi*f }

// clampFinite keeps an axis end within float64: padding a range that
// reaches ±1.7e308 must not make it ±Inf, which gonum resets to 0.
func clampFinite(v float64) float64 {
	return math.Max(-math.MaxFloat64, math.Min(math.MaxFloat64, v))
}

// widenIfFlat gives an axis whose ends are equal (one value, or two that
// rounding made equal) a width, so that positions on it are not 0/0.
func widenIfFlat(a *plot.Axis) {
	if a.Max > a.Min {
		return
	}
	d := math.Max(math.Abs(a.Min)*0.1, 0.5)
	a.Min, a.Max = clampFinite(a.Min-d), clampFinite(a.Max+d)
}
