package trainer

import (
	"context"
	"slices"
	"testing"
)

// settings are the explicit settings these tests start from, changed by
// edit (nil for none): gd at a learning rate of 0.01 on a linear model with
// the mse loss, 1000 iterations, initial weights from N(0, 0.1²), one
// start, momentum 0.9 and adam's usual β2 and ε. Train has no defaults, so
// a test says everything it runs with, here or in edit.
func settings(edit func(s *Settings)) Settings {
	s := Settings{
		Model:        ModelSpec{Kind: KindLinear, Loss: LossMSE},
		Optimizer:    OptimizerGD,
		LearningRate: 0.01,
		Momentum:     0.9,
		Beta2:        0.999,
		Epsilon:      1e-8,
		// BatchSize 0: the full batch for momentum, nesterov and adam.
		MaxIterations: 1000,
		Monitor:       MonitorTraining,
		InitStd:       0.1,
		Restarts:      1,
		HistoryLimit:  1000,
	}
	if edit != nil {
		edit(&s)
	}
	return s
}

// TestZeroIsAValue: a 0 where 0 is meaningful is run as 0, never as a
// default. Momentum 0 makes momentum and nesterov plain gd to the bit;
// init_std 0 starts every weight at the mean.
func TestZeroIsAValue(t *testing.T) {
	p := regressionProblem(t, 300, 3, 0.1, 5)
	run := func(edit func(s *Settings)) Result {
		return mustTrain(t, context.Background(), p, settings(func(s *Settings) {
			s.LearningRate, s.MaxIterations, s.Seed = 0.1, 50, 3
			edit(s)
		}))
	}
	gd := run(func(s *Settings) {})
	for _, opt := range []string{OptimizerMomentum, OptimizerNesterov} {
		res := run(func(s *Settings) { s.Optimizer, s.Momentum = opt, 0 })
		if !slices.Equal(res.Weights, gd.Weights) || res.TrainLoss != gd.TrainLoss {
			t.Errorf("%s with momentum 0: weights %v, plain gd %v", opt, res.Weights, gd.Weights)
		}
		if heavy := run(func(s *Settings) { s.Optimizer, s.Momentum = opt, 0.9 }); slices.Equal(heavy.Weights, gd.Weights) {
			t.Errorf("%s with momentum 0.9 ran plain gd", opt)
		}
	}
	// Adam with β1 = 0 keeps no first moment: another run than β1 = 0.9.
	a0 := run(func(s *Settings) { s.Optimizer, s.Momentum = OptimizerAdam, 0 })
	a9 := run(func(s *Settings) { s.Optimizer, s.Momentum = OptimizerAdam, 0.9 })
	if slices.Equal(a0.Weights, a9.Weights) {
		t.Errorf("adam with beta1 0 and 0.9 gave the same weights %v", a0.Weights)
	}

	start := mustTrain(t, context.Background(), Problem{}, settings(func(s *Settings) {
		s.Model = function(FunctionRastrigin, 4)
		s.InitMean, s.InitStd, s.MaxIterations, s.Seed = 0.3, 0, 1, 7
	}))
	want, _ := rastrigin(0.3)
	if got := start.History[0].TrainLoss; got != 4*want {
		t.Errorf("init_std 0: initial loss %v, want 4·f(0.3) = %v", got, 4*want)
	}
}
