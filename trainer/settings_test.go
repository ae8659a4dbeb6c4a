package trainer

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
