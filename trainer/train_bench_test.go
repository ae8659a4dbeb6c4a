package trainer

import (
	"context"
	"math/rand/v2"
	"testing"
)

// benchProblem is the benchmark data: N = 10 000 rows, M = 16 standardised
// features, linear targets (1.3 MB, in cache on most machines).
func benchProblem(b *testing.B) Problem {
	b.Helper()
	d, err := Synthetic(SyntheticOptions{Kind: "linear", Samples: 10000, Features: 16, Noise: 0.1, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return Problem{Train: FitStandardizer(d).Apply(d)}
}

// BenchmarkTrainLinear is one whole gd run of 100 iterations: 101 fused
// passes over the data plus the final evaluation.
func BenchmarkTrainLinear(b *testing.B) {
	p := benchProblem(b)
	s := settings(func(s *Settings) {
		s.Optimizer = OptimizerGD
		s.LearningRate = 0.1
		s.MaxIterations = 100
		s.Seed = 1
	})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Train(context.Background(), p, s); err != nil {
			b.Fatal(err)
		}
	}
}

// benchOptimizers are the optimisers as a search would configure them.
var benchOptimizers = []struct {
	name string
	s    Settings
}{
	{"gd", settings(func(s *Settings) { s.Optimizer = OptimizerGD })},
	{"sgd", settings(func(s *Settings) { s.Optimizer = OptimizerSGD })},
	{"minibatch", settings(func(s *Settings) {
		s.Optimizer = OptimizerMinibatch
		s.BatchSize = 32
	})},
	{"momentum", settings(func(s *Settings) { s.Optimizer = OptimizerMomentum })},
	{"momentum_batch32", settings(func(s *Settings) {
		s.Optimizer = OptimizerMomentum
		s.BatchSize = 32
	})},
	{"nesterov", settings(func(s *Settings) { s.Optimizer = OptimizerNesterov })},
	{"adam", settings(func(s *Settings) { s.Optimizer = OptimizerAdam })},
	{"adam_batch32", settings(func(s *Settings) {
		s.Optimizer = OptimizerAdam
		s.BatchSize = 32
	})},
}

// BenchmarkTrain is a 100-iteration run per optimiser on the same data;
// stochastic ones also pay one whole-split evaluation (per epoch) and the
// final one.
func BenchmarkTrain(b *testing.B) {
	p := benchProblem(b)
	for _, tc := range benchOptimizers {
		b.Run(tc.name, func(b *testing.B) {
			s := tc.s
			s.LearningRate, s.MaxIterations, s.Seed = 0.01, 100, 1
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Train(context.Background(), p, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStep is one optimiser step (LossGrad over the batch and the
// update) on the same data: the training loop's inner cost.
func BenchmarkStep(b *testing.B) {
	p := benchProblem(b)
	for _, tc := range benchOptimizers {
		b.Run(tc.name, func(b *testing.B) {
			model, err := NewModel(ModelSpec{Kind: KindLinear, Loss: LossMSE}, p.Train)
			if err != nil {
				b.Fatal(err)
			}
			s := tc.s
			s.LearningRate = 1e-4
			o := newOptimizer(s, model, p.Train, make([]float64, model.NumWeights()), rand.New(rand.NewPCG(1, 1)))
			b.ReportAllocs()
			for b.Loop() {
				o.step()
			}
		})
	}
}
