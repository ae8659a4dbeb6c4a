package study

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/search"
)

// Coarse-to-fine from Go without Keep narrows around the config's default
// share, search.keep, as a config without the key does: the same trials as
// with that share given, not an error about keep 0.
func TestOptimizeKeepDefaultsToTheConfigs(t *testing.T) {
	cfg, err := configs.Load(filepath.Join("..", "configs", "benchmark-branin.yaml"), nil) // no search.keep
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Search.Keep != defaultKeep {
		t.Fatalf("the config's default search.keep is %v, Options.Keep's %v: make them one", cfg.Search.Keep, defaultKeep)
	}
	run := func(keep float64) string {
		out, err := Optimize(context.Background(), apiSpace, square, Options{Strategy: "coarse-to-fine", Rounds: 2, TrialsPerRound: 8, Keep: keep, Seed: 5, Parallel: 1})
		if err != nil {
			t.Fatalf("Keep %v: %v", keep, err)
		}
		var trials string
		for _, tr := range out.Trials {
			trials += fmt.Sprintf("%d %v %v %d\n", tr.Number, tr.Params, tr.Value.Float(), tr.Seed)
		}
		return trials
	}
	if unset, given := run(0), run(defaultKeep); unset != given {
		t.Fatalf("Keep 0 ran other trials than Keep %v:\n%s\n%s", defaultKeep, unset, given)
	}
}

// Early stopping from Go with only Kind and MaxResource takes the config's
// defaults for the rest, as search.early_stopping with only kind does: the
// same trials as with those values given, not an error about min_resource 0.
func TestOptimizeEarlyStoppingDefaultsToTheConfigs(t *testing.T) {
	cfg, err := configs.Load(filepath.Join("..", "configs", "quickstart.yaml"),
		[]string{"search.early_stopping.kind=successive_halving", "search.early_stopping.max_resource=27"})
	if err != nil {
		t.Fatal(err)
	}
	ce := cfg.Search.EarlyStopping
	given := search.EarlyStopping{Kind: "successive_halving", MaxResource: 27, MinResource: ce.MinResource, Reduction: ce.ReductionFactor, MinTrials: ce.MinTrials, Budget: ce.Budget}
	if filled := (Options{EarlyStopping: &search.EarlyStopping{Kind: "successive_halving", MaxResource: 27}}).earlyStopping(); filled != given {
		t.Fatalf("Options fill %+v; the config's defaults are %+v: make them one", filled, given)
	}
	run := func(e search.EarlyStopping) string {
		curve := func(_ context.Context, tr Trial) (float64, error) {
			x, _ := tr.Float("x")
			v := x * x
			for step := 1; step <= 27; step++ {
				v = x*x + 1/float64(step)
				if !tr.Report(step, v) {
					break
				}
			}
			return v, nil
		}
		out, err := Optimize(context.Background(), []Param{Float("x", -1, 1)}, curve, Options{Trials: 12, Seed: 3, Parallel: 1, EarlyStopping: &e})
		if err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
		var trials string
		for _, tr := range out.Trials {
			trials += fmt.Sprintf("%d %s %v %v\n", tr.Number, tr.Status, tr.Value.Float(), tr.Iterations)
		}
		return trials
	}
	if unset, set := run(search.EarlyStopping{Kind: "successive_halving", MaxResource: 27}), run(given); unset != set || !strings.Contains(set, "pruned") {
		t.Fatalf("only Kind and MaxResource ran other trials than the defaults given, or pruned none:\n%s\n%s", unset, set)
	}
}
