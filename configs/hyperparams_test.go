package configs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/trainer"
)

// TestEveryHyperparamHasARow: each hyperparameter of the trainer's
// registry is a key of the field table (its default filled, its value
// readable), and its base value, read by BaseValue and set through the
// registry, is the value the config holds.
func TestEveryHyperparamHasARow(t *testing.T) {
	cfg, err := Parse(strings.NewReader("data: {synthetic: {kind: linear}}\nmodel: {kind: mlp, hidden: [32, 16]}\ntrainer: {time_limit: 90s}\n"), "h.yaml", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var s trainer.Settings
	for _, h := range trainer.Hyperparams() {
		f := fieldByPath[h.Key]
		if f == nil || f.get == nil {
			t.Errorf("%s: no readable row for %s in the field table", h.Name, h.Key)
			continue
		}
		if searchable[h.Name] != h.Key {
			t.Errorf("%s: searchable key %q, registry %q", h.Name, searchable[h.Name], h.Key)
		}
		v, ok := cfg.BaseValue(h.Name)
		if !ok {
			t.Errorf("%s: no base value", h.Name)
			continue
		}
		if err := h.Set(&s, v); err != nil {
			t.Errorf("%s: base value %v refused: %v", h.Name, v, err)
		}
	}
	want := trainer.Settings{Model: trainer.ModelSpec{Hidden: []int{32, 16}, Activation: "tanh", Degree: 3},
		Optimizer: "gd", LearningRate: 0.01, Momentum: 0.9, BatchSize: 32, MaxIterations: 1000, GradientThreshold: 1e-6,
		Patience: 0, MinDelta: 0, TimeLimit: cfg.Trainer.TimeLimit, InitMean: 0, InitStd: 0.1, Restarts: 1}
	if want.TimeLimit.Seconds() != 90 || !reflect.DeepEqual(s, want) {
		t.Errorf("base settings\n%+v\nwant\n%+v", s, want)
	}
	if _, ok := cfg.BaseValue("no_such_key"); ok {
		t.Errorf("BaseValue of an unknown name: ok")
	}
}

// TestCanonicalHasEveryHyperparam: a hyperparameter's base value decides
// what a trial trains with, so the canonical settings a study is stored
// and resumed by must hold it (by its key, or its section's line).
func TestCanonicalHasEveryHyperparam(t *testing.T) {
	cfg, err := Parse(strings.NewReader("data: {synthetic: {kind: linear}}\n"), "c.yaml", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, s := range cfg.Canonical() {
		keys[s.Key] = true
	}
	for _, h := range trainer.Hyperparams() {
		if !keys[h.Key] && !keys[parentPath(h.Key)] {
			t.Errorf("%s: neither %s nor %s is in the canonical settings", h.Name, h.Key, parentPath(h.Key))
		}
	}
}

// TestRegistryRules: the rules configs applies to the hyperparameters are
// the registry's, with the messages configs has always given.
func TestRegistryRules(t *testing.T) {
	for _, c := range []struct {
		key  string
		x    float64
		want string
	}{
		{"trainer.learning_rate", 0, "must be > 0, got 0"},
		{"trainer.momentum", 1, "must be in [0, 1), got 1"},
		{"trainer.batch_size", 0, "must be >= 1, got 0"},
		{"trainer.restarts", 1001, "must be at most 1000, got 1001"},
		{"trainer.restarts", 0, "must be >= 1, got 0"},
		{"model.hidden", 1e8, "must be at most 10000000, got 100000000"},
		{"trainer.init.std", -1, "must be >= 0, got -1"},
		{"trainer.momentum", 0, ""},
	} {
		if got := fieldByPath[c.key].rule.check(c.x); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.key, c.x, got, c.want)
		}
	}
	if r := fieldByPath["trainer.init.mean"].rule; r != nil {
		t.Errorf("trainer.init.mean has rule %q, want none", r.text)
	}
}
