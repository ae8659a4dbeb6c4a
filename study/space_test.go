package study

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/search"
)

func parse(t *testing.T, yaml string) *configs.Config {
	t.Helper()
	cfg, err := configs.Parse(strings.NewReader(yaml), "s.yaml", ".", nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Every field of a parameter reaches its dimension, the condition too.
func TestDimsTranslateParameters(t *testing.T) {
	cfg := parse(t, `data: {synthetic: {kind: linear}}
model: {kind: linear, loss: mse}
parameters:
  learning_rate: {powers_of_ten: [-4, -1]}
  optimizer: {choice: [gd, momentum]}
  momentum: {uniform: [0, 0.9], when: {optimizer: [momentum]}}
  batch_size: {int: [8, 512], log: true}
`)
	got := fmt.Sprintf("%+v", Dims(cfg.Parameters))
	want := fmt.Sprintf("%+v", []search.Dim{
		{Name: "learning_rate", Dist: search.PowersOfTen, Low: -4, High: -1},
		{Name: "optimizer", Dist: search.Choice, Choices: []any{"gd", "momentum"}},
		{Name: "momentum", Dist: search.Uniform, High: 0.9, When: &search.Condition{Parent: "optimizer", Values: []any{"momentum"}}},
		{Name: "batch_size", Dist: search.Int, Low: 8, High: 512, Log: true},
	})
	// %+v prints a condition's address: compare it separately.
	if strings.Count(got, "When:0x") != 1 || stripPointers(got) != stripPointers(want) {
		t.Fatalf("dims\n %s\nwant\n %s", got, want)
	}
	space, err := NewSpace(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if w := space.Dims[2].When; w == nil || w.Parent != "optimizer" || fmt.Sprint(w.Values) != "[momentum]" {
		t.Fatalf("momentum's condition %+v, want optimizer in [momentum]", w)
	}
}

func stripPointers(s string) string {
	for {
		i := strings.Index(s, "When:0x")
		if i < 0 {
			return s
		}
		j := strings.IndexAny(s[i:], " }")
		s = s[:i] + "When:ptr" + s[i+j:]
	}
}

func TestStrategyOptionsAndRule(t *testing.T) {
	cfg := parse(t, `seed: 7
data: {synthetic: {kind: moons}}
model: {kind: logistic, loss: cross_entropy}
search:
  strategy: coarse-to-fine-gp
  metric: accuracy
  goal: maximize
  trials: 50
  rounds: 3
  keep: 0.5
  batch: 2
  grid_points: 3
  early_stopping: {kind: hyperband, min_resource: 5, reduction_factor: 2}
parameters: {learning_rate: {log_uniform: [1e-4, 1]}}
`)
	o := StrategyOptions(cfg)
	want := search.StrategyOptions{Strategy: "coarse-to-fine-gp", Seed: 7, Goal: "maximize", Trials: 50, Rounds: 3,
		TrialsPerRound: cfg.Search.TrialsPerRound, Keep: 0.5, GridPoints: 3, Batch: 2}
	want.EarlyStopping, _ = EarlyStopping(cfg) // coarse-to-fine narrows on its forecasts; the rule is checked below
	if o != want {
		t.Fatalf("options %+v, want %+v", o, want)
	}
	rule, ok := EarlyStopping(cfg)
	wantRule := search.EarlyStopping{Kind: search.Hyperband, MinResource: 5, MaxResource: cfg.Search.EarlyStopping.MaxResource,
		Reduction: 2, MinTrials: cfg.Search.EarlyStopping.MinTrials, Budget: cfg.Search.EarlyStopping.Budget}
	if !ok || rule != wantRule || rule.MaxResource == 0 {
		t.Fatalf("rule %+v (%v), want %+v", rule, ok, wantRule)
	}
	cfg.Search.EarlyStopping = nil
	if _, ok := EarlyStopping(cfg); ok {
		t.Fatal("a rule without early_stopping")
	}
}

// search bounds a grid where configs bounds every study: at
// configs.MaxTrials points a grid is planned, one row more is refused.
func TestGridBoundIsConfigsMaxTrials(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a million grid points")
	}
	side := 1000
	if side*side != configs.MaxTrials {
		t.Fatalf("the test assumes configs.MaxTrials = %d², not %d", side, configs.MaxTrials)
	}
	grid := func(rows int) error {
		space, err := search.NewSpace([]search.Dim{
			{Name: "a", Dist: search.Int, Low: 1, High: float64(side)},
			{Name: "b", Dist: search.Int, Low: 1, High: float64(rows)},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = search.NewStrategy(search.StrategyOptions{Strategy: "grid", GridPoints: 2 * side}, space, nil)
		return err
	}
	if err := grid(side); err != nil {
		t.Fatalf("a grid of configs.MaxTrials points: %v", err)
	}
	if err := grid(side + 1); err == nil || !strings.Contains(err.Error(), fmt.Sprint(configs.MaxTrials)) {
		t.Fatalf("a grid of one row more: %v, want refused naming %d", err, configs.MaxTrials)
	}
}
