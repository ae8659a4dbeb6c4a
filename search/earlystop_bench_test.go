package search

import (
	"context"
	"fmt"
	"math"
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

// BenchmarkPrunerRound is early stopping's bookkeeping in one round of
// n trials whose learning curves cost nothing (81 reports each, two at a
// time): what a large random sweep pays for the pruner itself, in ms per
// trial. A trial waiting at a rung once rescanned the group at every
// report of every trial, O(n³) a round: successive halving took 75 s and
// auto 295 s for 3,000 trials (BENCHMARKS.md).
//
//	go test -run XXX -bench PrunerRound -benchtime 1x ./search/
func BenchmarkPrunerRound(b *testing.B) {
	eval := EvaluatorFunc(func(_ context.Context, t Task) (results.Trial, error) {
		x, _ := mustGet(t.Params, "x").(float64)
		v := 0.0
		for step := 1; step <= 81; step++ {
			v = x*x + (1+x)/math.Sqrt(float64(step))
			if t.Report != nil && !t.Report(step, v) {
				return results.Trial{Status: results.StatusPruned, Value: results.Measured(v), Iterations: step}, nil
			}
		}
		return results.Trial{Status: results.StatusOK, Value: results.Measured(v), Iterations: 81}, nil
	})
	for _, kind := range []string{SuccessiveHalving, Auto} {
		for _, n := range []int{1000, 3000} {
			b.Run(fmt.Sprintf("%s/trials=%d", kind, n), func(b *testing.B) {
				for b.Loop() {
					st, err := NewStrategy(StrategyOptions{Strategy: "random", Seed: 1, Goal: "minimize", Trials: n}, mustSpace(b, Dim{Name: "x", Dist: Uniform, Low: -1, High: 1}), nil)
					if err != nil {
						b.Fatal(err)
					}
					p, err := NewPruner(EarlyStopping{Kind: kind, MinResource: 3, MaxResource: 81, Reduction: 3}, false)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := (&Runner{Seed: 1, Strategy: st, Evaluator: eval, Parallelism: 2, Pruner: p}).Run(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N)/float64(n), "ms/trial")
			})
		}
	}
}
