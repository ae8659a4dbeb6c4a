package trainer

import (
	"fmt"
	"math"
	"strings"
)

// Loss landscapes: model kind "function", where the weights are the
// coordinates and the loss depends on them alone. They exist to show the
// lecture's limits of gradient descent on surfaces whose minima are known:
// a curved valley (rosenbrock), many local minima (rastrigin, double_well)
// and a plateau (plateau).
const (
	FunctionRosenbrock = "rosenbrock"
	FunctionRastrigin  = "rastrigin"
	FunctionDoubleWell = "double_well"
	FunctionPlateau    = "plateau"
)

var functionNames = []string{FunctionRosenbrock, FunctionRastrigin, FunctionDoubleWell, FunctionPlateau}

const (
	// rastriginA is the usual amplitude of Rastrigin's cosine ripples.
	rastriginA = 10
	// plateauSlope is the gentle slope ε of the plateau landscape far from
	// its well: small enough that plain gd with a small step crawls, large
	// enough that momentum (which accumulates it) and adam (which normalises
	// it away) cross the plateau in a few hundred steps.
	plateauSlope = 0.01
)

// The double well f(w) = w⁴ − 3w² + w has its global minimum on the left,
// a local minimum on the right and a maximum between them (roots of
// f′(w) = 4w³ − 6w + 1, polished by Newton's method).
const (
	DoubleWellGlobalArg = -1.3008395659415772 // f = −3.51390503893479
	DoubleWellLocalArg  = 1.1309011226299859  // f = −1.0702301817761541
	DoubleWellPeakArg   = 0.16993844331159128 // starts right of it descend into the local minimum
)

// landscape is a Model whose loss is a fixed function of the weights; the
// data set and rows arguments of LossGrad are ignored.
type landscape struct {
	name string
	dim  int
	// lossGrad is per-coordinate for the separable functions and whole-vector
	// for rosenbrock; it writes the gradient when grad is non-nil.
	lossGrad func(w, grad []float64) float64
}

func (l *landscape) NumWeights() int { return l.dim }

func (l *landscape) LossGrad(w []float64, _ *Dataset, _ []int, grad []float64) float64 {
	return l.lossGrad(w, grad)
}

// newLandscape builds the function landscape spec.Function names in
// spec.Dimension dimensions; the spec is validated.
func newLandscape(spec ModelSpec) (Model, error) {
	l := &landscape{name: spec.Function, dim: spec.Dimension}
	switch spec.Function {
	case FunctionRosenbrock:
		l.lossGrad = rosenbrock
	case FunctionRastrigin:
		l.lossGrad = separable(rastrigin)
	case FunctionDoubleWell:
		l.lossGrad = separable(doubleWell)
	case FunctionPlateau:
		l.lossGrad = separable(plateau)
	default:
		return nil, fmt.Errorf("model function: function %q is unknown (allowed: %s)", spec.Function, strings.Join(functionNames, ", "))
	}
	return l, nil
}

// minDimension is the fewest weights a landscape takes: rosenbrock's terms
// couple consecutive coordinates, so it needs two.
func minDimension(function string) int {
	if function == FunctionRosenbrock {
		return 2
	}
	return 1
}

// LandscapeMinimum is the known global minimum value of the named function
// landscape in dim dimensions, NaN for an unknown name or an invalid
// dimension.
func LandscapeMinimum(name string, dim int) float64 {
	if dim < minDimension(name) {
		return math.NaN()
	}
	switch name {
	case FunctionRosenbrock, FunctionRastrigin, FunctionPlateau:
		return 0
	case FunctionDoubleWell:
		// Separable: every coordinate sits in the global well.
		f, _ := doubleWell(DoubleWellGlobalArg)
		return float64(dim) * f
	default:
		return math.NaN()
	}
}

// separable turns a one-dimensional function with its derivative into the
// sum over coordinates, so that the n-D landscape has the 1-D minima in
// every coordinate.
func separable(f func(x float64) (value, slope float64)) func(w, grad []float64) float64 {
	return func(w, grad []float64) float64 {
		var sum float64
		for i, x := range w {
			v, s := f(x)
			sum += v
			if grad != nil {
				grad[i] = s
			}
		}
		return sum
	}
}

// rosenbrock is Σ 100(w[i+1] − w[i]²)² + (1 − w[i])², minimum 0 at (1, …, 1)
// at the bottom of a long curved valley where gd's steps zig-zag.
func rosenbrock(w, grad []float64) float64 {
	if grad != nil {
		zero(grad)
	}
	var sum float64
	for i := 0; i+1 < len(w); i++ {
		a := w[i+1] - w[i]*w[i]
		b := 1 - w[i]
		sum += 100*a*a + b*b
		if grad != nil {
			grad[i] += -400*a*w[i] - 2*b
			grad[i+1] += 200 * a
		}
	}
	return sum
}

// rastrigin is A + x² − A·cos(2πx) per coordinate: minimum 0 at 0, with a
// local minimum near every integer.
func rastrigin(x float64) (float64, float64) {
	v := rastriginA + x*x - rastriginA*math.Cos(2*math.Pi*x)
	s := 2*x + 2*math.Pi*rastriginA*math.Sin(2*math.Pi*x)
	return v, s
}

// doubleWell is x⁴ − 3x² + x: the global minimum at DoubleWellGlobalArg,
// the local one at DoubleWellLocalArg.
func doubleWell(x float64) (float64, float64) {
	x2 := x * x
	return x2*x2 - 3*x2 + x, 4*x2*x - 6*x + 1
}

// plateau is 1 − exp(−x²) + ε(√(1+x²) − 1) per coordinate: a Gaussian well
// of depth 1 and width about 1 with its minimum 0 at 0, sunk into a plateau
// of height about 1 that, beyond |x| ≈ 3, is nearly flat: its slope there is
// ε = 0.01 (plateauSlope), still pointing towards the well. Both terms grow
// with |x|, so 0 is the only minimum. A start at x = 8 with δ = 0.1 moves
// gd by δε = 0.001 per step, momentum (μ = 0.9) by up to 0.01 per step and
// adam by about δ per step.
func plateau(x float64) (float64, float64) {
	e := math.Exp(-x * x)
	r := math.Sqrt(1 + x*x)
	return 1 - e + plateauSlope*(r-1), 2*x*e + plateauSlope*x/r
}
