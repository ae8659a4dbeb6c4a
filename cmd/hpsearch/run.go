package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

type runFlags struct {
	study     string
	parallel  int
	storage   string
	resume    bool
	warmStart string
	json      bool
	sets      []string
	top       int
	wide      bool                // every column, whatever the terminal's width
	shared    study.SharedOptions // heartbeats and retries (worker_shared.go)
}

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run CONFIG",
		Short: "Run a sweep from a config file",
		Long: `Run a sweep: trials fan out concurrently, each trial is stored when it
starts and again when it ends, and at the end the ranked table, the per-round
narrowing table and the learning-rate table are printed, and
runs/<study>/best.yaml and trials.csv are written. Ctrl-C starts no new
trial, lets running ones stop, and still prints and exports what finished
(exit status 130); --resume continues the study later.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSweep(cmd.Context(), args[0], f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.study, "study", "", "study name (default: the config's name); {date} and {time} are expanded")
	fl.IntVar(&f.parallel, "parallel", -1, "trials run at once (default: search.parallelism, 0 = number of CPUs)")
	fl.StringVar(&f.storage, "storage", "", "where studies are stored: sqlite:///path.db, memory: or postgres://… to share with workers (default: sqlite in OUTPUT_DIR/hpsearch.db)")
	fl.BoolVar(&f.resume, "resume", false, "continue an interrupted study: finished trials are kept, the rest run")
	fl.StringVar(&f.warmStart, "warm-start", "", "start from a stored study's best trials and final ranges (overrides search.warm_start)")
	fl.BoolVar(&f.json, "json", false, "print the JSON document instead of tables")
	fl.StringArrayVar(&f.sets, "set", nil, "override a config key (key=value), repeatable; a hyperparameter name pins it")
	topFlag(cmd, &f.top)
	wideFlag(cmd, &f.wide)
	registerShared(cmd, &f.shared)
	return cmd
}

func runSweep(ctx context.Context, path string, f runFlags, stdout, stderr io.Writer) error {
	path = sharedConfigPath(path, f.storage)
	s, err := study.Load(path, f.sets, f.study)
	if err != nil {
		return err
	}
	printWarnings(stderr, s.Config)
	par := s.Config.Search.Parallelism
	if f.parallel >= 0 {
		par = f.parallel
	} else if f.parallel != -1 {
		return usageErr("--parallel %d: must be 0 (the number of CPUs) or more", f.parallel)
	}
	storage := f.storage
	if storage == "" {
		storage = defaultStorage(s.Config.Output.Dir)
	}
	store, closeStore, err := openStore(storage)
	if err != nil {
		return err
	}
	defer closeStore()
	return s.Run(ctx, store, study.RunOptions{
		Parallel: par, Resume: f.resume, WarmStart: f.warmStart, Sets: f.sets, Shared: f.shared,
		Where: redact(storage), ResumeHint: resumeHint(path, f, s.Name), ResumeCommand: resumeCommandIfKept(path, f, s.Name),
		Log: logTo(stderr), Warn: warnTo(stderr),
		Progress: func(total int) study.Progress { return newProgress(stderr, total, s.Goal()) },
		Exports:  true,
		Report: func(o *study.Outcome) error {
			// The files first: a reader of stdout that goes away (| head)
			// must not cost them. Nor do files that cannot be written (a
			// disk full by the end) cost the tables: with a memory store
			// they are all that is left of the sweep.
			exportErr := export(o.Study, o.Trials, o.OutputDir, stderr)
			return errors.Join(exportErr, writeOutcome(o, f.json, f.top, study.TrialOutputs(o.OutputDir, o.Study.Name), tableOut(stdout, f.wide)))
		},
	})
}

// logTo prints a study's lines for the user on w.
func logTo(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(w, "hpsearch: "+msg) }
}

// warnTo prints a study's warnings on w.
func warnTo(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(w, "hpsearch: warning: "+msg) }
}

// report prints the tables, or the JSON document with --json.
// output says where a failed trial's whole output is (see study.TrialOutputs).
func report(s results.Study, trials []results.Trial, asJSON bool, top int, output trialOutput, w io.Writer) error {
	if asJSON {
		return results.WriteJSON(w, results.NewDocument(s, trials))
	}
	if err := results.WriteSummary(w, s, trials); err != nil {
		return err
	}
	if err := results.WritePruning(w, trials); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := results.WriteRanked(w, s, results.Rank(trials, s.Goal), top); err != nil {
		return err
	}
	if err := results.WriteFailures(w, trials, output); err != nil {
		return err
	}
	if len(s.Rounds) > 1 {
		fmt.Fprintln(w, "\nHow the ranges narrowed, round by round:")
		if err := results.WriteRounds(w, s.Rounds); err != nil {
			return err
		}
	}
	for _, name := range results.ParamNames(trials) {
		if name == "learning_rate" {
			fmt.Fprintln(w, "\nBy power of ten of the learning rate:")
			return results.WriteLearningRatesFor(w, trials, "learning_rate", s.Goal)
		}
	}
	return nil
}

// export writes runs/<study>/best.yaml, trials.csv and report.html.
func export(s results.Study, trials []results.Trial, dir string, stderr io.Writer) error {
	out := filepath.Join(dir, s.Name)
	if err := os.MkdirAll(out, 0o777); err != nil {
		return failed(fmt.Errorf("export: %w", err))
	}
	if best, ok := results.Best(trials, s.Goal); ok {
		b := results.NewBestFile(s, best)
		if err := writeFile(filepath.Join(out, "best.yaml"), func(w io.Writer) error { return results.WriteBestYAML(w, b) }); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(out, "trials.csv"), func(w io.Writer) error { return results.WriteCSV(w, trials) }); err != nil {
		return err
	}
	if err := writeReport(filepath.Join(out, "report.html"), s, trials, study.TrialOutputs(dir, s.Name)); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "hpsearch: wrote %s\n", out)
	return nil
}
