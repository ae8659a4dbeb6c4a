package trainer

import (
	"context"
	"errors"
	"math"
	"testing"
)

func TestLeastSquaresIsTheFloor(t *testing.T) {
	cases := []struct {
		name string
		spec ModelSpec
		data SyntheticOptions
	}{
		{"linear rss", ModelSpec{Kind: KindLinear, Loss: LossRSS}, SyntheticOptions{Kind: "linear", Samples: 1300, Features: 3, Noise: 0.3, Seed: 1}},
		{"linear mse", ModelSpec{Kind: KindLinear, Loss: LossMSE}, SyntheticOptions{Kind: "linear", Samples: 200, Features: 2, Noise: 0.5, Seed: 2}},
		{"polynomial mse", ModelSpec{Kind: KindPolynomial, Degree: 3, Loss: LossMSE}, SyntheticOptions{Kind: "polynomial", Samples: 700, Features: 2, Degree: 3, Noise: 0.2, Seed: 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Synthetic(c.data)
			if err != nil {
				t.Fatal(err)
			}
			train, val, err := Split(d, 0.25, 7)
			if err != nil {
				t.Fatal(err)
			}
			f, err := LeastSquares(context.Background(), c.spec, Problem{Train: train, Validation: val})
			if err != nil {
				t.Fatal(err)
			}
			m, err := NewModel(c.spec, train)
			if err != nil {
				t.Fatal(err)
			}
			grad := make([]float64, m.NumWeights())
			loss := m.LossGrad(f.Weights, train, nil, grad)
			// The model's own loss at the floor's weights is the floor, and its
			// gradient there vanishes: the first-order condition of a minimum.
			if math.Abs(loss-f.TrainLoss) > 1e-9*math.Max(1, loss) {
				t.Errorf("model loss %g at the floor's weights, floor %g", loss, f.TrainLoss)
			}
			norm := 0.0
			for _, g := range grad {
				norm += g * g
			}
			if math.Sqrt(norm) > 1e-6*math.Max(1, loss) {
				t.Errorf("gradient norm %g at the floor's weights, want ~0", math.Sqrt(norm))
			}
			vm, err := NewModel(c.spec, val)
			if err != nil {
				t.Fatal(err)
			}
			if v := vm.LossGrad(f.Weights, val, nil, nil); math.Abs(v-f.ValidationLoss) > 1e-9*math.Max(1, v) {
				t.Errorf("validation loss %g at the floor's weights, floor says %g", v, f.ValidationLoss)
			}
			// No weights do better: a nudge in any direction raises the loss.
			for k := range f.Weights {
				w := append([]float64(nil), f.Weights...)
				w[k] += 1e-3
				if l := m.LossGrad(w, train, nil, nil); l < f.TrainLoss {
					t.Errorf("weight %d nudged: loss %g below the floor %g", k, l, f.TrainLoss)
				}
			}
			// Gradient descent approaches it from above.
			s := Settings{Model: c.spec, Optimizer: OptimizerGD, LearningRate: 0.01, MaxIterations: 300, InitStd: 0.1, Restarts: 1, Seed: 1, HistoryLimit: 10, Monitor: MonitorTraining, Beta2: 0.999, Epsilon: 1e-8}
			if c.spec.Loss == LossRSS {
				s.LearningRate = 1e-4
			}
			res, err := Train(context.Background(), Problem{Train: train, Validation: val}, s)
			if err != nil {
				t.Fatal(err)
			}
			if res.TrainLoss < f.TrainLoss-1e-9*f.TrainLoss {
				t.Errorf("gradient descent reached %g, below the floor %g", res.TrainLoss, f.TrainLoss)
			}
		})
	}
}

// A design with a constant column and a 0/1 feature (whose powers are
// equal) is rank-deficient: the floor is still the least rss.
func TestLeastSquaresRankDeficient(t *testing.T) {
	d := &Dataset{N: 6, M: 2, X: []float64{1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1}, Y: []float64{1, 2, 1.5, 2.5, 0.5, 3}, Features: []string{"c", "b"}}
	f, err := LeastSquares(context.Background(), ModelSpec{Kind: KindPolynomial, Degree: 2, Loss: LossRSS}, Problem{Train: d})
	if err != nil {
		t.Fatal(err)
	}
	// The best fit is each group's mean: b=0 rows 1, 1.5, 0.5 (mean 1),
	// b=1 rows 2, 2.5, 3 (mean 2.5): rss 0.5 + 0.5.
	if math.Abs(f.TrainLoss-1) > 1e-9 {
		t.Errorf("rss %g, want 1", f.TrainLoss)
	}
	if !math.IsNaN(f.ValidationLoss) {
		t.Errorf("validation %g without a validation split, want NaN", f.ValidationLoss)
	}
}

func TestLeastSquaresRefuses(t *testing.T) {
	d, err := Synthetic(SyntheticOptions{Kind: "linear", Samples: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range []ModelSpec{
		{Kind: KindMLP, Hidden: []int{4}, Activation: "tanh", Loss: LossMSE},
		{Kind: KindLinear, Loss: LossCrossEntropy},
		{Kind: KindPolynomial, Degree: MaxFloorWeights, Loss: LossMSE},
	} {
		if _, err := LeastSquares(context.Background(), spec, Problem{Train: d}); !errors.Is(err, ErrNoFloor) {
			t.Errorf("%+v: err %v, want ErrNoFloor", spec, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LeastSquares(ctx, ModelSpec{Kind: KindLinear, Loss: LossMSE}, Problem{Train: d}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v", err)
	}
}
