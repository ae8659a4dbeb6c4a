package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// lengths are the row widths and row counts tried: empty, shorter than one
// vector, around the AVX2 and AVX-512 widths and the 8-register tiles.
var lengths = []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 129}

func randSlice(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// close reports whether got is within the rounding that reordering a sum
// of n products may cause: a few ulps of the sum of the magnitudes.
func close(got, want, magnitude float64, n int) bool {
	return math.Abs(got-want) <= 4*float64(n+1)*0x1p-52*magnitude
}

// TestKernelsMatchGeneric runs every level this CPU supports against the
// generic kernels on random shapes, and checks that a second call gives
// the same bits.
func TestKernelsMatchGeneric(t *testing.T) {
	levels := supported()
	t.Logf("levels: %v", levelNames(levels))
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ks := range levels {
		for _, m := range lengths {
			for _, n := range lengths {
				name := fmt.Sprintf("%s/%dx%d", ks.level, n, m)
				a := randSlice(rng, n*m+1)[:n*m] // a value past the end that must not be read as a row
				w := randSlice(rng, m)
				s := randSlice(rng, n)

				want := make([]float64, n)
				dotRowsGeneric(want, w, a)
				got := make([]float64, n+1)
				got[n] = 42 // must stay untouched
				ks.dotRows(got[:n], w, a)
				for k := range want {
					mag := 0.0
					for j := range w {
						mag += math.Abs(w[j] * a[k*m+j])
					}
					if !close(got[k], want[k], mag, m) {
						t.Fatalf("%s: dotRows row %d = %v, generic %v", name, k, got[k], want[k])
					}
				}
				if got[n] != 42 {
					t.Fatalf("%s: dotRows wrote past out", name)
				}
				again := make([]float64, n)
				ks.dotRows(again, w, a)
				for k := range again {
					if math.Float64bits(again[k]) != math.Float64bits(got[k]) {
						t.Fatalf("%s: dotRows row %d is %v then %v", name, k, got[k], again[k])
					}
				}

				g0 := randSlice(rng, m+1)
				wantG := append([]float64(nil), g0[:m]...)
				addRowsTGeneric(wantG, s, a)
				gotG := append([]float64(nil), g0...)
				ks.addRowsT(gotG[:m], s, a)
				for j := range wantG {
					mag := math.Abs(g0[j])
					for k := range s {
						mag += math.Abs(s[k] * a[k*m+j])
					}
					if !close(gotG[j], wantG[j], mag, n) {
						t.Fatalf("%s: addRowsT column %d = %v, generic %v", name, j, gotG[j], wantG[j])
					}
				}
				if gotG[m] != g0[m] {
					t.Fatalf("%s: addRowsT wrote past g", name)
				}
				againG := append([]float64(nil), g0...)
				ks.addRowsT(againG[:m], s, a)
				for j := range againG {
					if math.Float64bits(againG[j]) != math.Float64bits(gotG[j]) {
						t.Fatalf("%s: addRowsT column %d is %v then %v", name, j, gotG[j], againG[j])
					}
				}
			}
		}
	}
}

// TestKernelsExact checks every level on integer data, where no sum
// rounds, so every order of adding must give exactly the true value.
func TestKernelsExact(t *testing.T) {
	for _, ks := range supported() {
		for _, m := range []int{0, 1, 7, 15, 17, 63, 65} {
			n := 9
			a := make([]float64, n*m)
			for i := range a {
				a[i] = float64(i%13 - 6)
			}
			w, s := make([]float64, m), make([]float64, n)
			for j := range w {
				w[j] = float64(j%5 - 2)
			}
			for k := range s {
				s[k] = float64(k - 4)
			}
			out := make([]float64, n)
			ks.dotRows(out, w, a)
			for k := range out {
				want := 0.0
				for j := range w {
					want += w[j] * a[k*m+j]
				}
				if out[k] != want {
					t.Fatalf("%s m=%d: dotRows row %d = %v, want %v", ks.level, m, k, out[k], want)
				}
			}
			g := make([]float64, m)
			for j := range g {
				g[j] = 1
			}
			ks.addRowsT(g, s, a)
			for j := range g {
				want := 1.0
				for k := range s {
					want += s[k] * a[k*m+j]
				}
				if g[j] != want {
					t.Fatalf("%s m=%d: addRowsT column %d = %v, want %v", ks.level, m, j, g[j], want)
				}
			}
		}
	}
}

func TestKernelsAllocateNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a, w, s := randSlice(rng, 16*65), randSlice(rng, 65), randSlice(rng, 16)
	out, g := make([]float64, 16), make([]float64, 65)
	for _, ks := range supported() {
		if n := testing.AllocsPerRun(10, func() {
			ks.dotRows(out, w, a)
			ks.addRowsT(g, s, a)
		}); n != 0 {
			t.Errorf("%s: %v allocations per call", ks.level, n)
		}
	}
}

func TestShortDataPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("DotRows over too few values did not panic")
		}
	}()
	DotRows(make([]float64, 3), make([]float64, 4), make([]float64, 11))
}

func levelNames(ks []kernels) []Level {
	var ls []Level
	for _, k := range ks {
		ls = append(ls, k.level)
	}
	return ls
}

// BenchmarkKernels times one block of 16 rows of 64 (the linear model's
// step on its benchmark data) at every level the CPU runs.
func BenchmarkKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	a, w, s := randSlice(rng, 16*64), randSlice(rng, 64), randSlice(rng, 16)
	out, g := make([]float64, 16), make([]float64, 64)
	for _, ks := range supported() {
		b.Run(string(ks.level), func(b *testing.B) {
			b.SetBytes(int64(len(a)) * 8)
			for b.Loop() {
				ks.dotRows(out, w, a)
				ks.addRowsT(g, s, a)
			}
		})
	}
}

// TestDotRowsRowAloneSameBits: a row's dot product is the same bits
// whichever loop computes it (eight, four or one rows at a time), so a
// row's value does not depend on how many rows a call has.
func TestDotRowsRowAloneSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, ks := range supported() {
		for _, m := range []int{1, 7, 8, 9, 16, 17, 64, 65, 128} {
			const n = 23 // two eight-row groups, one four-row group and three single rows
			a, w := randSlice(rng, n*m), randSlice(rng, m)
			all := make([]float64, n)
			ks.dotRows(all, w, a)
			for k := range n {
				one := make([]float64, 1)
				ks.dotRows(one, w, a[k*m:(k+1)*m])
				if math.Float64bits(one[0]) != math.Float64bits(all[k]) {
					t.Errorf("%s, width %d: row %d is %v in a call of %d rows, %v alone", ks.level, m, k, all[k], n, one[0])
				}
			}
		}
	}
}

// TestLinearBlockSameBitsAsItsKernels: at every level, LinearBlock gives
// the bits of the level's DotRows, the loop and AddRowsT called apart (the
// linear model's step before it had one call), with or without the
// gradient and rows ahead, and writes nothing past its sums and residuals.
func TestLinearBlockSameBitsAsItsKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, ks := range supported() {
		for _, m := range lengths {
			for _, n := range []int{0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 33} {
				for _, grad := range []bool{false, true} {
					name := fmt.Sprintf("%s/%dx%d/grad=%v", ks.level, n, m, grad)
					a := randSlice(rng, n*m+1)[:n*m]
					w, y := randSlice(rng, m+1), randSlice(rng, n)
					sums0 := randSlice(rng, m+3)
					ahead := randSlice(rng, 3+rng.IntN(200))[rng.IntN(3):]

					want, wantR := append([]float64(nil), sums0...), make([]float64, n+1)
					linearBlockWith(ks.dotRows, ks.addRowsT, want[:m+2], w, a, y, wantR, grad)
					got, gotR := append([]float64(nil), sums0...), make([]float64, n+1)
					gotR[n] = 42
					ks.linearBlock(got[:m+2], w, a, y, gotR[:n], ahead, grad)
					for i := range got {
						if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
							t.Fatalf("%s: sums[%d] = %v, its kernels apart %v", name, i, got[i], want[i])
						}
					}
					for k := range n {
						if math.Float64bits(gotR[k]) != math.Float64bits(wantR[k]) {
							t.Fatalf("%s: residual %d = %v, its kernels apart %v", name, k, gotR[k], wantR[k])
						}
					}
					if gotR[n] != 42 {
						t.Fatalf("%s: wrote past the residuals", name)
					}
				}
			}
		}
	}
}

func TestLinearBlockAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	a, w, y := randSlice(rng, 16*65), randSlice(rng, 66), randSlice(rng, 16)
	sums, r, ahead := make([]float64, 67), make([]float64, 16), randSlice(rng, 16*65)
	for _, ks := range supported() {
		if n := testing.AllocsPerRun(10, func() {
			ks.linearBlock(sums, w, a, y, r, ahead, true)
		}); n != 0 {
			t.Errorf("%s: %v allocations per call", ks.level, n)
		}
	}
}
