package search_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

// suiteSweep is one sweep of the early-stopping suite: a config and the
// --set overrides that make it.
type suiteSweep struct {
	name, path string
	sets       []string
	es         []string // more --set for the run with early stopping
	// atMinimum is an absolute tolerance for a sweep whose best values
	// reach the landscape's known minimum 0, where +1 % of 1e-13 is noise
	// of the last digits: values within it of each other are equal.
	atMinimum float64
}

// collect keeps a run's finished trials.
type collect struct {
	mu     sync.Mutex
	trials []results.Trial
}

func (c *collect) Trial(t results.Trial, _, _ int) {
	c.mu.Lock()
	c.trials = append(c.trials, t)
	c.mu.Unlock()
}
func (c *collect) Finish() {}

// runSweep runs a sweep as `hpsearch run --storage memory:` does and returns
// its best value and the iterations (built-in) or reported steps (command)
// its trials ran.
func runSweep(tb testing.TB, sw suiteSweep, sets []string, parallel int) (best float64, iterations int) {
	tb.Helper()
	// Each run its own output directory: two suites run at once (other
	// seeds, another rule) in one directory would share the command
	// trials' directories, and a trial started in one would stop the
	// other's program of the same trial number as a stray of its own.
	sets = append(slices.Clone(sets), "output.dir="+tb.TempDir())
	s, err := study.Load(sw.path, append(slices.Clone(sw.sets), sets...), "")
	if err != nil {
		tb.Fatal(err)
	}
	c := &collect{}
	err = s.Run(context.Background(), results.NewMemoryStore(), study.RunOptions{Parallel: parallel, Sets: sets, Shared: study.DefaultShared,
		Progress: func(int) study.Progress { return c }})
	if err != nil {
		tb.Fatal(err)
	}
	b, ok := results.Best(c.trials, s.Goal())
	if !ok {
		tb.Fatalf("%s: no trial succeeded", sw.name)
	}
	for _, t := range c.trials {
		iterations += t.Iterations
	}
	return b.Value.Float(), iterations
}

// commandSweep writes the suite's command-trial sweep: examples/trainprog,
// built once, on the diabetes data, reporting one step per epoch.
func commandSweep(tb testing.TB) suiteSweep {
	tb.Helper()
	dir := tb.TempDir()
	bin := filepath.Join(dir, "trainprog")
	if out, err := exec.Command("go", "build", "-o", bin, "../examples/trainprog").CombinedOutput(); err != nil {
		tb.Fatalf("build trainprog: %v\n%s", err, out)
	}
	data, err := filepath.Abs("../data/diabetes.csv")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := fmt.Sprintf(`name: es-command
seed: 1
trainer:
  command: [%q, --data=%s, --epochs=60, "{args}"]
  timeout: 2m
search:
  strategy: coarse-to-fine
  rounds: 2
  trials_per_round: 18
  metric: val_loss
parameters:
  learning_rate: {log_uniform: [1e-5, 1]}
  batch_size: {choice: [8, 32, 128]}
`, bin, data)
	path := filepath.Join(dir, "command.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	return suiteSweep{name: "command-linear", path: path, es: []string{"search.early_stopping.max_resource=60"}}
}

// esOptions are the suite's knobs, read from the environment (see
// BenchmarkEarlyStoppingSuite).
type esOptions struct {
	seeds, first, par int
	kind              string
	oracle            string   // the replay only: "", early, last or both
	esSets            []string // more --set key=value for the runs with early stopping
	sweeps            []suiteSweep
}

// ready is sw as the benchmarks run it: the command sweep's program
// built, ESBENCH_SETS added to the runs with early stopping.
func (o esOptions) ready(tb testing.TB, sw suiteSweep) suiteSweep {
	if sw.path == "" {
		sw = commandSweep(tb)
	}
	sw.es = append(slices.Clone(sw.es), o.esSets...)
	return sw
}

func suiteOptions() esOptions {
	o := esOptions{seeds: 10, first: 1, par: 2, kind: "auto"}
	if s, err := strconv.Atoi(os.Getenv("ESBENCH_SEEDS")); err == nil && s > 0 {
		o.seeds = s
	}
	if f, err := strconv.Atoi(os.Getenv("ESBENCH_FIRST_SEED")); err == nil {
		o.first = f
	}
	if p, err := strconv.Atoi(os.Getenv("ESBENCH_PARALLEL")); err == nil && p > 0 {
		o.par = p
	}
	if k := os.Getenv("ESBENCH_KIND"); k != "" {
		o.kind = k
	}
	o.oracle = os.Getenv("ESBENCH_ORACLE")
	if sets := os.Getenv("ESBENCH_SETS"); sets != "" {
		o.esSets = strings.Split(sets, ",")
	}
	td := "testdata/earlystop/"
	o.sweeps = []suiteSweep{
		{name: "iris-mlp", path: "../configs/iris-mlp.yaml"},
		{name: "diabetes-linear", path: "../configs/learning-rates.yaml",
			sets: []string{"search.strategy=coarse-to-fine", "search.rounds=3", "search.trials_per_round=16", "search.trials=48"}},
		{name: "mlp-momentum-slow", path: td + "mlp-momentum-slow.yaml"},
		{name: "adam-tiny", path: td + "adam-tiny.yaml"},
		{name: "mlp-overfit", path: td + "mlp-overfit.yaml"},
		{name: "plateau-late", path: td + "plateau-late.yaml", atMinimum: 1e-6},
		{name: "larger-data", path: td + "larger-data.yaml"},
		{name: "command-linear"},
	}
	if list := os.Getenv("ESBENCH_CONFIGS"); list != "" {
		o.sweeps = o.sweeps[:0]
		for _, path := range strings.Split(list, ",") {
			o.sweeps = append(o.sweeps, suiteSweep{name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), path: path})
		}
	}
	return o
}

// BenchmarkEarlyStoppingSuite measures issue 18's bar on every sweep: over
// the seeds, the median best value with early stopping against the same
// sweep without it (within +1 %), and the median share of the iterations
// run (at most 1/3). The per-seed gaps' median is printed too. The rule
// is auto with the config's defaults; set ESBENCH_KIND to compare another
// kind, ESBENCH_SEEDS (default 10) for fewer seeds while iterating,
// ESBENCH_FIRST_SEED (default 1) for seeds the rule was not chosen on,
// ESBENCH_PARALLEL (default 2), ESBENCH_CONFIGS (comma-separated
// config files) to judge the rule on sweeps of your own instead of the
// suite's, and ESBENCH_SETS (comma-separated key=value, such as
// search.early_stopping.budget=0.5) for the rule's other settings.
//
//	go test -run XXX -bench EarlyStoppingSuite -benchtime 1x -v ./search/
func BenchmarkEarlyStoppingSuite(b *testing.B) {
	o := suiteOptions()
	o.compare(b, o.kind, func(b *testing.B, sw suiteSweep, seed int) (float64, float64, int, int) {
		sets := []string{"seed=" + strconv.Itoa(seed)}
		full, fullIters := runSweep(b, sw, sets, o.par)
		on := append(slices.Clone(sets), "search.early_stopping.kind="+o.kind)
		pruned, prunedIters := runSweep(b, sw, append(on, sw.es...), o.par)
		return pruned, full, prunedIters, fullIters
	})
}

// compare measures every sweep on every seed, as measure says (the best
// value and the iterations with early stopping, then without), and
// reports each sweep's comparison under label.
func (o esOptions) compare(b *testing.B, label string, measure func(b *testing.B, sw suiteSweep, seed int) (pruned, full float64, prunedIters, fullIters int)) {
	for _, sw := range o.sweeps {
		b.Run(sw.name, func(b *testing.B) {
			sw := o.ready(b, sw)
			for b.Loop() {
				var c comparison
				for seed := o.first; seed < o.first+o.seeds; seed++ {
					pruned, full, prunedIters, fullIters := measure(b, sw, seed)
					c.add(seed, pruned, full, prunedIters, fullIters)
				}
				c.report(b, sw, label)
			}
		})
	}
}

// comparison is a sweep's seeds with early stopping against without.
type comparison struct {
	fulls, pruneds, ratios, gaps []float64
	lines                        []string
}

func (c *comparison) add(seed int, pruned, full float64, prunedIters, fullIters int) {
	if c.lines == nil {
		c.lines = []string{"seed   best with  best without      gap   iterations with / without"}
	}
	c.fulls, c.pruneds = append(c.fulls, full), append(c.pruneds, pruned)
	c.ratios = append(c.ratios, float64(prunedIters)/float64(fullIters))
	c.gaps = append(c.gaps, pruned/full-1)
	c.lines = append(c.lines, fmt.Sprintf("%4d %11.5g %13.5g %+7.2f%% %9d / %d (%.2f)",
		seed, pruned, full, 100*(pruned/full-1), prunedIters, fullIters, float64(prunedIters)/float64(fullIters)))
}

// report logs the sweep's table and issue 18's verdict on it, and reports
// the median gap and share of iterations as the benchmark's metrics.
func (c *comparison) report(b *testing.B, sw suiteSweep, kind string) {
	gap := results.Median(c.pruneds)/results.Median(c.fulls) - 1
	ratio := results.Median(c.ratios)
	verdict := "met"
	within := results.Median(c.pruneds) <= results.Median(c.fulls)+math.Max(0.01*math.Abs(results.Median(c.fulls)), sw.atMinimum)
	if !within || ratio > 1.0/3 {
		verdict = "NOT met"
	}
	b.Logf("%s, %s, %d seeds: median best %.5g with vs %.5g without (%+.2f%%; median per-seed gap %+.2f%%), iterations %.2f: bar %s\n%s",
		sw.name, kind, len(c.gaps), results.Median(c.pruneds), results.Median(c.fulls), 100*gap, 100*results.Median(c.gaps), ratio, verdict, strings.Join(c.lines, "\n"))
	b.ReportMetric(100*gap, "%gap")
	b.ReportMetric(ratio, "iter-ratio")
}
