package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

func newEvalCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		sets   []string
		params string
		trial  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "eval CONFIG",
		Short: "Train one trial alone, no search",
		Long: `Train one trial with the config's base settings, or with the parameters
of an exported best.yaml (--params). The trial's seed comes from the study
seed and the trial number recorded in best.yaml, so the best trial of a sweep
is retrained to the same value.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEval(cmd.Context(), args[0], sets, params, trial, cmd.Flags().Changed("trial"), asJSON, stdout)
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a config key (key=value), repeatable")
	cmd.Flags().StringVar(&params, "params", "", "a best.yaml whose params (and trial number) to use")
	cmd.Flags().IntVar(&trial, "trial", 0, "trial number whose seed to use (default: the one in --params, else 0)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the trial as a JSON object")
	return cmd
}

func runEval(ctx context.Context, path string, sets []string, paramsFile string, trial int, trialSet, asJSON bool, stdout io.Writer) error {
	sw, err := prepare(path, sets, "")
	if err != nil {
		return err
	}
	sw.forEval()
	var params results.Params
	if paramsFile != "" {
		b, err := results.LoadBestYAML(paramsFile)
		if err != nil {
			return usageErr("%v", err)
		}
		params = b.Params
		if !trialSet {
			trial = b.Trial
		}
	}
	task := search.Task{Study: sw.study, Number: trial, Params: params, Seed: search.TrialSeed(sw.cfg.Seed, trial)}
	start := time.Now()
	t, err := sw.evaluator().Evaluate(ctx, task)
	if err != nil {
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: %w", err)}
	}
	t.Study, t.Number, t.Params, t.Seed = task.Study, task.Number, task.Params, task.Seed
	if t.Started.IsZero() {
		t.Started, t.Finished = start, time.Now()
	}
	if asJSON {
		if err := results.WriteJSON(stdout, results.TrialDocument(t)); err != nil {
			return err
		}
	} else {
		s := results.Study{Name: sw.study, Metric: sw.cfg.Search.Metric, Goal: sw.cfg.Search.Goal}
		if err := results.WriteRanked(stdout, s, []results.Trial{t}, 0); err != nil {
			return err
		}
	}
	if t.Status != results.StatusOK {
		return &exitError{code: exitNoSuccess, err: fmt.Errorf("trial %d %s: %s", t.Number, t.Status, firstNonEmpty(t.Error, t.StopReason))}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
