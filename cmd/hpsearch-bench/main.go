// Command hpsearch-bench measures how well each search strategy finds the
// minimum of the standard benchmark functions: every strategy runs on every
// function for many seeds at a given budget, through the same runner, space
// and strategies as `hpsearch run`, and the median regret (best found −
// known minimum) is printed per function and strategy, beside Optuna 3.1's
// figures on the same functions, domains and budgets.
//
//	go run ./cmd/hpsearch-bench                        # the BENCHMARKS.md tables
//	go run ./cmd/hpsearch-bench -budgets 100 -functions branin,levy:3 -strategies coarse-to-fine,random
//	go run ./cmd/hpsearch-bench -strategies coarse-to-fine-gp,coarse-to-fine -judge coarse-to-fine-gp -markdown
//
// The -judge strategy (coarse-to-fine by default) is marked at or below
// Optuna TPE and CMA-ES row by row, and counted under each table.
//
// The Optuna columns come from reference/optuna-3.1.tsv, written by
// optuna_reference.py beside this file (see BENCHMARKS.md). Real
// gradient-descent sweeps against Optuna are optuna_sweeps.py's.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// defaultFunctions are the five rows of issue 6's bar, then functions,
// dimensions and shapes that are not in it (multimodal, higher-dimensional,
// 2-D versions), which the method must not be tuned away from.
const defaultFunctions = "branin,hartmann6,styblinski_tang:4,rosenbrock:4,ackley:5," +
	"hartmann3,rastrigin:2,rastrigin:4,levy:4,rosenbrock:2,styblinski_tang:2,ackley:2,styblinski_tang:8,levy:8"

type options struct {
	strategies []string
	functions  []funcSpec
	budgets    []int
	seeds      int
	firstSeed  int
	workers    int
	sets       []string
	reference  string
	markdown   bool
	judge      string // the strategy whose verdict against Optuna the tables give
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "hpsearch-bench:", err)
		return 2
	}
	ref, err := loadReference(opts.reference)
	if err != nil {
		fmt.Fprintln(stderr, "hpsearch-bench:", err)
		return 2
	}
	for _, budget := range opts.budgets {
		cells, err := measure(ctx, opts, budget, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "hpsearch-bench:", err)
			return 1
		}
		writeTable(stdout, opts, budget, cells, ref)
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("hpsearch-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	strategies := fs.String("strategies", "coarse-to-fine,coarse-to-fine-gp,bayes,sobol,random", "strategies to compare, comma-separated")
	functions := fs.String("functions", defaultFunctions, "functions as NAME or NAME:DIMENSION, comma-separated")
	budgets := fs.String("budgets", "50,100,200", "trial budgets (search.trials), comma-separated")
	seeds := fs.Int("seeds", 20, "seeds per function, strategy and budget")
	firstSeed := fs.Int("first-seed", 0, "the seeds are first-seed … first-seed+seeds−1 (tune on other seeds than you report)")
	var sets setFlags
	fs.Var(&sets, "set", "a config override for every study, as hpsearch run --set (e.g. search.keep=0.3); repeatable")
	workers := fs.Int("parallel", runtime.GOMAXPROCS(0), "studies run at once")
	reference := fs.String("reference", "", `a TSV of Optuna figures written by optuna_reference.py (default: the shipped one; "none" for no Optuna columns)`)
	markdown := fs.Bool("markdown", false, "print Markdown tables (as in BENCHMARKS.md)")
	judge := fs.String("judge", "coarse-to-fine", "the strategy judged against Optuna TPE and CMA-ES (one of -strategies)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o := options{strategies: splitList(*strategies), seeds: *seeds, firstSeed: *firstSeed, workers: *workers,
		sets: sets, reference: *reference, markdown: *markdown, judge: *judge}
	if o.seeds < 1 || o.workers < 1 || o.firstSeed < 0 {
		return o, fmt.Errorf("-seeds and -parallel must be at least 1, -first-seed at least 0")
	}
	for _, s := range splitList(*functions) {
		f, err := parseFuncSpec(s)
		if err != nil {
			return o, err
		}
		o.functions = append(o.functions, f)
	}
	for _, s := range splitList(*budgets) {
		b, err := strconv.Atoi(s)
		if err != nil || b < 1 {
			return o, fmt.Errorf("budget %q: want a positive number of trials", s)
		}
		o.budgets = append(o.budgets, b)
	}
	judgeSet := false
	fs.Visit(func(f *flag.Flag) { judgeSet = judgeSet || f.Name == "judge" })
	if judgeSet && !contains(o.strategies, o.judge) {
		return o, fmt.Errorf("-judge %s is not one of -strategies (%s)", o.judge, strings.Join(o.strategies, ", "))
	}
	if len(o.strategies) == 0 || len(o.functions) == 0 || len(o.budgets) == 0 {
		return o, fmt.Errorf("need at least one strategy, function and budget")
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// setFlags collects repeated -set flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }
