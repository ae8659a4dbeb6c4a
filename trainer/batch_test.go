package trainer

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
)

// batchCases are the models that batch, on sets of several chunks (but
// polynomial, one in row order) with a width no vector divides.
var batchCases = []modelCase{
	{"linear/mse", ModelSpec{Kind: KindLinear, Loss: LossMSE}, regressionData(2*chunkRows+37, 17)},
	{"linear/rss", ModelSpec{Kind: KindLinear, Loss: LossRSS}, regressionData(chunkRows+5, 9)},
	{"polynomial", ModelSpec{Kind: KindPolynomial, Degree: 3, Loss: LossMSE}, regressionData(1500, 5)},
	{"logistic", ModelSpec{Kind: KindLogistic, Loss: LossCrossEntropy}, classData(2*chunkRows+37, 17, 2)},
	{"softmax", ModelSpec{Kind: KindSoftmax, Loss: LossCrossEntropy}, classData(chunkRows+5, 9, 4)},
}

// batchSweep is a powers-of-ten sweep with every full-batch optimiser and
// every stopping rule: some trials converge, some stop on patience or the
// gradient threshold, the largest rates diverge, and half monitor the
// validation split.
func batchSweep(spec ModelSpec) []Settings {
	var out []Settings
	opts := []string{OptimizerGD, OptimizerMomentum, OptimizerNesterov, OptimizerAdam}
	for i, lr := range []float64{1e-3, 1e-2, 1e-1, 1, 10, 100} {
		out = append(out, settings(func(s *Settings) {
			s.Model = spec
			s.Optimizer = opts[i%len(opts)]
			s.LearningRate = lr
			s.MaxIterations = 40 + 7*i
			s.Seed = uint64(100 + i)
			s.Restarts = 1 + i%2
			s.HistoryLimit = 20
			if i%2 == 1 {
				s.Monitor = MonitorValidation
				s.Patience = 5
			}
			if i == 2 {
				s.GradientThreshold = 1e-3
			}
		}))
	}
	return out
}

// runBatched trains every settings in one Batch, each on its own
// goroutine, and returns the results by index.
func runBatched(t *testing.T, p Problem, all []Settings) []Result {
	t.Helper()
	b := NewBatch()
	out := make([]Result, len(all))
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = b.Train(context.Background(), p, s)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
	}
	return out
}

// sameResult says how two results differ in anything but their duration;
// floats are compared as bits.
func sameResult(a, b Result) error {
	a.Duration, b.Duration = 0, 0
	fa, fb := fmt.Sprintf("%#v", a), fmt.Sprintf("%#v", b)
	if fa == fb {
		return nil
	}
	if !reflect.DeepEqual(bitsOf(a), bitsOf(b)) {
		return fmt.Errorf("batched %+v\nalone   %+v", a, b)
	}
	return nil
}

// bitsOf is every float of a result as bits, and the rest as they are.
func bitsOf(r Result) []any {
	out := []any{r.Iterations, r.BestIteration, r.TotalIterations, r.StopReason, r.DivergedAt, r.Restart,
		math.Float64bits(r.TrainLoss), math.Float64bits(r.ValidationLoss), math.Float64bits(r.Accuracy), math.Float64bits(r.Passes)}
	for _, w := range r.Weights {
		out = append(out, math.Float64bits(w))
	}
	for _, h := range r.History {
		out = append(out, h.Iteration, math.Float64bits(h.TrainLoss), math.Float64bits(h.GradNorm), math.Float64bits(h.ValidationLoss))
	}
	return out
}

// TestBatchedTrialsSameBitsAsAlone: every trial of a sweep trained in one
// Batch gives exactly the result it gives alone (weights, losses,
// accuracy, stop, history: every bit), whether the passes run on one core
// or lend chunks to helpers.
func TestBatchedTrialsSameBitsAsAlone(t *testing.T) {
	for _, tc := range batchCases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.data(rand.New(rand.NewPCG(31, 32)))
			train, val, err := Split(d, 0.25, 7)
			if err != nil {
				t.Fatal(err)
			}
			p := Problem{Train: train, Validation: val}
			all := batchSweep(tc.spec)
			alone := make([]Result, len(all))
			stops := map[StopReason]bool{}
			for i, s := range all {
				alone[i] = mustTrain(t, context.Background(), p, s)
				stops[alone[i].StopReason] = true
			}
			// Cross-entropy grows only linearly in the weights: the
			// classifiers do not diverge.
			if len(stops) < 2 || (d.NumClasses() == 0 && !stops[StopDiverged]) {
				t.Fatalf("the sweep should stop in several ways, and a regression diverge: stops %v", stops)
			}
			for _, helpers := range []int{0, 1, 2} {
				withHelpers(t, helpers, func() {
					for i, got := range runBatched(t, p, all) {
						if err := sameResult(got, alone[i]); err != nil {
							t.Errorf("%d helpers, trial %d (lr %g, %s): %v", helpers, i, all[i].LearningRate, all[i].Optimizer, err)
						}
					}
				})
			}
		})
	}
}

// TestBatchedTrialsWaitingInReport: trials that wait in Report for each
// other (synchronous early stopping parks a trial until the others reach
// its rung) go on in their batch, and a trial pruned there leaves it; the
// others give their values alone.
func TestBatchedTrialsWaitingInReport(t *testing.T) {
	d := regressionData(chunkRows+100, 8)(rand.New(rand.NewPCG(33, 34)))
	p := Problem{Train: d}
	const trials = 4
	all := make([]Settings, trials)
	for i := range all {
		all[i] = settings(func(s *Settings) {
			s.LearningRate = 0.003 * float64(i+1)
			s.MaxIterations = 60
			s.Seed = uint64(i)
			s.ReportEvery = 10
		})
	}
	// A barrier per rung: each trial waits in Report until every trial
	// still running has reported the rung; trial 3 is pruned at 20.
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		reached = map[int]int{}
		running = trials
	)
	report := func(i int) func(int, float64) bool {
		return func(it int, _ float64) bool {
			mu.Lock()
			defer mu.Unlock()
			reached[it]++
			cond.Broadcast()
			for reached[it] < running {
				cond.Wait()
			}
			if i == 3 && it == 20 {
				running--
				cond.Broadcast()
				return false
			}
			return true
		}
	}
	for i := range all {
		all[i].Report = report(i)
	}
	got := runBatched(t, p, all)
	for i, s := range all {
		s.Report = func(it int, _ float64) bool { return !(i == 3 && it == 20) }
		want := mustTrain(t, context.Background(), p, s)
		if err := sameResult(got[i], want); err != nil {
			t.Errorf("trial %d: %v", i, err)
		}
	}
	if got[3].StopReason != StopPruned || got[0].StopReason == StopPruned {
		t.Errorf("stops %s and %s, want pruned for trial 3 only", got[3].StopReason, got[0].StopReason)
	}
}

// TestBatchTrainsUnbatchableAlone: a trial whose optimiser is stochastic
// or whose model cannot batch runs alone through Batch.Train, with the
// bits of Train.
func TestBatchTrainsUnbatchableAlone(t *testing.T) {
	d := regressionData(300, 4)(rand.New(rand.NewPCG(35, 36)))
	mb := settings(func(s *Settings) { s.Optimizer = OptimizerMinibatch; s.BatchSize = 32; s.MaxIterations = 50 })
	adamSmall := settings(func(s *Settings) { s.Optimizer = OptimizerAdam; s.BatchSize = 64; s.MaxIterations = 50 })
	mlp := settings(func(s *Settings) {
		s.Model = ModelSpec{Kind: KindMLP, Hidden: []int{3}, Activation: "tanh", Loss: LossMSE}
		s.MaxIterations = 20
	})
	gd := settings(func(s *Settings) { s.MaxIterations = 50 })
	for _, s := range []Settings{mb, adamSmall, mlp} {
		if why := Batchable(s, d); why == "" {
			t.Errorf("%s/%s batch %d: batchable, want a reason it is not", s.Model.Kind, s.Optimizer, s.BatchSize)
		}
	}
	if why := Batchable(gd, d); why != "" {
		t.Errorf("gd linear: %s", why)
	}
	all := []Settings{mb, adamSmall, mlp, gd}
	got := runBatched(t, Problem{Train: d}, all)
	for i, s := range all {
		if err := sameResult(got[i], mustTrain(t, context.Background(), Problem{Train: d}, s)); err != nil {
			t.Errorf("trial %d: %v", i, err)
		}
	}
}

// TestBatchedStepAllocatesNothing: a step computed in a pass with another
// trial, helpers lent, allocates nothing once the data sets were seen.
func TestBatchedStepAllocatesNothing(t *testing.T) {
	withHelpers(t, 1, func() {
		for _, tc := range batchCases {
			d := tc.data(rand.New(rand.NewPCG(37, 38)))
			b := NewBatch()
			var ms [2]*batchMember
			var ws [2][]float64
			for i := range ms {
				m, err := NewModel(tc.spec, d)
				if err != nil {
					t.Fatal(err)
				}
				ms[i] = b.join(m)
				ws[i] = gaussWeights(rand.New(rand.NewPCG(39, uint64(i))), m.NumWeights(), 0.3)
			}
			var stop atomic.Bool
			done := make(chan struct{})
			go func() {
				defer close(done)
				g := make([]float64, len(ws[1]))
				for !stop.Load() {
					ms[1].step(ws[1], d, g)
				}
				ms[1].leave()
			}()
			g := make([]float64, len(ws[0]))
			n := testing.AllocsPerRun(20, func() { ms[0].step(ws[0], d, g) })
			stop.Store(true)
			ms[0].leave()
			<-done
			if n != 0 {
				t.Errorf("%s: %v allocations per batched step", tc.name, n)
			}
		}
	})
}

// countingStep counts the blocks a batch computes for a model.
type countingStep struct {
	*linearModel
	blocks atomic.Int64
}

func (c *countingStep) block(ch, s, e int, ahead []float64) {
	c.blocks.Add(1)
	c.linearModel.block(ch, s, e, ahead)
}

// TestBatchPassComputesEachStepOnce: a pass computes every waiting
// trial's step once, block by block, however many trials wait.
func TestBatchPassComputesEachStepOnce(t *testing.T) {
	d := regressionData(2*chunkRows+100, 5)(rand.New(rand.NewPCG(41, 42)))
	blocks := int64(2*chunkRows/blockRows + (100+blockRows-1)/blockRows)
	b := NewBatch()
	const trials = 4
	var wg sync.WaitGroup
	models := make([]*countingStep, trials)
	for i := range models {
		models[i] = &countingStep{linearModel: newLinear(d.M, d.N, true)}
		m := b.join(models[i])
		w := gaussWeights(rand.New(rand.NewPCG(43, uint64(i))), d.M+1, 0.3)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer m.leave()
			m.step(w, d, make([]float64, d.M+1))
		}()
	}
	wg.Wait()
	for i, m := range models {
		if n := m.blocks.Load(); n != blocks {
			t.Errorf("trial %d: %d blocks computed, want %d (one step)", i, n, blocks)
		}
	}
}

// panickyStep panics in its first block.
type panickyStep struct{ *linearModel }

func (p *panickyStep) block(c, s, e int, _ []float64) { panic("boom") }

// TestBatchPassPanicFailsItsTrials: a panic while a pass computes is
// raised again in every trial of the pass, each on its own goroutine (the
// runner turns each into a failed trial), and nobody waits for ever.
func TestBatchPassPanicFailsItsTrials(t *testing.T) {
	d := regressionData(300, 4)(rand.New(rand.NewPCG(45, 46)))
	b := NewBatch()
	const trials = 3
	got := make([]any, trials)
	members := make([]*batchMember, trials)
	for i := range members {
		var model blockStep = newLinear(d.M, d.N, true)
		if i == 1 {
			model = &panickyStep{newLinear(d.M, d.N, true)}
		}
		members[i] = b.join(model) // all of them before any steps: one pass
	}
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer m.leave()
			defer func() { got[i] = recover() }()
			m.step(make([]float64, d.M+1), d, make([]float64, d.M+1))
		}()
	}
	wg.Wait()
	for i, p := range got {
		if p != "boom" {
			t.Errorf("trial %d: recovered %v, want the pass's panic", i, p)
		}
	}
}
