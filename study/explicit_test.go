package study

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/trainer"
)

// The configs the explicit-value tests train on: a 1-D double well
// (its loss at w is known exactly and gd converges on it), and small data
// sets for the keys that only data models use. No gradient threshold, so
// a run stops only by the rule a case is about.
const (
	wellConfig = `
model: {kind: function, function: double_well}
trainer: {optimizer: gd, learning_rate: 0.01, max_iterations: 300, gradient_threshold: 0, init: {mean: 2, std: 0}}
`
	linearConfig = `
data: {synthetic: {kind: linear, samples: 200, features: 3}}
trainer: {optimizer: minibatch, learning_rate: 0.05, max_iterations: 40, gradient_threshold: 0}
`
	polynomialConfig = `
data: {synthetic: {kind: polynomial, samples: 200, degree: 3}}
model: {kind: polynomial}
trainer: {learning_rate: 0.05, max_iterations: 40, gradient_threshold: 0}
`
	mlpConfig = `
data: {synthetic: {kind: sine, samples: 100}}
model: {kind: mlp, hidden: [6]}
trainer: {optimizer: adam, learning_rate: 0.01, max_iterations: 40, gradient_threshold: 0, init: {std: 0.5}}
`
)

// explicitObjective loads a config from text, with --set overrides.
func explicitObjective(t *testing.T, text string, sets ...string) *Objective {
	t.Helper()
	cfg, err := configs.Parse(strings.NewReader(text), "explicit.yaml", t.TempDir(), sets)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewObjective(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// evaluate runs one trial with the given parameters and seed; it fails the
// test when the trial did not run.
func evaluate(t *testing.T, o *Objective, seed uint64, params ...results.Param) results.Trial {
	t.Helper()
	tr, err := o.Evaluate(context.Background(), search.Task{Seed: seed, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status == results.StatusFailed {
		t.Fatalf("params %v: trial failed: %s", params, tr.Error)
	}
	return tr
}

// sameRun reports whether two trials ran exactly the same descent: every
// recorded loss and gradient norm equal to the bit, the same value and stop.
func sameRun(a, b results.Trial) bool {
	if len(a.History) != len(b.History) || a.Iterations != b.Iterations || a.StopReason != b.StopReason ||
		math.Float64bits(a.Value.Float()) != math.Float64bits(b.Value.Float()) {
		return false
	}
	for i := range a.History {
		p, q := a.History[i], b.History[i]
		if p.Iteration != q.Iteration || math.Float64bits(p.TrainLoss) != math.Float64bits(q.TrainLoss) ||
			math.Float64bits(p.GradNorm) != math.Float64bits(q.GradNorm) {
			return false
		}
	}
	return true
}

// wellLoss is the double well's loss at w, as the trainer computes it.
func wellLoss(t *testing.T, w float64) float64 {
	t.Helper()
	m, err := trainer.NewModel(trainer.ModelSpec{Kind: trainer.KindFunction, Function: trainer.FunctionDoubleWell, Dimension: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m.LossGrad([]float64{w}, nil, nil, nil)
}

// explicitCase is how one searchable key proves that the value a trial
// records is the value the optimiser used.
type explicitCase struct {
	config string
	sets   []string // further --set overrides of the config
	a, b   any      // two valid values; they must give different runs
	// field reads back from the trainer settings what the key set, in the
	// form of the parameter's value.
	field func(s trainer.Settings) any
	// check, when set, asserts what each value must do (runs a, b).
	check func(t *testing.T, a, b results.Trial)
}

func explicitCases() map[string]explicitCase {
	return map[string]explicitCase{
		"learning_rate": {config: wellConfig, a: 0.01, b: 0.02,
			field: func(s trainer.Settings) any { return s.LearningRate },
			check: func(t *testing.T, a, b results.Trial) {
				// From w = 2 (std 0), one gd step: w − δ·f′(w), f′(w) = 4w³ − 6w + 1.
				for _, c := range []struct {
					tr results.Trial
					lr float64
				}{{a, 0.01}, {b, 0.02}} {
					w1 := 2 - c.lr*(4*8-6*2+1)
					if got := c.tr.History[1].TrainLoss; got != wellLoss(t, w1) {
						t.Errorf("learning_rate %v: loss after one step %v, want f(%v) = %v", c.lr, got, w1, wellLoss(t, w1))
					}
				}
			}},
		"init_std": {config: wellConfig, a: 0.0, b: 0.5,
			field: func(s trainer.Settings) any { return s.InitStd },
			check: func(t *testing.T, a, b results.Trial) {
				// std 0: the start is the mean itself, whatever the seed.
				if got, want := a.History[0].TrainLoss, wellLoss(t, 2); got != want {
					t.Errorf("init_std 0: initial loss %v, want f(init_mean) = %v", got, want)
				}
				if b.History[0].TrainLoss == wellLoss(t, 2) {
					t.Errorf("init_std 0.5 started exactly at the mean")
				}
			}},
		"init_mean": {config: wellConfig, a: 0.0, b: -1.5,
			field: func(s trainer.Settings) any { return s.InitMean },
			check: func(t *testing.T, a, b results.Trial) {
				if got, want := a.History[0].TrainLoss, wellLoss(t, 0); got != want {
					t.Errorf("init_mean 0: initial loss %v, want f(0) = %v", got, want)
				}
				if got, want := b.History[0].TrainLoss, wellLoss(t, -1.5); got != want {
					t.Errorf("init_mean -1.5: initial loss %v, want f(-1.5) = %v", got, want)
				}
			}},
		"momentum": {config: wellConfig, sets: []string{"trainer.optimizer=momentum"}, a: 0.0, b: 0.9,
			field: func(s trainer.Settings) any { return s.Momentum },
			check: func(t *testing.T, a, b results.Trial) {
				// Momentum 0 is plain gd's step, to the bit.
				gd := evaluate(t, explicitObjective(t, wellConfig), 1)
				if !sameRun(a, gd) {
					t.Errorf("momentum 0 did not run plain gd's descent: value %v, gd %v", a.Value.Float(), gd.Value.Float())
				}
			}},
		"gradient_threshold": {config: wellConfig, sets: []string{"trainer.max_iterations=100000"}, a: 1e-2, b: 1e-6,
			field: func(s trainer.Settings) any { return s.GradientThreshold },
			check: func(t *testing.T, a, b results.Trial) {
				for _, c := range []struct {
					tr        results.Trial
					threshold float64
				}{{a, 1e-2}, {b, 1e-6}} {
					last := c.tr.History[len(c.tr.History)-1]
					if c.tr.StopReason != "gradient_threshold" || !(last.GradNorm < c.threshold) {
						t.Errorf("gradient_threshold %v: stopped by %s with gradient norm %v", c.threshold, c.tr.StopReason, last.GradNorm)
					}
				}
			}},
		"min_delta": {config: wellConfig, sets: []string{"trainer.patience=5"}, a: 0.0, b: 1e9,
			field: func(s trainer.Settings) any { return s.MinDelta },
			check: func(t *testing.T, a, b results.Trial) {
				// No improvement beats 1e9: patience fires 5 iterations in.
				// Any improvement counts with 0, and gd improves for a while.
				if b.StopReason != "patience" || b.Iterations != 5 || !(a.Iterations > 5) {
					t.Errorf("min_delta 0 stopped by %s at %d, 1e9 by %s at %d; want patience at 5 for 1e9 only",
						a.StopReason, a.Iterations, b.StopReason, b.Iterations)
				}
			}},
		"batch_size": {config: linearConfig, a: int64(8), b: int64(16),
			field: func(s trainer.Settings) any { return int64(s.BatchSize) }},
		"max_iterations": {config: wellConfig, a: int64(7), b: int64(13),
			field: func(s trainer.Settings) any { return int64(s.MaxIterations) },
			check: func(t *testing.T, a, b results.Trial) {
				if a.Iterations != 7 || b.Iterations != 13 || a.StopReason != "max_iterations" {
					t.Errorf("ran %d and %d iterations (%s), want 7 and 13", a.Iterations, b.Iterations, a.StopReason)
				}
			}},
		"patience": {config: wellConfig, sets: []string{"trainer.min_delta=1e9"}, a: int64(3), b: int64(8),
			field: func(s trainer.Settings) any { return int64(s.Patience) },
			check: func(t *testing.T, a, b results.Trial) {
				if a.Iterations != 3 || b.Iterations != 8 || a.StopReason != "patience" || b.StopReason != "patience" {
					t.Errorf("stopped by %s at %d and %s at %d, want patience at 3 and 8", a.StopReason, a.Iterations, b.StopReason, b.Iterations)
				}
			}},
		// restarts: see TestExplicitRestarts, which needs a seed whose first
		// start falls into the local minimum.
		"restarts": {config: wellConfig, sets: []string{"trainer.init.mean=0.17", "trainer.init.std=1", "trainer.max_iterations=2000"},
			a: int64(1), b: int64(8),
			field: func(s trainer.Settings) any { return int64(s.Restarts) }},
		"hidden": {config: mlpConfig, a: int64(4), b: int64(8),
			field: func(s trainer.Settings) any {
				if len(s.Model.Hidden) != 1 {
					return s.Model.Hidden
				}
				return int64(s.Model.Hidden[0])
			}},
		"degree": {config: polynomialConfig, a: int64(2), b: int64(3),
			field: func(s trainer.Settings) any { return int64(s.Model.Degree) }},
		"optimizer": {config: wellConfig, a: "gd", b: "adam",
			field: func(s trainer.Settings) any { return s.Optimizer }},
		"activation": {config: mlpConfig, a: "tanh", b: "relu",
			field: func(s trainer.Settings) any { return s.Model.Activation }},
		// A budget far beyond 1ms of work (with no other stopping rule) is cut
		// by the 1ms limit and run to its end under the 1h one.
		"time_limit": {config: wellConfig, sets: []string{"trainer.max_iterations=3000000"}, a: "1ms", b: "1h0m0s",
			field: func(s trainer.Settings) any { return s.TimeLimit.String() },
			check: func(t *testing.T, a, b results.Trial) {
				if a.StopReason != "time_limit" || b.StopReason != "max_iterations" || b.Iterations != 3000000 {
					t.Errorf("1ms stopped by %s, 1h by %s at %d; want time_limit, max_iterations at 3000000", a.StopReason, b.StopReason, b.Iterations)
				}
			}},
	}
}

// TestEverySearchableKeyIsUsedAsRecorded goes through every searchable
// hyperparameter: the value a trial records is the value in the trainer's
// settings, and two different values give different runs (with exact
// checks where the effect of the value is known: momentum 0 is plain gd,
// init_std 0 starts at the mean, …). A hyperparameter added to the
// trainer's registry without a case here fails.
func TestEverySearchableKeyIsUsedAsRecorded(t *testing.T) {
	cases := explicitCases()
	keys := trainer.HyperparamNames()
	for name := range cases {
		if !slices.Contains(keys, name) {
			t.Errorf("case %s is not a hyperparameter of the registry (registry: %v)", name, keys)
		}
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			c, ok := cases[key]
			if !ok {
				t.Fatalf("no case proves that %s is used as recorded: add one", key)
			}
			if key == "time_limit" && testing.Short() {
				t.Skip("runs 3·10⁶ iterations")
			}
			o := explicitObjective(t, c.config, c.sets...)
			var runs [2]results.Trial
			for i, v := range []any{c.a, c.b} {
				p := results.Param{Name: key, Value: v}
				s, err := o.Settings(results.Params{p}, 1)
				if err != nil {
					t.Fatal(err)
				}
				if got := c.field(s); fmt.Sprint(got) != fmt.Sprint(v) {
					t.Errorf("%s=%v reached the trainer as %v", key, v, got)
				}
				runs[i] = evaluate(t, o, 1, p)
			}
			if sameRun(runs[0], runs[1]) {
				t.Errorf("%s=%v and %s=%v ran the same descent (value %v)", key, c.a, key, c.b, runs[0].Value.Float())
			}
			if c.check != nil {
				c.check(t, runs[0], runs[1])
			}
		})
	}
}

// TestExplicitRestarts: from starts around the double well's peak, a seed
// whose single start falls into the local minimum finds the global one
// with 8 restarts.
func TestExplicitRestarts(t *testing.T) {
	c := explicitCases()["restarts"]
	o := explicitObjective(t, c.config, c.sets...)
	global := trainer.LandscapeMinimum(trainer.FunctionDoubleWell, 1)
	for seed := uint64(1); seed <= 50; seed++ {
		one := evaluate(t, o, seed, results.Param{Name: "restarts", Value: int64(1)})
		if one.Value.Float() < global+1 {
			continue // this seed's first start is already in the global well
		}
		many := evaluate(t, o, seed, results.Param{Name: "restarts", Value: int64(8)})
		if math.Abs(many.Value.Float()-global) > 1e-6 {
			t.Errorf("seed %d: 8 restarts ended at %v, want the global minimum %v", seed, many.Value.Float(), global)
		}
		return
	}
	t.Fatal("no seed in 1..50 started in the local minimum")
}

// TestMomentumZeroFromConfig: momentum 0, given in the file or by --set
// (by its key or its parameter name), runs plain gd's descent exactly,
// and momentum 0.9 another one. It used to run as 0.9.
func TestMomentumZeroFromConfig(t *testing.T) {
	gd := evaluate(t, explicitObjective(t, wellConfig), 1)
	inFile := strings.Replace(wellConfig, "{optimizer: gd,", "{optimizer: momentum, momentum: 0,", 1)
	for _, c := range []struct {
		name string
		text string
		sets []string
	}{
		{"in the file", inFile, nil},
		{"--set trainer.momentum=0", wellConfig, []string{"trainer.optimizer=momentum", "trainer.momentum=0"}},
		{"--set momentum=0", wellConfig, []string{"trainer.optimizer=momentum", "momentum=0"}},
	} {
		o := explicitObjective(t, c.text, c.sets...)
		if o.cfg.Trainer.Optimizer != "momentum" || o.cfg.Trainer.Momentum != 0 {
			t.Fatalf("%s: config has optimizer %s, momentum %v", c.name, o.cfg.Trainer.Optimizer, o.cfg.Trainer.Momentum)
		}
		if tr := evaluate(t, o, 1); !sameRun(tr, gd) {
			t.Errorf("momentum 0 %s: value %v after %d iterations, plain gd %v: not gd's descent", c.name, tr.Value.Float(), tr.Iterations, gd.Value.Float())
		}
	}
	heavy := evaluate(t, explicitObjective(t, wellConfig, "trainer.optimizer=momentum", "trainer.momentum=0.9"), 1)
	if sameRun(heavy, gd) {
		t.Errorf("momentum 0.9 ran plain gd's descent")
	}
}

// TestLearningRateZeroIsRefused: a learning rate of 0 (from a best.yaml
// given to eval --params, say) fails the trial with an error naming the
// key; it used to run as 0.01.
func TestLearningRateZeroIsRefused(t *testing.T) {
	o := explicitObjective(t, wellConfig)
	tr, err := o.Evaluate(context.Background(), search.Task{Seed: 1, Params: results.Params{{Name: "learning_rate", Value: 0.0}}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != results.StatusFailed || !strings.Contains(tr.Error, "learning_rate must be a finite number > 0, got 0") {
		t.Errorf("learning_rate 0: trial %s, error %q; want failed, naming learning_rate", tr.Status, tr.Error)
	}
}
