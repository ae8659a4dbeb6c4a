package study

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/trainer"
)

// Outcome is what a run leaves to print and export: the study's record
// and its finished trials, whatever ended the run.
type Outcome struct {
	Study  results.Study
	Trials []results.Trial // finished trials, by number
	// Benchmark is the test function of a benchmark study, whose known
	// minimum gives the regret; nil for any other study.
	Benchmark *Benchmark
	// OutputDir is where the study's files go (output.dir): its directory
	// is OutputDir/<study>.
	OutputDir string
}

func (s *Study) outcome(rec results.Study, trials []results.Trial) *Outcome {
	return &Outcome{Study: rec, Trials: trials, Benchmark: s.Benchmark, OutputDir: s.Config.Output.Dir}
}

// StoredOutcome is the outcome of a study read back from a store, for
// `show` and the like: its finished trials, and its benchmark if it is one.
func StoredOutcome(st results.Study, trials []results.Trial) *Outcome {
	return &Outcome{Study: st, Trials: FinishedOnly(trials), Benchmark: StoredBenchmark(st)}
}

// Best is the best finished trial for the study's goal; ok is false when
// no trial succeeded.
func (o *Outcome) Best() (best results.Trial, ok bool) {
	return results.Best(o.Trials, o.Study.Goal)
}

// noSuccess is the error of a study none of whose trials succeeded.
func (o *Outcome) noSuccess() error {
	if _, ok := o.Best(); ok {
		return nil
	}
	return &Error{Kind: NotFinished, Err: fmt.Errorf("no trial succeeded (%d trials ran); see the table for their stop reasons", len(o.Trials))}
}

// FinishedOnly drops trials a dead or running process left unfinished:
// tables and exports describe results.
func FinishedOnly(trials []results.Trial) []results.Trial {
	out := trials[:0:0]
	for _, t := range trials {
		if t.Status.Finished() {
			out = append(out, t)
		}
	}
	return out
}

// trialsDir is where a command study's trials keep their output: one
// directory per trial number.
func trialsDir(outputDir, study string) string {
	return filepath.Join(outputDir, study, "trials")
}

// TrialOutputs finds a command trial's stderr file — its whole output —
// under outputDir, the output directory that holds <study>/trials/<n>/;
// "" when there is none: a built-in trial, or one whose program never
// started, is not sent looking.
func TrialOutputs(outputDir, study string) func(results.Trial) string {
	return func(t results.Trial) string {
		p := filepath.Join(trialsDir(outputDir, study), strconv.Itoa(t.Number), trainer.StderrFileName)
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			return ""
		}
		return p
	}
}
