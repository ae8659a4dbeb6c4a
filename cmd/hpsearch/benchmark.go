package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

// report prints a sweep's results as report does; for a benchmark it adds
// the function's known minimum and the regret (best − known minimum), the
// figure that compares strategies across functions and seeds.
func (sw *sweep) report(s results.Study, trials []results.Trial, asJSON bool, top int, output trialOutput, w io.Writer) error {
	if sw.benchmark == nil {
		return report(s, trials, asJSON, top, output, w)
	}
	if asJSON {
		doc := results.NewDocument(s, trials)
		doc.SetKnownMinimum(sw.benchmark.Minimum.Value)
		return results.WriteJSON(w, doc)
	}
	if err := report(s, trials, false, top, output, w); err != nil {
		return err
	}
	return writeRegret(w, sw, trials)
}

// writeRegret is the human output's closing line for a benchmark.
func writeRegret(w io.Writer, sw *sweep, trials []results.Trial) error {
	b, goal := sw.benchmark, sw.cfg.Search.Goal
	best, ok := results.Best(trials, results.Goal(goal))
	var err error
	switch {
	case !ok:
		_, err = fmt.Fprintf(w, "\nBenchmark %s (%d-D): known minimum %s; no trial succeeded, so no regret\n",
			b.Name(), b.Dim(), results.FormatValue(b.Minimum.Value))
	default:
		_, err = fmt.Fprintf(w, "\nBenchmark %s (%d-D): best %s, known minimum %s, regret %s\n",
			b.Name(), b.Dim(), results.FormatValue(best.Value), results.FormatValue(b.Minimum.Value),
			results.FormatValue(b.Regret(best.Value)))
	}
	if err != nil {
		return fmt.Errorf("write regret: %w", err)
	}
	return nil
}

// storedBenchmark rebuilds the benchmark of a stored study from the
// canonical config stored with it (its "benchmark:" line and its
// parameters, the coordinates), so that `show` gives the regret as `run`
// did; nil for any other study.
func storedBenchmark(s results.Study) *sweep {
	cfg := &configs.Config{}
	for _, line := range strings.Split(s.Config, "\n") {
		if name, ok := strings.CutPrefix(line, "benchmark: "); ok {
			cfg.Benchmark = strings.TrimSpace(name)
		}
		if strings.HasPrefix(line, "parameters.") {
			cfg.Parameters = append(cfg.Parameters, configs.Parameter{})
		}
	}
	if cfg.Benchmark == "" {
		return nil
	}
	b, err := study.NewBenchmark(cfg)
	if err != nil {
		return nil
	}
	cfg.Search.Goal = string(s.Goal)
	return &sweep{cfg: cfg, study: s.Name, benchmark: b}
}

// describeBenchmark is `validate`'s line on a benchmark's objective.
func describeBenchmark(w io.Writer, sw *sweep) {
	b := sw.benchmark
	fmt.Fprintf(w, "objective benchmark %s in %d dimensions: the value of a trial is the function at (x0, …); known minimum %s at %v\n",
		b.Name(), b.Dim(), results.FormatValue(b.Minimum.Value), b.Minimum.Argmin)
}
