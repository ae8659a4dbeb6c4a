package trainer

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sync/semaphore"
)

// withHelpers runs f as if the process had helpers+1 free cores, and puts
// the real pool back afterwards.
func withHelpers(t *testing.T, helpers int, f func()) {
	t.Helper()
	oldCores, oldMax := cores, maxHelpers
	cores, maxHelpers = semaphore.NewWeighted(int64(helpers+1)), helpers
	defer func() { cores, maxHelpers = oldCores, oldMax }()
	f()
}

// chunkedCases have several chunks and a last partial one, with a width
// that is not a multiple of any vector width.
var chunkedCases = []modelCase{
	{"linear/mse", ModelSpec{Kind: KindLinear, Loss: LossMSE}, regressionData(3*chunkRows+37, 17)},
	{"linear/rss", ModelSpec{Kind: KindLinear, Loss: LossRSS}, regressionData(2*chunkRows+1, 64)},
	{"logistic", ModelSpec{Kind: KindLogistic, Loss: LossCrossEntropy}, classData(3*chunkRows+37, 17, 2)},
	{"softmax", ModelSpec{Kind: KindSoftmax, Loss: LossCrossEntropy}, classData(2*chunkRows+5, 9, 4)},
}

// TestFullBatchMatchesRowByRow: the chunked, vectorised full batch gives
// the loss and gradient of the row-by-row path (the same rows listed one
// by one) up to rounding.
func TestFullBatchMatchesRowByRow(t *testing.T) {
	for _, tc := range chunkedCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, 22))
			d := tc.data(rng)
			m, err := NewModel(tc.spec, d)
			if err != nil {
				t.Fatal(err)
			}
			w := gaussWeights(rng, m.NumWeights(), 0.3)
			all := make([]int, d.N)
			for i := range all {
				all[i] = i
			}
			gFull, gRows := make([]float64, len(w)), make([]float64, len(w))
			lFull := m.LossGrad(w, d, nil, gFull)
			lRows := m.LossGrad(w, d, all, gRows)
			if math.Abs(lFull-lRows) > 1e-12*math.Abs(lRows) {
				t.Errorf("loss: full batch %v, row by row %v", lFull, lRows)
			}
			scale := 0.0
			for _, g := range gRows {
				scale = max(scale, math.Abs(g))
			}
			for i := range gFull {
				if math.Abs(gFull[i]-gRows[i]) > 1e-11*scale {
					t.Errorf("gradient %d: full batch %v, row by row %v", i, gFull[i], gRows[i])
				}
			}
			if l := m.LossGrad(w, d, nil, nil); l != lFull {
				t.Errorf("loss without the gradient %v, with it %v", l, lFull)
			}
		})
	}
}

// TestFullBatchSameBitsAtAnyParallelism: a step's loss and gradient, and
// a whole run's weights, are the same bits whether the step runs on one
// core or borrows 1, 2 or 5 others: the chunks and the order their sums
// are added in do not depend on who computes them.
func TestFullBatchSameBitsAtAnyParallelism(t *testing.T) {
	for _, tc := range chunkedCases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.data(rand.New(rand.NewPCG(23, 24)))
			var want []uint64
			for _, helpers := range []int{0, 1, 2, 5} {
				var got []uint64
				withHelpers(t, helpers, func() { got = stepBits(t, tc.spec, d) })
				if want == nil {
					want = got
					continue
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("with %d helpers, value %d is %v; on one core %v", helpers, i,
							math.Float64frombits(got[i]), math.Float64frombits(want[i]))
					}
				}
			}
		})
	}
}

// stepBits is the bits of one step's loss and gradient, then of a short
// gd run's weights and loss.
func stepBits(t *testing.T, spec ModelSpec, d *Dataset) []uint64 {
	m, err := NewModel(spec, d)
	if err != nil {
		t.Fatal(err)
	}
	w := gaussWeights(rand.New(rand.NewPCG(25, 26)), m.NumWeights(), 0.3)
	g := make([]float64, len(w))
	bits := []uint64{math.Float64bits(m.LossGrad(w, d, nil, g))}
	for _, v := range g {
		bits = append(bits, math.Float64bits(v))
	}
	res := mustTrain(t, context.Background(), Problem{Train: d}, settings(func(s *Settings) {
		s.Model = spec
		s.LearningRate = 0.05
		s.MaxIterations = 15
		s.Seed = 3
	}))
	for _, v := range res.Weights {
		bits = append(bits, math.Float64bits(v))
	}
	return append(bits, math.Float64bits(res.TrainLoss))
}

// TestFullBatchWithHelpersAllocatesNothing: lending cores to a step costs
// no allocation.
func TestFullBatchWithHelpersAllocatesNothing(t *testing.T) {
	withHelpers(t, 3, func() {
		for _, tc := range chunkedCases {
			d := tc.data(rand.New(rand.NewPCG(27, 28)))
			m, err := NewModel(tc.spec, d)
			if err != nil {
				t.Fatal(err)
			}
			w := gaussWeights(rand.New(rand.NewPCG(29, 30)), m.NumWeights(), 0.3)
			g := make([]float64, len(w))
			if n := testing.AllocsPerRun(20, func() { m.LossGrad(w, d, nil, g) }); n != 0 {
				t.Errorf("%s: %v allocations per step with helpers", tc.name, n)
			}
		}
	})
}

// TestHoldCore: held cores are not lent, a release gives exactly one back
// however often it is called, and holding more cores than there are runs
// anyway.
func TestHoldCore(t *testing.T) {
	withHelpers(t, 2, func() {
		var releases []func()
		for range 4 { // one more than there are cores
			releases = append(releases, HoldCore())
		}
		if cores.TryAcquire(1) {
			t.Fatal("a core was free while every core was held")
		}
		releases[0]()
		releases[0]()
		if !cores.TryAcquire(1) {
			t.Fatal("no core free after a release")
		}
		if cores.TryAcquire(1) {
			t.Fatal("a second release of one hold gave back two cores")
		}
		cores.Release(1)
		for _, r := range releases[1:] {
			r()
		}
		if !cores.TryAcquire(3) {
			t.Fatal("not every core is free after every release")
		}
		cores.Release(3)
	})
}
