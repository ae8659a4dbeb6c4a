package trainer

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHyperparamSetters: each setter stores a recorded value into the
// field its key names, and into no other field.
func TestHyperparamSetters(t *testing.T) {
	cases := map[string]struct {
		v    any
		want func(s *Settings)
	}{
		"learning_rate":      {0.25, func(s *Settings) { s.LearningRate = 0.25 }},
		"init_std":           {int64(2), func(s *Settings) { s.InitStd = 2 }},
		"init_mean":          {-1.5, func(s *Settings) { s.InitMean = -1.5 }},
		"momentum":           {0.0, func(s *Settings) { s.Momentum = 0 }},
		"gradient_threshold": {1e-3, func(s *Settings) { s.GradientThreshold = 1e-3 }},
		"min_delta":          {0.5, func(s *Settings) { s.MinDelta = 0.5 }},
		"batch_size":         {int64(8), func(s *Settings) { s.BatchSize = 8 }},
		"max_iterations":     {float64(30), func(s *Settings) { s.MaxIterations = 30 }},
		"patience":           {int64(0), func(s *Settings) { s.Patience = 0 }},
		"restarts":           {int64(4), func(s *Settings) { s.Restarts = 4 }},
		"hidden":             {"32, 16", func(s *Settings) { s.Model.Hidden = []int{32, 16} }},
		"degree":             {int64(5), func(s *Settings) { s.Model.Degree = 5 }},
		"optimizer":          {"adam", func(s *Settings) { s.Optimizer = "adam" }},
		"activation":         {"relu", func(s *Settings) { s.Model.Activation = "relu" }},
		"time_limit":         {"1m30s", func(s *Settings) { s.TimeLimit = 90 * time.Second }},
	}
	// A base with every field set to a value no case uses, so that a
	// setter writing the wrong field shows.
	base := func() Settings {
		return Settings{Model: ModelSpec{Kind: "mlp", Degree: 9, Hidden: []int{9}, Activation: "sigmoid"},
			Optimizer: "gd", LearningRate: 9, Momentum: 0.9, BatchSize: 9, MaxIterations: 9, GradientThreshold: 9,
			Patience: 9, MinDelta: 9, TimeLimit: 9, InitMean: 9, InitStd: 9, Restarts: 9}
	}
	for _, h := range Hyperparams() {
		c, ok := cases[h.Name]
		if !ok {
			t.Errorf("%s: no case", h.Name)
			continue
		}
		got, want := base(), base()
		if err := h.Set(&got, c.v); err != nil {
			t.Errorf("%s=%v: %v", h.Name, c.v, err)
			continue
		}
		c.want(&want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s=%v set\n%+v\nwant\n%+v", h.Name, c.v, got, want)
		}
	}
	if len(cases) != len(Hyperparams()) {
		t.Errorf("%d cases for %d hyperparameters", len(cases), len(Hyperparams()))
	}
}

// TestHyperparamWrongType: a value of the wrong type is an error naming
// what was wanted; the settings are left as they were.
func TestHyperparamWrongType(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"learning_rate", "fast", "want a number, got string"},
		{"batch_size", 2.5, "want an integer, got 2.5"},
		{"optimizer", int64(3), "want text, got 3"},
		{"time_limit", "soon", `time: invalid duration "soon"`},
		{"hidden", "32,x", `want layer sizes like "32,16", got "32,x"`},
		{"hidden", 1.5, `want a layer size or sizes like "32,16", got 1.5`},
		{"nonsense", 1.0, "not a trainer hyperparameter (allowed: activation, batch_size, degree,"},
	} {
		var s Settings
		err := SetHyperparam(&s, c.name, c.v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%v: error %v, want %q", c.name, c.v, err, c.want)
		}
		if !reflect.DeepEqual(s, Settings{}) {
			t.Errorf("%s=%v: a refused value changed the settings: %+v", c.name, c.v, s)
		}
	}
}

// TestHyperparamRegistry: names and keys are unique, every rule and name
// list is one the trainer itself accepts, and the optimisers and models
// named exist.
func TestHyperparamRegistry(t *testing.T) {
	names, keys := map[string]bool{}, map[string]bool{}
	for _, h := range Hyperparams() {
		if names[h.Name] || keys[h.Key] {
			t.Errorf("%s (%s) appears twice", h.Name, h.Key)
		}
		names[h.Name], keys[h.Key] = true, true
		if h.Doc == "" || h.Default == "" {
			t.Errorf("%s: no doc or default", h.Name)
		}
		if (h.Type == ValueString) != (len(h.Allowed) > 0) {
			t.Errorf("%s: allowed values %v for type %d", h.Name, h.Allowed, h.Type)
		}
		for _, o := range h.Optimizers {
			if !slices.Contains(optimizerNames, o) {
				t.Errorf("%s: unknown optimizer %s", h.Name, o)
			}
		}
		for _, m := range h.Models {
			if !slices.Contains(modelKinds, m) {
				t.Errorf("%s: unknown model kind %s", h.Name, m)
			}
		}
	}
	if !slices.IsSorted(HyperparamNames()) || len(HyperparamNames()) != len(names) {
		t.Errorf("HyperparamNames %v: not the sorted names", HyperparamNames())
	}
	if h, _ := LookupHyperparam("momentum"); h.UsedBy("gd") || !h.UsedBy("adam") {
		t.Errorf("momentum: used by gd %v, adam %v; want false, true", h.UsedBy("gd"), h.UsedBy("adam"))
	}
	if h, _ := LookupHyperparam("learning_rate"); !h.UsedBy("sgd") {
		t.Errorf("learning_rate is used by every optimizer, sgd said no")
	}
}

func TestRange(t *testing.T) {
	for _, c := range []struct {
		r        Range
		text     string
		in, outs []float64
	}{
		{*positive, "> 0", []float64{1e-300, math.Inf(1)}, []float64{0, -1, math.NaN()}},
		{*nonNegative, ">= 0", []float64{0, 5}, []float64{-1e-300, math.NaN()}},
		{*oneOrMore, ">= 1", []float64{1}, []float64{0.5}},
		{*openUnit, "in [0, 1)", []float64{0, 0.999}, []float64{1, -0.1, math.NaN()}},
		{Range{Min: 1, Max: 1e7}, "1 to 10000000", []float64{1, 1e7}, []float64{0, 1e7 + 1}},
		{Range{Min: 0, Max: 1, OpenMin: true}, "in (0, 1]", []float64{1}, []float64{0}},
	} {
		if got := c.r.String(); got != c.text {
			t.Errorf("%+v: text %q, want %q", c.r, got, c.text)
		}
		for _, x := range c.in {
			if !c.r.Contains(x) {
				t.Errorf("%s does not contain %v", c.text, x)
			}
		}
		for _, x := range c.outs {
			if c.r.Contains(x) {
				t.Errorf("%s contains %v", c.text, x)
			}
		}
	}
}
