package search

import (
	"fmt"
	"math"
	"testing"
)

// TestSobolFirstPoints checks the raw sequence against the first points of
// SciPy's unscrambled Sobol (scipy.stats.qmc.Sobol(d, scramble=False)),
// which uses the same Joe–Kuo numbers and the same Gray-code order.
func TestSobolFirstPoints(t *testing.T) {
	want := [][]float64{
		{0, 0, 0, 0, 0},
		{0.5, 0.5, 0.5, 0.5, 0.5},
		{0.75, 0.25, 0.25, 0.25, 0.75},
		{0.25, 0.75, 0.75, 0.75, 0.25},
		{0.375, 0.375, 0.625, 0.875, 0.375},
		{0.875, 0.875, 0.125, 0.375, 0.875},
		{0.625, 0.125, 0.875, 0.625, 0.625},
		{0.125, 0.625, 0.375, 0.125, 0.125},
	}
	s, err := newSobol(5, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float64, 5)
	for i, w := range want {
		s.next(p)
		for d := range w {
			if p[d] != w[d] {
				t.Fatalf("point %d = %v, want %v", i, p, w)
			}
		}
	}
	// Every tabulated dimension, down to the eighth binary digit that the
	// degree-8 polynomials start to use: points 200 and 255 of the
	// 40-dimensional sequence (scipy.stats.qmc.Sobol(40, scramble=False)
	// .random(256)), in units of 1/256.
	far := map[int][]float64{
		200: {53, 99, 105, 151, 209, 143, 7, 249, 85, 159, 255, 151, 79, 151, 25, 177, 163, 217, 191, 45,
			93, 77, 221, 69, 17, 97, 57, 201, 11, 135, 227, 23, 59, 219, 239, 91, 219, 17, 221, 69},
		255: {1, 255, 197, 147, 157, 251, 227, 45, 113, 91, 35, 43, 51, 163, 157, 133, 103, 109, 187, 65,
			81, 113, 137, 57, 149, 213, 157, 181, 247, 3, 151, 43, 255, 175, 139, 223, 55, 245, 97, 249},
	}
	s, _ = newSobol(sobolMaxDims, 0, false)
	p = make([]float64, sobolMaxDims)
	for i := 0; i <= 255; i++ {
		s.next(p)
		if w, ok := far[i]; ok {
			for d := range w {
				if p[d]*256 != w[d] {
					t.Fatalf("point %d, dimension %d: %v/256, want %v/256", i, d, p[d]*256, w[d])
				}
			}
		}
	}
}

// TestSobolStratified checks the property that makes Sobol worth having,
// for the raw and the scrambled sequence in every tabulated dimension:
// the first 2ᵏ points put exactly one coordinate in each interval
// [j/2ᵏ, (j+1)/2ᵏ), and every 2-D projection of the first 2ᵏ points with
// k even holds at most a few points per cell of a 2^(k/2) grid.
func TestSobolStratified(t *testing.T) {
	for _, tc := range []struct {
		name      string
		scrambled bool
		seed      uint64
	}{{"raw", false, 0}, {"scrambled seed 1", true, 1}, {"scrambled seed 99", true, 99}} {
		t.Run(tc.name, func(t *testing.T) {
			const k = 10
			n := 1 << k
			s, err := newSobol(sobolMaxDims, tc.seed, tc.scrambled)
			if err != nil {
				t.Fatal(err)
			}
			pts := make([][]float64, n)
			for i := range pts {
				pts[i] = make([]float64, sobolMaxDims)
				s.next(pts[i])
			}
			for d := range sobolMaxDims {
				hits := make([]int, n)
				for _, p := range pts {
					if p[d] < 0 || p[d] >= 1 {
						t.Fatalf("dimension %d: coordinate %v outside [0, 1)", d, p[d])
					}
					hits[int(p[d]*float64(n))]++
				}
				for j, h := range hits {
					if h != 1 {
						t.Fatalf("dimension %d: interval %d/%d holds %d of the first %d points, want exactly 1", d, j, n, h, n)
					}
				}
			}
		})
	}
}

// TestSobolScrambleIsSeeded checks that the scrambled sequence depends on
// the seed (and only on it) and is uniform on average: its mean over many
// seeds of the first point is near 0.5 in every dimension, where the raw
// sequence always starts at 0.
func TestSobolScrambleIsSeeded(t *testing.T) {
	first := func(seed uint64) []float64 {
		s, _ := newSobol(3, seed, true)
		p := make([]float64, 3)
		s.next(p)
		return p
	}
	if fmt.Sprint(first(7)) != fmt.Sprint(first(7)) {
		t.Fatal("the same seed gave two sequences")
	}
	if fmt.Sprint(first(7)) == fmt.Sprint(first(8)) {
		t.Fatal("seeds 7 and 8 gave the same first point")
	}
	const seeds = 4000
	mean := make([]float64, 3)
	for seed := range uint64(seeds) {
		for d, x := range first(seed) {
			mean[d] += x / seeds
		}
	}
	for d, m := range mean {
		// The standard error of a mean of uniforms is 1/√(12·4000) ≈ 0.0046.
		if math.Abs(m-0.5) > 0.02 {
			t.Errorf("dimension %d: mean first point %.3f over %d seeds, want about 0.5", d, m, seeds)
		}
	}
}

func TestSobolDimensions(t *testing.T) {
	for _, dims := range []int{0, sobolMaxDims + 1} {
		if _, err := newSobol(dims, 1, true); err == nil {
			t.Errorf("%d dimensions accepted", dims)
		}
	}
	if sobolMaxDims < 21 {
		t.Errorf("direction numbers for %d dimensions, want at least 21", sobolMaxDims)
	}
}
