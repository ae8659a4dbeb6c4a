package testfunc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// dims are the dimensions each function is checked in: its fixed one, or a
// few for those of any dimension.
func dims(fn *Function) []int {
	if fn.Fixed != 0 {
		return []int{fn.Fixed}
	}
	return []int{max(fn.MinDim, 1), 2, 4, 7}
}

func TestValueAtArgminIsTheKnownMinimum(t *testing.T) {
	for _, name := range Names() {
		fn, _ := Get(name)
		for _, n := range dims(fn) {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				m, err := fn.Minimum(n)
				if err != nil {
					t.Fatal(err)
				}
				if len(m.Argmin) != n {
					t.Fatalf("argmin %v has %d coordinates, want %d", m.Argmin, len(m.Argmin), n)
				}
				if got := fn.Eval(m.Argmin); math.Abs(got-m.Value) > 1e-5 {
					t.Fatalf("f(%v) = %.9g, want the known minimum %.9g", m.Argmin, got, m.Value)
				}
				dom, _ := fn.Domain(n)
				for i, x := range m.Argmin {
					if x < dom[i].Low || x > dom[i].High {
						t.Errorf("argmin coordinate %d = %g outside the domain %v", i, x, dom[i])
					}
				}
			})
		}
	}
}

// TestNoPointBelowTheMinimum samples each domain at random and near the
// argmin (where a wrong minimum would show first): no value may be lower
// than the documented minimum.
func TestNoPointBelowTheMinimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range Names() {
		fn, _ := Get(name)
		for _, n := range dims(fn) {
			m, _ := fn.Minimum(n)
			dom, _ := fn.Domain(n)
			x := make([]float64, n)
			for k := range 20000 {
				for i := range x {
					if k%2 == 0 {
						x[i] = dom[i].Low + rng.Float64()*(dom[i].High-dom[i].Low)
					} else {
						x[i] = m.Argmin[i] + (rng.Float64()-0.5)*1e-2*(dom[i].High-dom[i].Low)
					}
				}
				if v := fn.Eval(x); v < m.Value-1e-9 {
					t.Fatalf("%s/%d: f(%v) = %.12g is below the known minimum %.12g", name, n, x, v, m.Value)
				}
			}
		}
	}
}

// TestKnownValues pins the definitions against values computed by hand or
// by other implementations, so a changed constant does not pass unnoticed
// (a point far from the minimum tests more of the formula than the argmin).
func TestKnownValues(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		want float64
	}{
		{"branin", []float64{0, 0}, 55.602112642270264}, // 36 + 10(1 − 1/8π) + 10
		{"branin", []float64{math.Pi, 2.275}, 0.39788735772973816},
		{"styblinski_tang", []float64{0, 0}, 0},
		{"styblinski_tang", []float64{1, -1}, -15},
		{"rosenbrock", []float64{0, 0}, 1},
		{"rosenbrock", []float64{-1, 1, 1}, 4},
		{"rastrigin", []float64{1, 1}, 2},
		{"rastrigin", []float64{0.5}, 20.25},
		{"ackley", []float64{0, 0, 0}, 0},
		{"ackley", []float64{1, 1}, 3.6253849384403627},
		{"levy", []float64{1, 1, 1}, 0},
		{"levy", []float64{5}, 1}, // w = 2: sin²(2π) + 1·(1 + sin²(4π))
		{"hartmann3", []float64{0, 0, 0}, -0.06797411659013464},
		{"hartmann6", []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, -0.5053149917022333},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.name, tc.x), func(t *testing.T) {
			fn, err := Get(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if got := fn.Eval(tc.x); math.Abs(got-tc.want) > 1e-9*max(1, math.Abs(tc.want)) {
				t.Fatalf("f(%v) = %.17g, want %.17g", tc.x, got, tc.want)
			}
		})
	}
}

func TestDimensionsAndNames(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		wantErr string
	}{
		{"branin", 2, ""},
		{"branin", 3, "branin is 2-dimensional: it takes exactly 2 parameters x0…x1, got 3"},
		{"hartmann6", 5, "hartmann6 is 6-dimensional"},
		{"hartmann3", 3, ""},
		{"rosenbrock", 1, "rosenbrock needs at least 2 parameters x0…x1, got 1"},
		{"levy", 1, ""},
		{"ackley", 12, ""},
		{"rastrigin", 0, "needs at least 1"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.name, tc.n), func(t *testing.T) {
			fn, err := Get(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			_, derr := fn.Domain(tc.n)
			_, merr := fn.Minimum(tc.n)
			for _, err := range []error{fn.CheckDim(tc.n), derr, merr} {
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("dimension %d refused: %v", tc.n, err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Fatalf("dimension %d: error %v, want one containing %q", tc.n, err, tc.wantErr)
				}
			}
		})
	}
	if _, err := Get("brainin"); err == nil || !strings.Contains(err.Error(), "branin, hartmann3") {
		t.Errorf("unknown name: %v, want an error listing the allowed names", err)
	}
	if got := len(Names()); got != 8 {
		t.Errorf("%d functions, want the 8 the configs accept", got)
	}
}
