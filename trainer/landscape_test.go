package trainer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLandscapeGradients checks every analytic gradient against central
// finite differences at random points.
func TestLandscapeGradients(t *testing.T) {
	tests := []struct {
		function string
		dim      int
		scale    float64 // points are drawn from N(0, scale²)
	}{
		{FunctionRosenbrock, 2, 1.5},
		{FunctionRosenbrock, 5, 1.5},
		{FunctionRastrigin, 1, 3},
		{FunctionRastrigin, 4, 3},
		{FunctionDoubleWell, 1, 2},
		{FunctionDoubleWell, 3, 2},
		{FunctionPlateau, 2, 4},
		{FunctionPlateau, 3, 1},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range tests {
		t.Run(tc.function, func(t *testing.T) {
			m, err := newLandscape(ModelSpec{Kind: KindFunction, Function: tc.function, Dimension: tc.dim})
			if err != nil {
				t.Fatal(err)
			}
			if m.NumWeights() != tc.dim {
				t.Fatalf("NumWeights = %d, want %d", m.NumWeights(), tc.dim)
			}
			w := make([]float64, tc.dim)
			grad := make([]float64, tc.dim)
			for trial := 0; trial < 20; trial++ {
				for i := range w {
					w[i] = tc.scale * rng.NormFloat64()
				}
				f := m.LossGrad(w, nil, nil, grad)
				if g := m.LossGrad(w, nil, nil, nil); g != f {
					t.Fatalf("loss without gradient %v differs from loss with gradient %v", g, f)
				}
				for i := range w {
					num := centralDifference(m, w, i)
					if tol := 1e-6 * max(1, math.Abs(num)); math.Abs(grad[i]-num) > tol {
						t.Errorf("w=%v: ∂f/∂w%d = %v, finite difference %v", w, i, grad[i], num)
					}
				}
			}
		})
	}
}

func centralDifference(m Model, w []float64, i int) float64 {
	const h = 1e-5
	old := w[i]
	w[i] = old + h
	fp := m.LossGrad(w, nil, nil, nil)
	w[i] = old - h
	fm := m.LossGrad(w, nil, nil, nil)
	w[i] = old
	return (fp - fm) / (2 * h)
}

// TestLandscapeMinima checks that each function takes its documented
// minimum value at its documented minimiser, with a zero gradient there.
func TestLandscapeMinima(t *testing.T) {
	tests := []struct {
		function string
		dim      int
		at       float64 // every coordinate of the minimiser
	}{
		{FunctionRosenbrock, 0, 1},
		{FunctionRosenbrock, 4, 1},
		{FunctionRastrigin, 3, 0},
		{FunctionDoubleWell, 0, DoubleWellGlobalArg},
		{FunctionDoubleWell, 2, DoubleWellGlobalArg},
		{FunctionPlateau, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.function, func(t *testing.T) {
			m, err := newLandscape(ModelSpec{Kind: KindFunction, Function: tc.function, Dimension: tc.dim})
			if err != nil {
				t.Fatal(err)
			}
			w := make([]float64, m.NumWeights())
			for i := range w {
				w[i] = tc.at
			}
			grad := make([]float64, len(w))
			got := m.LossGrad(w, nil, nil, grad)
			want := LandscapeMinimum(tc.function, tc.dim)
			if math.Abs(got-want) > 1e-12 {
				t.Errorf("f(minimiser) = %v, LandscapeMinimum = %v", got, want)
			}
			for i, g := range grad {
				if math.Abs(g) > 1e-12 {
					t.Errorf("gradient[%d] = %v at the minimum, want 0", i, g)
				}
			}
		})
	}
}

// TestDoubleWellCriticalPoints pins the documented double-well constants:
// two minima and the peak between them are roots of f′, the left one lower.
func TestDoubleWellCriticalPoints(t *testing.T) {
	for _, x := range []float64{DoubleWellGlobalArg, DoubleWellLocalArg, DoubleWellPeakArg} {
		if _, slope := doubleWell(x); math.Abs(slope) > 1e-12 {
			t.Errorf("f′(%v) = %v, want 0", x, slope)
		}
	}
	global, _ := doubleWell(DoubleWellGlobalArg)
	local, _ := doubleWell(DoubleWellLocalArg)
	peak, _ := doubleWell(DoubleWellPeakArg)
	if !(global < local && local < peak) {
		t.Errorf("want f(global) < f(local) < f(peak), got %v, %v, %v", global, local, peak)
	}
}

func TestNewLandscapeErrors(t *testing.T) {
	tests := []struct {
		name string
		spec ModelSpec
		want string
	}{
		{"unknown function", ModelSpec{Kind: KindFunction, Function: "sphere", Dimension: 2}, `function must be one of rosenbrock, rastrigin, double_well, plateau, got "sphere"`},
		{"empty function", ModelSpec{Kind: KindFunction}, `got ""`},
		{"rosenbrock 1-D", ModelSpec{Kind: KindFunction, Function: FunctionRosenbrock, Dimension: 1}, "dimension must be >= 2 for rosenbrock, got 1"},
		{"negative dimension", ModelSpec{Kind: KindFunction, Function: FunctionPlateau, Dimension: -3}, "dimension must be >= 1 for plateau, got -3"},
		// No default dimension: 0 is refused, not read as 2.
		{"no dimension", ModelSpec{Kind: KindFunction, Function: FunctionRastrigin}, "dimension must be >= 1 for rastrigin, got 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewModel(tc.spec, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLandscapeMinimumUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		dim  int
	}{{"sphere", 2}, {FunctionRosenbrock, 1}, {FunctionPlateau, -1}} {
		if v := LandscapeMinimum(tc.name, tc.dim); !math.IsNaN(v) {
			t.Errorf("LandscapeMinimum(%q, %d) = %v, want NaN", tc.name, tc.dim, v)
		}
	}
}
