package main

import (
	"fmt"
	"io"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

// writeOutcome prints a study's outcome as report does; for a benchmark it
// adds the function's known minimum and the regret (best − known
// minimum), the figure that compares strategies across functions and
// seeds.
func writeOutcome(o *study.Outcome, asJSON bool, top int, output trialOutput, w io.Writer) error {
	b := o.Benchmark
	if b == nil {
		return report(o.Study, o.Trials, asJSON, top, output, w)
	}
	if asJSON {
		return results.WriteJSON(w, outcomeDocument(o))
	}
	if err := report(o.Study, o.Trials, false, top, output, w); err != nil {
		return err
	}
	return writeRegret(w, o)
}

// outcomeDocument is the one study document run --json, show --json and
// export --format json print: a benchmark's adds its known minimum and
// regret.
func outcomeDocument(o *study.Outcome) results.Document {
	doc := results.NewDocument(o.Study, o.Trials)
	if o.Benchmark != nil {
		doc.SetKnownMinimum(o.Benchmark.Minimum.Value)
	}
	return doc
}

// writeRegret is the human output's closing line for a benchmark.
func writeRegret(w io.Writer, o *study.Outcome) error {
	b := o.Benchmark
	best, ok := o.Best()
	var err error
	switch {
	case !ok:
		_, err = fmt.Fprintf(w, "\nBenchmark %s (%d-D): known minimum %s; no trial succeeded, so no regret\n",
			b.Name(), b.Dim(), results.FormatValue(b.Minimum.Value))
	default:
		_, err = fmt.Fprintf(w, "\nBenchmark %s (%d-D): best %s, known minimum %s, regret %s\n",
			b.Name(), b.Dim(), results.FormatValue(best.Value.Float()), results.FormatValue(b.Minimum.Value),
			results.FormatValue(b.Regret(best.Value.Float())))
	}
	if err != nil {
		return fmt.Errorf("write regret: %w", err)
	}
	return nil
}

// describeBenchmark is `validate`'s line on a benchmark's objective.
func describeBenchmark(w io.Writer, s *study.Study) {
	b := s.Benchmark
	fmt.Fprintf(w, "objective benchmark %s in %d dimensions: the value of a trial is the function at (x0, …); known minimum %s at %v\n",
		b.Name(), b.Dim(), results.FormatValue(b.Minimum.Value), b.Minimum.Argmin)
}
