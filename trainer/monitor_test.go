package trainer

import (
	"context"
	"math"
	"strings"
	"testing"
)

// overfitProblem is a small, noisy sine fitted by a wide MLP: its
// validation loss falls to a minimum near iteration 70, then rises to twice
// that by iteration 1000 while the training loss keeps falling.
func overfitProblem(t testing.TB) (Problem, Settings) {
	t.Helper()
	d, err := Synthetic(SyntheticOptions{Kind: "sine", Samples: 40, Features: 1, Noise: 0.4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	train, val, err := Split(d, 0.5, 3)
	if err != nil {
		t.Fatal(err)
	}
	st := FitStandardizer(train)
	return Problem{Train: st.Apply(train), Validation: st.Apply(val)},
		settings(func(s *Settings) {
			s.Model.Kind = KindMLP
			s.Model.Hidden = []int{32}
			s.Model.Activation = "tanh"
			s.Optimizer = OptimizerAdam
			s.LearningRate = 0.03
			s.MaxIterations = 1000
			s.Seed = 1
			s.HistoryLimit = 2000
		}) // every iteration, to compare against
}

// lowestValidation is the minimum of a history's validation losses and
// the iteration where it was reached.
func lowestValidation(h []HistoryPoint) (float64, int) {
	best, at := math.Inf(1), -1
	for _, p := range h {
		if p.ValidationLoss < best {
			best, at = p.ValidationLoss, p.Iteration
		}
	}
	return best, at
}

// TestMonitorValidationKeepsBestWeights: monitoring validation_loss runs
// the same descent but returns the weights of the iteration with the
// lowest validation loss, with the losses measured at those weights, and
// keeps the whole curve in the history.
func TestMonitorValidationKeepsBestWeights(t *testing.T) {
	p, s := overfitProblem(t)
	last := mustTrain(t, context.Background(), p, s)
	lowest, at := lowestValidation(last.History)
	if !(last.ValidationLoss > 1.5*lowest) || at < 20 || at > 200 {
		t.Fatalf("the problem does not overfit: final validation loss %v, lowest %v at %d", last.ValidationLoss, lowest, at)
	}

	s.Monitor = MonitorValidation
	best := mustTrain(t, context.Background(), p, s)
	if best.ValidationLoss != lowest || best.BestIteration != at {
		t.Errorf("kept validation loss %v at iteration %d, want the lowest, %v at %d", best.ValidationLoss, best.BestIteration, lowest, at)
	}
	if best.Iterations != last.Iterations || best.StopReason != StopMaxIterations {
		t.Errorf("ran %d iterations (%s), want %d: without patience the descent is the same", best.Iterations, best.StopReason, last.Iterations)
	}
	model, err := NewModel(s.Model, p.Train)
	if err != nil {
		t.Fatal(err)
	}
	if v := model.LossGrad(best.Weights, p.Validation, nil, nil); v != best.ValidationLoss {
		t.Errorf("the weights returned have validation loss %v, the result says %v", v, best.ValidationLoss)
	}
	if l := model.LossGrad(best.Weights, p.Train, nil, nil); l != best.TrainLoss || !(l > last.TrainLoss) {
		t.Errorf("train loss %v at the kept weights (result says %v); the last weights have %v, which must be lower", l, best.TrainLoss, last.TrainLoss)
	}
	if len(best.History) != len(last.History) || best.History[len(best.History)-1] != last.History[len(last.History)-1] {
		t.Errorf("the history must be the whole descent, up to its last iteration")
	}
	if last.BestIteration != last.Iterations {
		t.Errorf("monitoring training_loss: BestIteration %d, want the last, %d", last.BestIteration, last.Iterations)
	}
}

// TestMonitorValidationPatience: patience counts iterations without a
// better validation loss, so an overfitting run stops patience iterations
// after its best one, where watching the training loss never stops it.
func TestMonitorValidationPatience(t *testing.T) {
	p, s := overfitProblem(t)
	s.Patience = 50
	train := mustTrain(t, context.Background(), p, s)
	if train.StopReason != StopMaxIterations {
		t.Fatalf("watching the falling training loss stopped on %s at %d", train.StopReason, train.Iterations)
	}
	s.Monitor = MonitorValidation
	res := mustTrain(t, context.Background(), p, s)
	if res.StopReason != StopPatience || res.Iterations != res.BestIteration+50 {
		t.Errorf("stopped on %s at %d with the best at %d, want patience at best + 50", res.StopReason, res.Iterations, res.BestIteration)
	}
}

// TestMonitorValidationReports: a run reports what it would return if it
// stopped there, the lowest validation loss so far, over every iteration
// and across restarts; the last report is the result's.
func TestMonitorValidationReports(t *testing.T) {
	p, s := overfitProblem(t)
	s.Monitor, s.MaxIterations = MonitorValidation, 300
	one := mustTrain(t, context.Background(), p, s)

	var steps []int
	var values []float64
	s.Restarts, s.ReportEvery = 3, 25
	s.Report = func(it int, v float64) bool {
		steps, values = append(steps, it), append(values, v)
		return true
	}
	res := mustTrain(t, context.Background(), p, s)
	if len(steps) != 3*300/25 {
		t.Fatalf("reported at %v", steps)
	}
	for i, v := range values {
		if i > 0 && v > values[i-1] {
			t.Errorf("report %d at %d: %v after %v, want the lowest so far", i, steps[i], v, values[i-1])
		}
	}
	// The first restart draws the same weights as a run of one restart: its
	// reports are the lowest validation loss of that run's history so far.
	for i, step := range steps[:300/25] {
		want := math.Inf(1)
		for _, h := range one.History {
			if h.Iteration <= step {
				want = min(want, h.ValidationLoss)
			}
		}
		if values[i] != want {
			t.Errorf("report at %d = %v, want %v", step, values[i], want)
		}
	}
	if last := values[len(values)-1]; last != res.ValidationLoss || res.ValidationLoss > one.ValidationLoss {
		t.Errorf("last report %v, result %v (one restart: %v): restarts must be ranked by validation loss", last, res.ValidationLoss, one.ValidationLoss)
	}
}

func TestMonitorErrors(t *testing.T) {
	p, mlp := overfitProblem(t)
	for _, tc := range []struct {
		name string
		p    Problem
		s    Settings
		want string
	}{
		{"unknown", p, settings(func(s *Settings) { s.Monitor = "val_loss" }), `monitor must be one of training_loss, validation_loss, got "val_loss"`},
		{"no validation split", Problem{Train: p.Train}, settings(func(s *Settings) {
			s.Model = mlp.Model
			s.Monitor = MonitorValidation
		}), "needs a validation split"},
		{"landscape", Problem{}, settings(func(s *Settings) {
			s.Model = function(FunctionRosenbrock, 2)
			s.Monitor = MonitorValidation
		}), "needs a validation split"},
	} {
		_, err := Train(context.Background(), tc.p, tc.s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
