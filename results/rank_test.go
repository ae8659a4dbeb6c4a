package results

import (
	"math"
	"slices"
	"testing"
)

// rt is a trial reduced to what ranking looks at.
func rt(n int, st Status, v float64) Trial {
	return Trial{Number: n, Status: st, Value: Measured(v)}
}

func numbers(trials []Trial) []int {
	out := make([]int, len(trials))
	for i, t := range trials {
		out[i] = t.Number
	}
	return out
}

func TestRank(t *testing.T) {
	mixed := []Trial{
		rt(0, StatusFailed, nan),
		rt(1, StatusOK, 0.5),
		rt(2, StatusRunning, nan),
		rt(3, StatusDiverged, math.Inf(1)),
		rt(4, StatusOK, 0.1),
		rt(5, StatusPruned, 0.01),
		rt(6, StatusWaiting, nan),
		rt(7, StatusOK, 0.9),
	}
	tests := []struct {
		name   string
		trials []Trial
		goal   Goal
		want   []int
	}{
		{"empty", nil, "minimize", []int{}},
		{"minimize ascending", []Trial{rt(0, StatusOK, 3), rt(1, StatusOK, 1), rt(2, StatusOK, 2)}, "minimize", []int{1, 2, 0}},
		{"maximize descending", []Trial{rt(0, StatusOK, 3), rt(1, StatusOK, 1), rt(2, StatusOK, 2)}, "maximize", []int{0, 2, 1}},
		{"goal case-insensitive", []Trial{rt(0, StatusOK, 1), rt(1, StatusOK, 2)}, "Maximize", []int{1, 0}},
		{"unknown goal minimizes", []Trial{rt(0, StatusOK, 2), rt(1, StatusOK, 1)}, "", []int{1, 0}},
		{"ties by number", []Trial{rt(5, StatusOK, 1), rt(2, StatusOK, 1), rt(9, StatusOK, 0)}, "minimize", []int{9, 2, 5}},
		{"NaN last when minimizing", []Trial{rt(0, StatusOK, nan), rt(1, StatusOK, 5), rt(2, StatusOK, -1)}, "minimize", []int{2, 1, 0}},
		{"NaN last when maximizing", []Trial{rt(0, StatusOK, nan), rt(1, StatusOK, 5), rt(2, StatusOK, -1)}, "maximize", []int{1, 2, 0}},
		{"infinities are ordered", []Trial{rt(0, StatusOK, math.Inf(1)), rt(1, StatusOK, 0), rt(2, StatusOK, math.Inf(-1))}, "minimize", []int{2, 1, 0}},
		{"statuses minimize", mixed, "minimize", []int{4, 1, 7, 5, 3, 0, 2, 6}},
		{"statuses maximize", mixed, "maximize", []int{7, 1, 4, 5, 3, 0, 2, 6}},
		{"non-ok values ignored", []Trial{rt(0, StatusPruned, 9), rt(1, StatusPruned, 1), rt(2, StatusDiverged, 0)}, "minimize", []int{0, 1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.trials)
			got := numbers(Rank(tc.trials, tc.goal))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Rank(%s) = %v, want %v", tc.goal, got, tc.want)
			}
			if !slices.Equal(numbers(in), numbers(tc.trials)) {
				t.Errorf("Rank modified its input")
			}
		})
	}
}

func TestBest(t *testing.T) {
	tests := []struct {
		name   string
		trials []Trial
		goal   Goal
		want   int
		ok     bool
	}{
		{"none", nil, "minimize", 0, false},
		{"only failures", []Trial{rt(0, StatusFailed, nan), rt(1, StatusDiverged, nan), rt(2, StatusPruned, 0.1)}, "minimize", 0, false},
		{"minimize", []Trial{rt(0, StatusOK, 2), rt(1, StatusOK, 1), rt(2, StatusPruned, 0)}, "minimize", 1, true},
		{"maximize", []Trial{rt(0, StatusOK, 2), rt(1, StatusOK, 1)}, "maximize", 0, true},
		{"tie goes to lowest number", []Trial{rt(4, StatusOK, 1), rt(2, StatusOK, 1), rt(3, StatusOK, 1)}, "minimize", 2, true},
		{"NaN and Inf skipped", []Trial{rt(0, StatusOK, nan), rt(1, StatusOK, math.Inf(-1)), rt(2, StatusOK, 7)}, "minimize", 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Best(tc.trials, tc.goal)
			if ok != tc.ok || (ok && got.Number != tc.want) {
				t.Errorf("Best = trial %d, %v; want trial %d, %v", got.Number, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   float64
	}{
		{"empty is NaN", nil, nan},
		{"only NaN is NaN", []float64{nan, nan}, nan},
		{"one", []float64{3}, 3},
		{"odd unsorted", []float64{5, 1, 3}, 3},
		{"even is the mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"NaN ignored", []float64{nan, 1, 9, nan, 5}, 5},
		{"huge values do not overflow", []float64{math.MaxFloat64, math.MaxFloat64}, math.MaxFloat64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.values)
			got := Median(tc.values)
			if got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want)) {
				t.Errorf("Median(%v) = %v, want %v", tc.values, got, tc.want)
			}
			if !slices.EqualFunc(in, tc.values, func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }) {
				t.Errorf("Median modified its input: %v", tc.values)
			}
		})
	}
}
