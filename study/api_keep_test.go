package study

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
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
