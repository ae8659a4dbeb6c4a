package search

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
)

// sweepOnce runs a config's sweep in memory and returns its best value and
// the iterations all its trials ran; anyBudget is the best value counting a
// pruned trial's value where it stopped too (a model trained for fewer
// iterations: Hyperband's view), which the bar does not count. Early
// stopping is whatever the config (with sets) asks for, as `run` builds it.
func sweepOnce(tb testing.TB, path string, sets []string) (best float64, iterations int, anyBudget float64) {
	cfg, obj, strat := builtInSweep(tb, path, sets)
	r := &Runner{Seed: cfg.Seed, Strategy: strat, Evaluator: obj, Parallelism: 2}
	var err error
	if rule, ok := ConfigRule(cfg); ok {
		if r.Pruner, err = NewPruner(rule, false); err != nil {
			tb.Fatal(err)
		}
		obj.ReportEvery(cfg.Search.EarlyStopping.Interval, rule.MaxResource)
	}
	trials, err := r.Run(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	b, ok := results.Best(trials, results.Goal(cfg.Search.Goal))
	if !ok {
		tb.Fatal("no trial succeeded")
	}
	anyBudget = b.Value.Float()
	for _, t := range trials {
		iterations += t.Iterations
		if t.Status == results.StatusPruned && t.Value.Float() < anyBudget {
			anyBudget = t.Value.Float()
		}
	}
	return b.Value.Float(), iterations, anyBudget
}

// builtInSweep loads a config of the built-in trainer (with sets) and
// builds its objective and strategy, as `hpsearch run` does.
func builtInSweep(tb testing.TB, path string, sets []string) (*configs.Config, TrainerObjective, Strategy) {
	tb.Helper()
	cfg, err := configs.Load(path, sets)
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := NewTrainerObjective(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	space, err := ConfigSpace(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	strat, err := NewStrategy(ConfigStrategy(cfg), space, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg, obj, strat
}

// BenchmarkEarlyStopping measures issue 7's bar: on each sweep, over 10
// seeds, the median of (best with early stopping / best without − 1) and of
// (iterations with / iterations without). The bar: the first within 1%,
// the second at most 1/3. Early stopping is successive halving with the
// config's defaults (min_resource = max_resource/η³, η = 3). Set
// HPSEARCH_ES_SEEDS to change the seed count, and
// HPSEARCH_ES_RULE=kind:min_resource:reduction_factor to try another rule.
//
//	go test -run XXX -bench EarlyStopping -benchtime 1x ./search/
func BenchmarkEarlyStopping(b *testing.B) {
	seeds := 10
	if s, err := strconv.Atoi(os.Getenv("HPSEARCH_ES_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	rule := []string{"search.early_stopping.kind=successive_halving"}
	if r := strings.Split(os.Getenv("HPSEARCH_ES_RULE"), ":"); len(r) == 3 {
		rule = []string{"search.early_stopping.kind=" + r[0], "search.early_stopping.min_resource=" + r[1],
			"search.early_stopping.reduction_factor=" + r[2]}
	}
	sweeps := []struct {
		name, path string
		sets       []string
	}{
		{"iris-mlp", "../configs/iris-mlp.yaml", nil},
		{"diabetes-linear", "../configs/learning-rates.yaml",
			[]string{"search.strategy=coarse-to-fine", "search.rounds=3", "search.trials_per_round=16", "search.trials=48"}},
	}
	for _, sw := range sweeps {
		b.Run(sw.name, func(b *testing.B) {
			for b.Loop() {
				var gaps, ratios, anyGaps []float64
				var lines []string
				for seed := 1; seed <= seeds; seed++ {
					sets := append(slices.Clone(sw.sets), "seed="+strconv.Itoa(seed))
					full, fullIters, _ := sweepOnce(b, sw.path, sets)
					pruned, prunedIters, any := sweepOnce(b, sw.path, append(sets, rule...))
					gaps = append(gaps, pruned/full-1)
					anyGaps = append(anyGaps, any/full-1)
					ratios = append(ratios, float64(prunedIters)/float64(fullIters))
					lines = append(lines, fmt.Sprintf("seed %2d: best %.6g vs %.6g (%+.2f%%), iterations %d vs %d (%.2f)",
						seed, pruned, full, 100*(pruned/full-1), prunedIters, fullIters, float64(prunedIters)/float64(fullIters)))
				}
				b.Logf("%s:\n%s", sw.name, strings.Join(lines, "\n"))
				b.ReportMetric(100*results.Median(gaps), "%gap-median")
				b.ReportMetric(results.Median(ratios), "iter-ratio-median")
				b.ReportMetric(100*slices.Max(gaps), "%gap-worst")
				b.ReportMetric(100*results.Median(anyGaps), "%gap-any-budget-median")
			}
		})
	}
}
