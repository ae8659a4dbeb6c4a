package trainer

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// regressionProblem is a standardised linear synthetic problem with a
// validation split.
func regressionProblem(t testing.TB, n, m int, noise float64, seed uint64) Problem {
	t.Helper()
	d, err := Synthetic(SyntheticOptions{Kind: "linear", Samples: n, Features: m, Noise: noise, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	train, val, err := Split(d, 0.2, seed)
	if err != nil {
		t.Fatal(err)
	}
	st := FitStandardizer(train)
	return Problem{Train: st.Apply(train), Validation: st.Apply(val)}
}

// leastSquares solves min ‖[X 1]w − y‖² by QR, in the linear model's weight
// layout (coefficients, then the bias).
func leastSquares(t testing.TB, d *Dataset) []float64 {
	t.Helper()
	a := mat.NewDense(d.N, d.M+1, nil)
	for i := 0; i < d.N; i++ {
		for j, v := range d.Row(i) {
			a.Set(i, j, v)
		}
		a.Set(i, d.M, 1)
	}
	var w mat.Dense
	if err := w.Solve(a, mat.NewDense(d.N, 1, slices.Clone(d.Y))); err != nil {
		t.Fatal(err)
	}
	return mat.Col(nil, 0, &w)
}

func mustTrain(t testing.TB, ctx context.Context, p Problem, s Settings) Result {
	t.Helper()
	res, err := Train(ctx, p, s)
	if err != nil {
		t.Fatalf("Train: %v", err)
	}
	return res
}

func function(name string, dim int) ModelSpec {
	return ModelSpec{Kind: KindFunction, Function: name, Dimension: dim}
}

// TestLinearGDReachesLeastSquares is the first correctness anchor: gd with
// a fixed step on well-conditioned standardised data converges to the
// closed-form least-squares solution.
func TestLinearGDReachesLeastSquares(t *testing.T) {
	p := regressionProblem(t, 2000, 5, 0.1, 7)
	want := leastSquares(t, p.Train)
	res := mustTrain(t, context.Background(), p, settings(func(s *Settings) {
		s.LearningRate = 0.2
		s.MaxIterations = 10000
		s.GradientThreshold = 1e-10
		s.Seed = 1
	}))
	if res.StopReason != StopGradientThreshold {
		t.Fatalf("stop reason %s after %d iterations, want gradient_threshold", res.StopReason, res.Iterations)
	}
	diff := make([]float64, len(want))
	floats.SubTo(diff, res.Weights, want)
	if rel := floats.Norm(diff, 2) / floats.Norm(want, 2); rel > 1e-6 {
		t.Errorf("‖w − w*‖/‖w*‖ = %g, want ≤ 1e-6\n got %v\nwant %v", rel, res.Weights, want)
	}
	last := res.History[len(res.History)-1]
	if last.Iteration != res.Iterations || last.GradNorm >= 1e-10 {
		t.Errorf("last history point %+v, want iteration %d with gradient norm < 1e-10", last, res.Iterations)
	}
	if math.IsNaN(last.ValidationLoss) || res.ValidationLoss != last.ValidationLoss {
		t.Errorf("validation loss %v, last history point's %v", res.ValidationLoss, last.ValidationLoss)
	}
	if !math.IsNaN(res.Accuracy) {
		t.Errorf("accuracy %v for a regression model, want NaN", res.Accuracy)
	}
}

// TestEveryOptimizerFitsLinear: each optimiser's update rule, full batch
// or stochastic, gets close to the least-squares loss.
func TestEveryOptimizerFitsLinear(t *testing.T) {
	p := regressionProblem(t, 2000, 4, 0.5, 3)
	model, err := NewModel(ModelSpec{Kind: KindLinear, Loss: LossMSE}, p.Train)
	if err != nil {
		t.Fatal(err)
	}
	best := model.LossGrad(leastSquares(t, p.Train), p.Train, nil, nil)
	tests := []struct {
		optimizer string
		lr        float64
		batch     int
		iters     int
	}{
		{OptimizerGD, 0.2, 0, 300},
		{OptimizerSGD, 0.002, 0, 20000},
		{OptimizerMinibatch, 0.02, 32, 5000},
		{OptimizerMomentum, 0.05, 0, 300},
		{OptimizerMomentum, 0.005, 64, 5000},
		{OptimizerNesterov, 0.05, 0, 300},
		{OptimizerNesterov, 0.005, 64, 5000},
		{OptimizerAdam, 0.05, 0, 1000},
		{OptimizerAdam, 0.01, 32, 5000},
	}
	for _, tc := range tests {
		t.Run(tc.optimizer, func(t *testing.T) {
			res := mustTrain(t, context.Background(), p, settings(func(s *Settings) {
				s.Optimizer = tc.optimizer
				s.LearningRate = tc.lr
				s.BatchSize = tc.batch
				s.MaxIterations = tc.iters
				s.Seed = 5
			}))
			if res.TrainLoss > 1.02*best {
				t.Errorf("train loss %v after %d iterations (%s), least squares %v", res.TrainLoss, res.Iterations, res.StopReason, best)
			}
		})
	}
}

// TestOptimizerUpdateRules checks one or two steps of each rule by hand on
// the 1-D double well, f′(w) = 4w³ − 6w + 1.
func TestOptimizerUpdateRules(t *testing.T) {
	slope := func(w float64) float64 { _, s := doubleWell(w); return s }
	const w0, lr, mu = 2.0, 0.01, 0.5
	g0 := slope(w0)
	mom1 := w0 - lr*g0 // v1 = −δg0
	momV1 := -lr * g0
	tests := []struct {
		optimizer string
		steps     int
		want      float64
	}{
		{OptimizerGD, 1, w0 - lr*g0},
		{OptimizerGD, 2, (w0 - lr*g0) - lr*slope(w0-lr*g0)},
		{OptimizerMomentum, 2, mom1 + (mu*momV1 - lr*slope(mom1))},
		// Look-ahead form: v1 = −δg0, w1 = w0 + μv1 − δg0.
		{OptimizerNesterov, 1, w0 + mu*(-lr*g0) - lr*g0},
		// Adam's first bias-corrected step is δ·g/(|g|+ε): almost exactly δ.
		{OptimizerAdam, 1, w0 - lr*g0/(math.Abs(g0)+1e-8)},
	}
	for _, tc := range tests {
		t.Run(tc.optimizer, func(t *testing.T) {
			model, _ := newLandscape(function(FunctionDoubleWell, 1))
			s := settings(func(s *Settings) {
				s.Optimizer = tc.optimizer
				s.LearningRate = lr
				s.Momentum = mu
			})
			o := newOptimizer(s, model, nil, []float64{w0}, nil)
			for range tc.steps {
				o.step()
			}
			if math.Abs(o.w[0]-tc.want) > 1e-14 {
				t.Errorf("after %d steps w = %.17g, want %.17g", tc.steps, o.w[0], tc.want)
			}
		})
	}
}

// TestLogisticSeparates: on well-separated blobs logistic regression
// classifies every validation row correctly.
func TestLogisticSeparates(t *testing.T) {
	d, err := Synthetic(SyntheticOptions{Kind: "blobs", Samples: 400, Classes: 2, Noise: 0.5, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	train, val, err := Split(d, 0.25, 11)
	if err != nil {
		t.Fatal(err)
	}
	st := FitStandardizer(train)
	p := Problem{Train: st.Apply(train), Validation: st.Apply(val)}
	res := mustTrain(t, context.Background(), p, settings(func(s *Settings) {
		s.Model.Kind = KindLogistic
		s.Model.Loss = LossCrossEntropy
		s.LearningRate = 0.5
		s.MaxIterations = 500
		s.Seed = 2
	}))
	if res.Accuracy != 1 {
		t.Errorf("validation accuracy %v, want 1 (train loss %v)", res.Accuracy, res.TrainLoss)
	}
	model, _ := NewModel(ModelSpec{Kind: KindLogistic, Loss: LossCrossEntropy}, p.Train)
	if acc := model.(Classifier).Accuracy(res.Weights, p.Train); acc != 1 {
		t.Errorf("training accuracy %v, want 1", acc)
	}
}

// TestPlateau: with the same step and budget, plain gd is still on the
// plateau while momentum and adam have crossed it into the well.
func TestPlateau(t *testing.T) {
	base := settings(func(s *Settings) {
		s.Model = function(FunctionPlateau, 2)
		s.LearningRate = 0.1
		s.MaxIterations = 2000
		s.InitMean = 8
		s.Seed = 1
	})
	tests := []struct {
		optimizer string
		stalls    bool
	}{
		{OptimizerGD, true},
		{OptimizerMomentum, false},
		{OptimizerNesterov, false},
		{OptimizerAdam, false},
	}
	for _, tc := range tests {
		t.Run(tc.optimizer, func(t *testing.T) {
			s := base
			s.Optimizer = tc.optimizer
			res := mustTrain(t, context.Background(), Problem{}, s)
			t.Logf("%s: loss %.4g at %.4g after %d iterations", tc.optimizer, res.TrainLoss, res.Weights, res.Iterations)
			if tc.stalls && res.TrainLoss < 1.9 {
				t.Errorf("loss %v: gd should still be on the plateau (loss ≈ 2 for two coordinates)", res.TrainLoss)
			}
			if !tc.stalls && res.TrainLoss > 1e-3 {
				t.Errorf("loss %v at %v: %s should have crossed the plateau", res.TrainLoss, res.Weights, tc.optimizer)
			}
		})
	}
}

// TestDoubleWellRestarts: a start right of the peak ends in the local
// minimum; eight wide starts find the global one.
func TestDoubleWellRestarts(t *testing.T) {
	base := settings(func(s *Settings) {
		s.Model = function(FunctionDoubleWell, 1)
		s.LearningRate = 0.01
		s.MaxIterations = 5000
		s.GradientThreshold = 1e-9
		s.Seed = 3
	})

	single := base
	single.InitMean, single.InitStd = 2, 0.1
	res := mustTrain(t, context.Background(), Problem{}, single)
	if math.Abs(res.Weights[0]-DoubleWellLocalArg) > 1e-6 {
		t.Errorf("single start ended at %v, want the local minimum %v", res.Weights[0], DoubleWellLocalArg)
	}

	multi := single
	multi.InitStd, multi.Restarts = 2, 8
	res = mustTrain(t, context.Background(), Problem{}, multi)
	if math.Abs(res.Weights[0]-DoubleWellGlobalArg) > 1e-6 {
		t.Errorf("8 restarts ended at %v, want the global minimum %v", res.Weights[0], DoubleWellGlobalArg)
	}
	if want := LandscapeMinimum(FunctionDoubleWell, 1); math.Abs(res.TrainLoss-want) > 1e-12 {
		t.Errorf("train loss %v, want %v", res.TrainLoss, want)
	}
	if res.TotalIterations <= res.Iterations || res.Restart < 0 || res.Restart >= 8 {
		t.Errorf("restart %d, iterations %d of %d total: want the sum over 8 restarts", res.Restart, res.Iterations, res.TotalIterations)
	}
}

// TestRestartsKeepTheBest: the same seed gives restart 0 the same start
// whatever the number of restarts (they are consecutive draws of one
// generator), so the best of four is never worse than the single start.
func TestRestartsKeepTheBest(t *testing.T) {
	s := settings(func(s *Settings) {
		s.Model = function(FunctionRastrigin, 3)
		s.InitStd = 2
		s.LearningRate = 1e-3
		s.MaxIterations = 200
		s.Seed = 9
	})
	one := mustTrain(t, context.Background(), Problem{}, s)
	s.Restarts = 4
	many := mustTrain(t, context.Background(), Problem{}, s)
	if many.TrainLoss > one.TrainLoss {
		t.Errorf("best of 4 restarts has loss %v, worse than restart 0's %v", many.TrainLoss, one.TrainLoss)
	}
	if many.Restart == 0 && !slices.Equal(many.Weights, one.Weights) {
		t.Errorf("restart 0 kept but its weights %v differ from the single start's %v", many.Weights, one.Weights)
	}
	if many.TotalIterations != 4*200 || many.Passes != 4*200 {
		t.Errorf("%d total iterations and %v passes, want 800 each", many.TotalIterations, many.Passes)
	}
}

// TestMinibatchNeedsFewerPasses: on 10⁵ rows, minibatch reaches the target
// loss within a fraction of one pass; gd needs at least one pass per step,
// whatever its learning rate.
func TestMinibatchNeedsFewerPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("10⁵-row data set")
	}
	p := regressionProblem(t, 125000, 8, 1, 21) // 100 000 training rows
	model, _ := NewModel(ModelSpec{Kind: KindLinear, Loss: LossMSE}, p.Train)
	target := 1.01 * model.LossGrad(leastSquares(t, p.Train), p.Train, nil, nil)

	mb := mustTrain(t, context.Background(), p, settings(func(s *Settings) {
		s.Optimizer = OptimizerMinibatch
		s.LearningRate = 0.02
		s.BatchSize = 32
		s.MaxIterations = 1000
		s.Seed = 1
	}))
	if mb.TrainLoss > target {
		t.Fatalf("minibatch: loss %v after %.2f passes, target %v", mb.TrainLoss, mb.Passes, target)
	}
	if want := 1000.0 * 32 / float64(p.Train.N); math.Abs(mb.Passes-want) > 1e-12 {
		t.Errorf("minibatch passes %v, want steps × batch / N = %v", mb.Passes, want)
	}

	gdPasses := math.Inf(1)
	for _, lr := range []float64{0.05, 0.1, 0.2, 0.4} {
		res := mustTrain(t, context.Background(), p, settings(func(s *Settings) {
			s.LearningRate = lr
			s.MaxIterations = 30
			s.Seed = 1
		}))
		for _, h := range res.History { // gd records every iteration of a short run
			if h.TrainLoss <= target {
				gdPasses = min(gdPasses, float64(h.Iteration))
				break
			}
		}
		if res.Passes != float64(res.Iterations) {
			t.Errorf("gd passes %v, want one per step (%d)", res.Passes, res.Iterations)
		}
	}
	t.Logf("passes to loss ≤ %.4f: minibatch %.2f, best gd %v", target, mb.Passes, gdPasses)
	if !(mb.Passes < gdPasses) {
		t.Errorf("minibatch needed %.2f passes, gd %v: want fewer", mb.Passes, gdPasses)
	}
}

// TestDivergence: a huge learning rate is a result, not an error, for every
// optimiser, and NaN losses never panic.
func TestDivergence(t *testing.T) {
	p := regressionProblem(t, 500, 3, 0.1, 4)
	tests := []struct {
		name string
		p    Problem
		s    Settings
	}{
		{"gd linear", p, settings(func(s *Settings) { s.LearningRate = 10 })},
		{"gd overflow to NaN", p, settings(func(s *Settings) { s.LearningRate = 1e300 })},
		{"sgd", p, settings(func(s *Settings) {
			s.Optimizer = OptimizerSGD
			s.LearningRate = 50
		})},
		{"minibatch", p, settings(func(s *Settings) {
			s.Optimizer = OptimizerMinibatch
			s.LearningRate = 50
			s.BatchSize = 32
		})},
		{"momentum", p, settings(func(s *Settings) {
			s.Optimizer = OptimizerMomentum
			s.LearningRate = 10
		})},
		{"nesterov", p, settings(func(s *Settings) {
			s.Optimizer = OptimizerNesterov
			s.LearningRate = 10
		})},
		{"adam minibatch", p, settings(func(s *Settings) {
			s.Optimizer = OptimizerAdam
			s.LearningRate = 1e200
			s.BatchSize = 16
		})},
		{"rosenbrock", Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionRosenbrock, 2)
			s.LearningRate = 1
			s.InitStd = 1
		})},
		{"double well", Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionDoubleWell, 1)
			s.LearningRate = 1
			s.InitMean = 3
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.Seed = 1
			res := mustTrain(t, context.Background(), tc.p, tc.s)
			if res.StopReason != StopDiverged || res.DivergedAt <= 0 || res.Iterations != res.DivergedAt {
				t.Errorf("stop %s, diverged at %d, iterations %d: want diverged at a positive iteration",
					res.StopReason, res.DivergedAt, res.Iterations)
			}
		})
	}
}

// TestStopReasons reaches every non-divergence stop reason.
func TestStopReasons(t *testing.T) {
	p := regressionProblem(t, 1000, 3, 0.1, 8)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	var reported []int
	tests := []struct {
		name     string
		ctx      context.Context
		p        Problem
		s        Settings
		want     StopReason
		wantIter int // -1: not checked
	}{
		{"max iterations", nil, Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionRosenbrock, 2)
			s.LearningRate = 1e-4
			s.MaxIterations = 50
		}),
			StopMaxIterations, 50},
		{"max iterations minibatch", nil, p, settings(func(s *Settings) {
			s.Optimizer = OptimizerMinibatch
			s.MaxIterations = 77
			s.BatchSize = 32
		}),
			StopMaxIterations, 77},
		{"gradient threshold", nil, p, settings(func(s *Settings) {
			s.LearningRate = 0.2
			s.GradientThreshold = 1e-6
			s.MaxIterations = 1e5
		}),
			StopGradientThreshold, -1},
		{"gradient threshold adam", nil, Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionDoubleWell, 1)
			s.Optimizer = OptimizerAdam
			s.LearningRate = 0.001
			s.Momentum = 0.5
			s.GradientThreshold = 1e-3
			s.InitMean = -1.3
			s.InitStd = 0.01
			s.MaxIterations = 1e5
		}),
			StopGradientThreshold, -1},
		// No improvement can beat a min_delta of 1e9: the run stops exactly
		// patience iterations after the first.
		{"patience", nil, p, settings(func(s *Settings) {
			s.Patience = 5
			s.MinDelta = 1e9
		}), StopPatience, 5},
		{"patience converged", nil, Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionDoubleWell, 1)
			s.LearningRate = 0.01
			s.Patience = 20
			s.MaxIterations = 1e6
		}),
			StopPatience, -1},
		// Stochastic: one observation per epoch (800 training rows / 32 =
		// 25 steps), so patience 10 stops at the first epoch without improvement.
		{"patience minibatch", nil, p, settings(func(s *Settings) {
			s.Optimizer = OptimizerMinibatch
			s.Patience = 10
			s.MinDelta = 1e9
			s.BatchSize = 32
		}), StopPatience, 25},
		{"time limit", nil, Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionRastrigin, 2)
			s.LearningRate = 1e-6
			s.MaxIterations = 1e9
			s.TimeLimit = 20 * time.Millisecond
		}),
			StopTimeLimit, -1},
		{"time limit gd data", nil, p, settings(func(s *Settings) {
			s.LearningRate = 1e-6
			s.MaxIterations = 1e9
			s.TimeLimit = 20 * time.Millisecond
		}),
			StopTimeLimit, -1},
		{"cancelled before", cancelled, p, settings(nil), StopCancelled, 0},
		{"pruned", nil, Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionPlateau, 2)
			s.ReportEvery = 10
			s.Report = func(it int, loss float64) bool {
				reported = append(reported, it)
				return it < 30
			}
		}), StopPruned, 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			tc.s.Seed = 2
			res := mustTrain(t, ctx, tc.p, tc.s)
			if res.StopReason != tc.want {
				t.Fatalf("stop reason %s after %d iterations, want %s", res.StopReason, res.Iterations, tc.want)
			}
			if tc.wantIter >= 0 && res.Iterations != tc.wantIter {
				t.Errorf("stopped after %d iterations, want %d", res.Iterations, tc.wantIter)
			}
			if tc.want == StopTimeLimit && (res.Duration < 20*time.Millisecond || res.Duration > 2*time.Second) {
				t.Errorf("duration %v for a 20ms limit", res.Duration)
			}
		})
	}
	if !slices.Equal(reported, []int{10, 20, 30}) {
		t.Errorf("Report called at %v, want [10 20 30]", reported)
	}
}

// TestCancelledWhileRunning: cancelling a running Train stops it promptly,
// for a full-batch and a stochastic optimiser, and skips further restarts.
func TestCancelledWhileRunning(t *testing.T) {
	p := regressionProblem(t, 1000, 3, 0.1, 8)
	for _, opt := range []string{OptimizerGD, OptimizerSGD} {
		t.Run(opt, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			res := mustTrain(t, ctx, p, settings(func(s *Settings) {
				s.Optimizer = opt
				s.LearningRate = 1e-7
				s.MaxIterations = 1e9
				s.Restarts = 3
				s.Seed = 1
			}))
			if res.StopReason != StopCancelled || res.Duration > 2*time.Second {
				t.Errorf("stop %s after %v, want cancelled soon after 20ms", res.StopReason, res.Duration)
			}
			if res.TotalIterations != res.Iterations || res.Restart != 0 {
				t.Errorf("restart %d, %d of %d iterations: want no restart after the cancel", res.Restart, res.Iterations, res.TotalIterations)
			}
		})
	}
}

// TestReportSeesValidationLoss: Report gets the validation loss at the
// reported iteration, with one increasing count across restarts.
func TestReportSeesValidationLoss(t *testing.T) {
	p := regressionProblem(t, 500, 2, 0.1, 6)
	var iters []int
	var losses []float64
	res := mustTrain(t, context.Background(), p, settings(func(s *Settings) {
		s.LearningRate = 0.1
		s.MaxIterations = 20
		s.Restarts = 2
		s.ReportEvery = 20
		s.Seed = 4
		s.Report = func(it int, loss float64) bool {
			iters, losses = append(iters, it), append(losses, loss)
			return true
		}
	}))
	// Restart 0 reports its last iteration, 20; restart 1's steps continue
	// the count from there.
	if !slices.Equal(iters, []int{20, 40}) || res.TotalIterations != 40 {
		t.Fatalf("reported at %v over %d iterations, want [20 40] over 40", iters, res.TotalIterations)
	}
	// Each report is a restart's last iteration, so the kept restart's is
	// the result's validation loss.
	if got := losses[res.Restart]; got != res.ValidationLoss {
		t.Errorf("restart %d reported validation loss %v, its result has %v", res.Restart, got, res.ValidationLoss)
	}
	for _, l := range losses {
		if !(l > 0) {
			t.Errorf("reported validation loss %v", l)
		}
	}
}

// TestSeeds: the same seed gives identical results, with shuffling and
// restarts; a different seed gives different ones.
func TestSeeds(t *testing.T) {
	p := regressionProblem(t, 1000, 4, 0.3, 5)
	s := settings(func(s *Settings) {
		s.Optimizer = OptimizerMinibatch
		s.BatchSize = 16
		s.MaxIterations = 300
		s.Restarts = 3
		s.Seed = 42
	})
	a := mustTrain(t, context.Background(), p, s)
	b := mustTrain(t, context.Background(), p, s)
	if !slices.Equal(a.Weights, b.Weights) || a.TrainLoss != b.TrainLoss || a.Restart != b.Restart {
		t.Errorf("same seed, different results: %v vs %v", a.Weights, b.Weights)
	}
	s.Seed = 43
	c := mustTrain(t, context.Background(), p, s)
	if slices.Equal(a.Weights, c.Weights) {
		t.Errorf("seeds 42 and 43 gave the same weights %v", a.Weights)
	}
}

// TestHistoryBounded: a 10⁵-iteration run keeps at most HistoryLimit evenly
// thinned points, from iteration 0 to the last.
func TestHistoryBounded(t *testing.T) {
	tests := []struct {
		limit, iters, want int // want: history limit in effect
	}{
		{1000, 100000, 1000},
		{7, 1000, 7},
		{2, 50, 2},
		{1, 50, 1},
		{1000, 10, 11},
	}
	for _, tc := range tests {
		res := mustTrain(t, context.Background(), Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionRastrigin, 2)
			s.LearningRate = 1e-5
			s.MaxIterations = tc.iters
			s.HistoryLimit = tc.limit
			s.Seed = 1
		}))
		h := res.History
		if len(h) > tc.want || len(h) < min(tc.want, 1) {
			t.Errorf("limit %d, %d iterations: %d points, want at most %d", tc.limit, tc.iters, len(h), tc.want)
			continue
		}
		if tc.want > 2 && len(h) < tc.want/2 {
			t.Errorf("limit %d: only %d points kept", tc.limit, len(h))
		}
		if h[len(h)-1].Iteration != tc.iters {
			t.Errorf("limit %d: last point at iteration %d, want %d", tc.limit, h[len(h)-1].Iteration, tc.iters)
		}
		if tc.want > 1 && h[0].Iteration != 0 {
			t.Errorf("limit %d: first point at iteration %d, want 0", tc.limit, h[0].Iteration)
		}
		for i := 1; i < len(h); i++ {
			if h[i].Iteration <= h[i-1].Iteration {
				t.Fatalf("limit %d: iterations not increasing at %d: %d, %d", tc.limit, i, h[i-1].Iteration, h[i].Iteration)
			}
		}
		if last := h[len(h)-1]; last.TrainLoss != res.TrainLoss || !math.IsNaN(last.ValidationLoss) {
			t.Errorf("last point %+v, want the final train loss %v and NaN validation loss", last, res.TrainLoss)
		}
	}
}

func TestSettingsErrors(t *testing.T) {
	p := regressionProblem(t, 100, 2, 0.1, 1)
	tests := []struct {
		name string
		p    Problem
		s    Settings
		want []string
	}{
		{"unknown optimizer", p, settings(func(s *Settings) { s.Optimizer = "lbfgs" }), []string{`optimizer must be one of gd, sgd, minibatch, momentum, nesterov, adam, got "lbfgs"`}},
		{"negative learning rate", p, settings(func(s *Settings) { s.LearningRate = -1 }), []string{"learning_rate must be a finite number > 0, got -1"}},
		{"NaN learning rate", p, settings(func(s *Settings) { s.LearningRate = math.NaN() }), []string{"learning_rate must be a finite number > 0, got NaN"}},
		{"momentum 1", p, settings(func(s *Settings) { s.Momentum = 1 }), []string{"momentum must be in [0, 1), got 1"}},
		{"several at once", p, settings(func(s *Settings) {
			s.BatchSize = -1
			s.MaxIterations = -2
			s.InitStd = -1
			s.TimeLimit = -time.Second
		}),
			[]string{"batch_size must be >= 0, got -1", "max_iterations must be >= 1, got -2", "init_std must be a finite number >= 0, got -1", "time_limit must be >= 0s (0s is off), got -1s"}},
		// No zero-value defaults: a 0 that cannot be used is refused by
		// its key, never run as some other value.
		{"zero learning rate", p, settings(func(s *Settings) { s.LearningRate = 0 }), []string{"learning_rate must be a finite number > 0, got 0"}},
		{"zero max iterations", p, settings(func(s *Settings) { s.MaxIterations = 0 }), []string{"max_iterations must be >= 1, got 0"}},
		{"zero restarts", p, settings(func(s *Settings) { s.Restarts = 0 }), []string{"restarts must be >= 1, got 0"}},
		{"zero history limit", p, settings(func(s *Settings) { s.HistoryLimit = 0 }), []string{"history_limit must be >= 1, got 0"}},
		{"zero epsilon for adam", p, settings(func(s *Settings) { s.Optimizer, s.Epsilon = OptimizerAdam, 0 }), []string{"epsilon must be a finite number > 0, got 0"}},
		{"zero batch for minibatch", p, settings(func(s *Settings) { s.Optimizer, s.BatchSize = OptimizerMinibatch, 0 }), []string{"batch_size must be >= 1 for minibatch, got 0"}},
		{"no optimizer", p, settings(func(s *Settings) { s.Optimizer = "" }), []string{`optimizer must be one of gd, sgd, minibatch, momentum, nesterov, adam, got ""`}},
		{"no monitor", p, settings(func(s *Settings) { s.Monitor = "" }), []string{`monitor must be one of training_loss, validation_loss, got ""`}},
		{"zero settings", p, Settings{}, []string{"optimizer must", "learning_rate must", "max_iterations must", "monitor must",
			"restarts must", "history_limit must", "kind must"}},
		{"report without func", p, settings(func(s *Settings) { s.ReportEvery = 5 }), []string{"needs a Report function"}},
		{"unknown model", p, settings(func(s *Settings) { s.Model.Kind = "tree" }), []string{`kind must be one of linear, polynomial, logistic, softmax, mlp, function, got "tree"`}},
		{"unknown function", Problem{}, settings(func(s *Settings) {
			s.Model.Kind = KindFunction
			s.Model.Function = "x"
		}), []string{`function must be one of rosenbrock, rastrigin, double_well, plateau, got "x"`}},
		{"no training data", Problem{}, settings(nil), []string{"data set is required"}},
		{"empty training data", Problem{Train: &Dataset{M: 2, X: []float64{}, Y: []float64{}}}, settings(nil), []string{"no rows"}},
		{"validation mismatch", Problem{Train: p.Train, Validation: &Dataset{N: 1, M: 3, X: make([]float64, 3), Y: []float64{1}}},
			settings(nil), []string{"validation split has 3 features"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Train(context.Background(), tc.p, tc.s)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestStepAllocatesNothing: every optimiser's step, including the epoch
// reshuffle, allocates nothing.
func TestStepAllocatesNothing(t *testing.T) {
	p := regressionProblem(t, 200, 4, 0.1, 2)
	tests := []struct {
		name string
		s    Settings
		data *Dataset
	}{
		{"gd", settings(func(s *Settings) { s.Optimizer = OptimizerGD }), p.Train},
		{"sgd", settings(func(s *Settings) { s.Optimizer = OptimizerSGD }), p.Train},
		{"minibatch", settings(func(s *Settings) {
			s.Optimizer = OptimizerMinibatch
			s.BatchSize = 16
		}), p.Train},
		{"momentum", settings(func(s *Settings) { s.Optimizer = OptimizerMomentum }), p.Train},
		{"momentum batched", settings(func(s *Settings) {
			s.Optimizer = OptimizerMomentum
			s.BatchSize = 8
		}), p.Train},
		{"nesterov", settings(func(s *Settings) {
			s.Optimizer = OptimizerNesterov
			s.BatchSize = 8
		}), p.Train},
		{"adam", settings(func(s *Settings) { s.Optimizer = OptimizerAdam }), p.Train},
		{"adam batched", settings(func(s *Settings) {
			s.Optimizer = OptimizerAdam
			s.BatchSize = 8
		}), p.Train},
		{"adam landscape", settings(func(s *Settings) {
			s.Optimizer = OptimizerAdam
			s.Model = function(FunctionRosenbrock, 3)
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model, err := NewModel(tc.s.Model, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			o := newOptimizer(tc.s, model, tc.data, make([]float64, model.NumWeights()), rand.New(rand.NewPCG(1, 1)))
			if allocs := testing.AllocsPerRun(500, func() { o.step() }); allocs != 0 {
				t.Errorf("%v allocations per step, want 0", allocs)
			}
		})
	}
}

// TestTrainLoopAllocationsBounded: the whole loop (monitoring, history,
// clock) allocates nothing per iteration: ten times the iterations cost no
// more than the history's few amortised growths.
func TestTrainLoopAllocationsBounded(t *testing.T) {
	p := regressionProblem(t, 200, 3, 0.1, 2)
	allocs := func(iters int, s Settings, p Problem) float64 {
		s.MaxIterations, s.Seed, s.TimeLimit = iters, 1, time.Hour
		return testing.AllocsPerRun(3, func() { _, _ = Train(context.Background(), p, s) })
	}
	for _, tc := range []struct {
		name string
		s    Settings
		p    Problem
	}{
		{"gd data", settings(func(s *Settings) { s.LearningRate = 1e-4 }), p},
		{"minibatch data", settings(func(s *Settings) {
			s.Optimizer = OptimizerMinibatch
			s.LearningRate = 1e-4
			s.BatchSize = 32
		}), p},
		{"gd data, monitoring validation", settings(func(s *Settings) {
			s.LearningRate = 1e-4
			s.Monitor = MonitorValidation
		}), p},
		{"minibatch data, monitoring validation", settings(func(s *Settings) {
			s.Optimizer = OptimizerMinibatch
			s.LearningRate = 1e-4
			s.Monitor = MonitorValidation
			s.BatchSize = 32
		}), p},
		{"landscape", settings(func(s *Settings) {
			s.Model = function(FunctionRastrigin, 2)
			s.LearningRate = 1e-6
		}), Problem{}},
	} {
		short, long := allocs(1000, tc.s, tc.p), allocs(10000, tc.s, tc.p)
		if long-short > 8 {
			t.Errorf("%s: %v allocations for 1000 iterations, %v for 10000", tc.name, short, long)
		}
	}
}

// TestConcurrentTrainsShareData: eight concurrent runs over one ~100 MB
// data set allocate far less than one copy of it.
func TestConcurrentTrainsShareData(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100 MB data set")
	}
	d, err := Synthetic(SyntheticOptions{Kind: "linear", Samples: 25000, Features: 500, Noise: 0.1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	size := uint64(len(d.X)+len(d.Y)) * 8
	p := Problem{Train: d}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	var wg sync.WaitGroup
	errs := make([]error, 8)
	results := make([]Result, 8)
	for i := range 8 {
		wg.Go(func() {
			opt := []string{OptimizerGD, OptimizerMinibatch}[i%2]
			results[i], errs[i] = Train(context.Background(), p, settings(func(s *Settings) {
				s.Optimizer = opt
				s.BatchSize = 32
				s.LearningRate = 1e-3
				s.MaxIterations = 3
				s.Seed = uint64(i)
			}))
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	grown := after.TotalAlloc - before.TotalAlloc
	t.Logf("data %d MB; 8 runs allocated %d kB in total", size>>20, grown>>10)
	if grown > 10<<20 || grown > size/10 {
		t.Errorf("8 runs allocated %d bytes over a %d-byte data set: it is being copied", grown, size)
	}
	if heap := int64(after.HeapAlloc) - int64(before.HeapAlloc); heap > 10<<20 {
		t.Errorf("live heap grew by %d bytes", heap)
	}
	for i, r := range results {
		if r.Iterations != 3 {
			t.Errorf("run %d: %d iterations, want 3", i, r.Iterations)
		}
	}
}
