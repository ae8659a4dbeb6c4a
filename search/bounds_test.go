package search

import (
	"math"
	"testing"
)

// D7 (c73): an int range over the whole int64 is stored as float64 ends
// -2^63 and 2^63; converting 2^63 back overflowed, and every sample
// collapsed to -2^63. configs now bounds int ends to ±2^53, and the
// sampler saturates instead of overflowing whatever it is given.
func TestIntSampleFullRange(t *testing.T) {
	d := Dim{Name: "n", Dist: Int, Low: math.MinInt64, High: math.MaxInt64, parent: -1}
	r := d.InitialRange()
	var neg, pos int
	for _, u := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999} {
		v := d.At(r, u).(int64)
		if v < 0 {
			neg++
		} else {
			pos++
		}
	}
	if neg == 0 || pos == 0 {
		t.Errorf("samples over the int64 range: %d negative, %d non-negative; want both", neg, pos)
	}
	if v := d.At(r, 0.999999).(int64); v < math.MaxInt64/2 {
		t.Errorf("u near 1 gave %d, want near the top of the range", v)
	}
}

// D2 (c79): a max_resource of 2^63-1 (the derived max_iterations) listed
// rungs for ever: the int of a rung past 2^63 wraps below the maximum.
func TestRungsHugeMaxResource(t *testing.T) {
	e := EarlyStopping{Kind: Hyperband, MinResource: 1, MaxResource: math.MaxInt64, Reduction: 2}
	rungs := e.Rungs(1)
	if len(rungs) != 63 {
		t.Errorf("%d rungs, want 63 (2^0 … 2^62)", len(rungs))
	}
	for i, r := range rungs {
		if r < 1 || (i > 0 && r <= rungs[i-1]) {
			t.Fatalf("rung %d is %d after %v", i, r, rungs[:i])
		}
	}
}
