// Package testfunc holds the standard benchmark functions that search
// strategies are judged on: each with its usual domain and its known global
// minimum, so that a search's result can be reported as a regret (best found
// − known minimum), comparable across strategies, seeds and tools.
//
// The definitions and constants follow the Virtual Library of Simulation
// Experiments (Surjanovic & Bingham); the minima were checked numerically
// here (see the tests) rather than copied, where sources disagree.
package testfunc

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Interval is one coordinate's domain, [Low, High].
type Interval struct{ Low, High float64 }

// Minimum is a function's known global minimum in a given dimension.
type Minimum struct {
	Value float64
	// Argmin is one point where Value is reached (Branin has three; the
	// others are listed in its Doc).
	Argmin []float64
}

// Function is a benchmark function of any or of one fixed dimension.
type Function struct {
	Name string
	// Doc says what makes the function hard, its domain and its minimum.
	Doc string
	// Fixed is the only dimension the function is defined in (Branin 2,
	// Hartmann-3 3, Hartmann-6 6); 0 when it takes any dimension ≥ MinDim.
	Fixed  int
	MinDim int

	f      func(x []float64) float64
	domain func(n int) []Interval
	min    func(n int) Minimum
}

// Eval returns f(x). x must have a dimension CheckDim accepts; Eval does
// not check it again, because it is called in search loops.
func (fn *Function) Eval(x []float64) float64 { return fn.f(x) }

// CheckDim reports why fn cannot be evaluated in n dimensions, or nil.
func (fn *Function) CheckDim(n int) error {
	switch {
	case fn.Fixed != 0 && n != fn.Fixed:
		return fmt.Errorf("benchmark %s is %d-dimensional: it takes exactly %d parameters x0…x%d, got %d", fn.Name, fn.Fixed, fn.Fixed, fn.Fixed-1, n)
	case n < fn.MinDim:
		return fmt.Errorf("benchmark %s needs at least %d parameters x0…x%d, got %d", fn.Name, fn.MinDim, fn.MinDim-1, n)
	}
	return nil
}

// Domain is the usual search domain of fn in n dimensions.
func (fn *Function) Domain(n int) ([]Interval, error) {
	if err := fn.CheckDim(n); err != nil {
		return nil, err
	}
	return fn.domain(n), nil
}

// Minimum is fn's known global minimum in n dimensions.
func (fn *Function) Minimum(n int) (Minimum, error) {
	if err := fn.CheckDim(n); err != nil {
		return Minimum{}, err
	}
	return fn.min(n), nil
}

// Get returns the benchmark function called name.
func Get(name string) (*Function, error) {
	for _, fn := range all {
		if fn.Name == name {
			return fn, nil
		}
	}
	return nil, fmt.Errorf("unknown benchmark %q (allowed: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the benchmark functions in a fixed order: the fixed-dimension
// ones first, then those of any dimension.
func Names() []string {
	names := make([]string, len(all))
	for i, fn := range all {
		names[i] = fn.Name
	}
	return names
}

// same returns n copies of one interval: the domain of the functions that
// treat every coordinate alike.
func same(lo, hi float64) func(n int) []Interval {
	return func(n int) []Interval {
		d := make([]Interval, n)
		for i := range d {
			d[i] = Interval{lo, hi}
		}
		return d
	}
}

// at returns a minimum value reached where every coordinate equals x.
func at(value func(n int) float64, x float64) func(n int) Minimum {
	return func(n int) Minimum {
		arg := make([]float64, n)
		for i := range arg {
			arg[i] = x
		}
		return Minimum{Value: value(n), Argmin: arg}
	}
}

func zero(int) float64 { return 0 }

func fixedMin(value float64, argmin ...float64) func(int) Minimum {
	return func(int) Minimum { return Minimum{Value: value, Argmin: slices.Clone(argmin)} }
}

var all = []*Function{
	{
		Name: "branin", Fixed: 2, MinDim: 2,
		Doc: "2-D, x0 ∈ [−5, 10], x1 ∈ [0, 15]; three global minima 0.397887 at (−π, 12.275), (π, 2.275), (9.42478, 2.475)",
		f:   branin, domain: func(int) []Interval { return []Interval{{-5, 10}, {0, 15}} },
		min: fixedMin(0.39788735772973816, -math.Pi, 12.275),
	},
	{
		Name: "hartmann3", Fixed: 3, MinDim: 3,
		Doc: "3-D, [0, 1]³; four local minima, the global −3.86278 at (0.114589, 0.555649, 0.852547) (polished here: −3.8627797873, 2.4e-6 above the often-quoted −3.8627821)",
		f:   hartmann3, domain: same(0, 1),
		min: fixedMin(-3.8627797873326628, 0.1145888843, 0.5556488934, 0.8525469843),
	},
	{
		Name: "hartmann6", Fixed: 6, MinDim: 6,
		Doc: "6-D, [0, 1]⁶; six local minima, the global −3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)",
		f:   hartmann6, domain: same(0, 1),
		min: fixedMin(-3.3223680114155147, 0.20168951, 0.15001069, 0.47687398, 0.27533243, 0.31165162, 0.65730053),
	},
	{
		Name: "styblinski_tang", MinDim: 1,
		Doc: "n-D, [−5, 5]ⁿ; separable, 2ⁿ local minima; global −39.166166·n at xᵢ = −2.903534 (the often-quoted −39.16599·n is off by 1.8e-4 per dimension)",
		f:   styblinskiTang, domain: same(-5, 5),
		min: at(func(n int) float64 { return styblinskiTangMin1 * float64(n) }, styblinskiTangArg),
	},
	{
		Name: "rosenbrock", MinDim: 2,
		Doc: "n-D, [−2, 2]ⁿ here (the domain of the Optuna figures in BENCHMARKS.md; [−5, 10]ⁿ is also common); a narrow curved valley; global 0 at (1, …, 1)",
		f:   rosenbrock, domain: same(-2, 2), min: at(zero, 1),
	},
	{
		Name: "ackley", MinDim: 1,
		Doc: "n-D, [−32.768, 32.768]ⁿ; a wide funnel covered in small local minima; global 0 at the origin",
		f:   ackley, domain: same(-32.768, 32.768), min: at(zero, 0),
	},
	{
		Name: "rastrigin", MinDim: 1,
		Doc: "n-D, [−5.12, 5.12]ⁿ; about 10ⁿ regularly spaced local minima; global 0 at the origin",
		f:   rastrigin, domain: same(-5.12, 5.12), min: at(zero, 0),
	},
	{
		Name: "levy", MinDim: 1,
		Doc: "n-D, [−10, 10]ⁿ; many local minima along a wavy valley; global 0 at (1, …, 1)",
		f:   levy, domain: same(-10, 10), min: at(zero, 1),
	},
}

func branin(x []float64) float64 {
	const (
		a = 1.0
		b = 5.1 / (4 * math.Pi * math.Pi)
		c = 5 / math.Pi
		r = 6.0
		s = 10.0
		t = 1 / (8 * math.Pi)
	)
	u := x[1] - b*x[0]*x[0] + c*x[0] - r
	return a*u*u + s*(1-t)*math.Cos(x[0]) + s
}

// The Hartmann functions: four Gaussian-like wells of weights alpha, shapes
// a and centres p (in units of 1e-4).
var (
	hartmannAlpha = [4]float64{1.0, 1.2, 3.0, 3.2}
	hartmann3A    = [4][3]float64{{3, 10, 30}, {0.1, 10, 35}, {3, 10, 30}, {0.1, 10, 35}}
	hartmann3P    = [4][3]float64{{3689, 1170, 2673}, {4699, 4387, 7470}, {1091, 8732, 5547}, {381, 5743, 8828}}
	hartmann6A    = [4][6]float64{
		{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14},
		{3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14},
	}
	hartmann6P = [4][6]float64{
		{1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991},
		{2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381},
	}
)

func hartmann3(x []float64) float64 {
	s := 0.0
	for i := range 4 {
		inner := 0.0
		for j := range 3 {
			d := x[j] - hartmann3P[i][j]*1e-4
			inner += hartmann3A[i][j] * d * d
		}
		s -= hartmannAlpha[i] * math.Exp(-inner)
	}
	return s
}

func hartmann6(x []float64) float64 {
	s := 0.0
	for i := range 4 {
		inner := 0.0
		for j := range 6 {
			d := x[j] - hartmann6P[i][j]*1e-4
			inner += hartmann6A[i][j] * d * d
		}
		s -= hartmannAlpha[i] * math.Exp(-inner)
	}
	return s
}

// styblinskiTangArg is the root of f′(x) = 2x³ − 16x + 2.5 near −2.9, found
// by bisection; styblinskiTangMin1 is f there, per dimension.
const (
	styblinskiTangArg  = -2.903534027771178
	styblinskiTangMin1 = -39.16616570377142
)

func styblinskiTang(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		v2 := v * v
		s += v2*v2 - 16*v2 + 5*v
	}
	return s / 2
}

func rosenbrock(x []float64) float64 {
	s := 0.0
	for i := 0; i+1 < len(x); i++ {
		a, b := x[i+1]-x[i]*x[i], 1-x[i]
		s += 100*a*a + b*b
	}
	return s
}

func ackley(x []float64) float64 {
	const a, b, c = 20.0, 0.2, 2 * math.Pi
	n := float64(len(x))
	sq, cs := 0.0, 0.0
	for _, v := range x {
		sq += v * v
		cs += math.Cos(c * v)
	}
	return -a*math.Exp(-b*math.Sqrt(sq/n)) - math.Exp(cs/n) + a + math.E
}

func rastrigin(x []float64) float64 {
	s := 10 * float64(len(x))
	for _, v := range x {
		s += v*v - 10*math.Cos(2*math.Pi*v)
	}
	return s
}

func levy(x []float64) float64 {
	w := func(v float64) float64 { return 1 + (v-1)/4 }
	n := len(x)
	s := math.Pow(math.Sin(math.Pi*w(x[0])), 2)
	for i := 0; i+1 < n; i++ {
		wi := w(x[i])
		s += (wi - 1) * (wi - 1) * (1 + 10*math.Pow(math.Sin(math.Pi*wi+1), 2))
	}
	wn := w(x[n-1])
	return s + (wn-1)*(wn-1)*(1+math.Pow(math.Sin(2*math.Pi*wn), 2))
}
