package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

func newValidateCmd(stdout io.Writer) *cobra.Command {
	var (
		sets   []string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "validate CONFIG",
		Short: "Check a config and describe its search space and plan",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := study.Load(args[0], sets, "")
			if err != nil {
				return err
			}
			printWarnings(cmd.ErrOrStderr(), s.Config)
			plan, err := s.Plan()
			if err != nil {
				return err
			}
			if asJSON {
				return results.WriteJSON(stdout, newValidateDoc(s, plan))
			}
			describe(stdout, s, plan)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a config key (key=value), repeatable")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what the config trains and the plan as a JSON document")
	return cmd
}

// printWarnings prints what the config allows but probably does not mean,
// one line each, in the form of its problems.
func printWarnings(w io.Writer, cfg *configs.Config) {
	for _, p := range cfg.Warnings {
		fmt.Fprintln(w, "hpsearch: "+p.Warning())
	}
}

// describeCondition says when a conditional parameter applies.
func describeCondition(d study.Dimension) string {
	if d.Parent == "" {
		return ""
	}
	vs := make([]string, len(d.Values))
	for i, v := range d.Values {
		vs[i] = fmt.Sprint(v)
	}
	return fmt.Sprintf(", only when %s is %s", d.Parent, strings.Join(vs, " or "))
}

func describe(w io.Writer, s *study.Study, plan study.Plan) {
	c := s.Config
	fmt.Fprintf(w, "%s: ok\n", c.File)
	fmt.Fprintf(w, "study     %s (seed %d)\n", s.Name, c.Seed)
	switch {
	case s.Benchmark != nil:
		describeBenchmark(w, s)
	case s.Command != nil:
		describeCommand(w, s)
	default:
		describeTrainer(w, s)
	}
	fmt.Fprintf(w, "metric    %s (%s)\n", c.Search.Metric, c.Search.Goal)
	fmt.Fprintln(w, "space:")
	for _, d := range plan.Space {
		fmt.Fprintf(w, "  %-20s %-14s %s%s\n", d.Name, d.Distribution, describeRange(d.Range, d.Distribution), describeCondition(d))
	}
	fmt.Fprintf(w, "plan      %s: %d trials", plan.Strategy, plan.Trials)
	if c.Search.Strategy == "coarse-to-fine" {
		rounds, per := c.Search.Rounds, c.Search.TrialsPerRound
		// Round 0 takes what the later rounds leave (search.roundSizes).
		if first := plan.Trials - (rounds-1)*per; rounds > 1 && first != per && first > 0 {
			fmt.Fprintf(w, " in %d rounds: %d in the coarse round 0, then %d of %d", rounds, first, rounds-1, per)
		} else {
			fmt.Fprintf(w, " in %d rounds of %d", rounds, plan.Trials/max(1, rounds))
		}
		fmt.Fprintf(w, ", narrowing around the best of each round")
	}
	fmt.Fprintf(w, ", %d at a time\n", plan.Parallel)
	if e := newEarlyStoppingLine(c.Search.EarlyStopping); e != nil {
		fmt.Fprintf(w, "early     %s: min_resource %d, max_resource %d, interval %d", e.Kind, e.MinResource, e.MaxResource, e.Interval)
		if e.ReductionFactor != nil {
			fmt.Fprintf(w, ", reduction_factor %g", *e.ReductionFactor)
		}
		if e.Budget != nil {
			fmt.Fprintf(w, ", budget %g", *e.Budget)
		}
		if e.MinTrials != nil {
			fmt.Fprintf(w, ", min_trials %d", *e.MinTrials)
		}
		fmt.Fprintln(w)
	}
	if c.Search.WarmStart != "" {
		fmt.Fprintf(w, "warm start from study %s: its best %d trials first, and its last round's ranges\n", c.Search.WarmStart, s.WarmStartPoints())
	}
}

// describeTrainer says what the built-in trainer trains: data, model and
// base settings.
func describeTrainer(w io.Writer, s *study.Study) {
	c := s.Config
	switch {
	case c.Model.Kind == "function":
		fmt.Fprintf(w, "objective the %s landscape (the weights are the coordinates)\n", c.Model.Function)
	case c.Data.CSV != nil:
		fmt.Fprintf(w, "data      %s, target %s: %d training rows, %d validation rows, %d features\n",
			c.Data.CSV.Path, c.Data.CSV.Target, s.Trainer.TrainRows, s.Trainer.ValidationRows, len(s.Trainer.Features))
	case c.Data.Synthetic != nil:
		fmt.Fprintf(w, "data      synthetic %s: %d training rows, %d validation rows, %d features\n",
			c.Data.Synthetic.Kind, s.Trainer.TrainRows, s.Trainer.ValidationRows, len(s.Trainer.Features))
	}
	if len(s.Trainer.Classes) > 0 {
		fmt.Fprintf(w, "classes   %s\n", strings.Join(s.Trainer.Classes, ", "))
	}
	m := c.Model
	fmt.Fprintf(w, "model     %s", m.Kind)
	if m.Loss != "" { // a function model is its own loss
		fmt.Fprintf(w, ", loss %s", m.Loss)
	}
	if m.Kind == "mlp" {
		fmt.Fprintf(w, ", hidden %v, %s", m.Hidden, m.Activation)
	}
	fmt.Fprintln(w)
	t := c.Trainer
	patience := fmt.Sprintf("patience %d", t.Patience)
	if t.Monitor == "validation_loss" {
		patience += " on the validation loss, keeping the weights of its lowest"
	}
	fmt.Fprintf(w, "trainer   %s, learning rate %g, at most %d iterations, gradient threshold %g, %s, init N(%g, %g²), restarts %d\n",
		t.Optimizer, t.LearningRate, t.MaxIterations, t.GradientThreshold, patience, t.Init.Mean, t.Init.Std, t.Restarts)
}

func describeRange(r results.Range, dist string) string {
	if r.Choices != nil {
		parts := make([]string, len(r.Choices))
		for i, v := range r.Choices {
			parts[i] = results.FormatValue(v)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	s := fmt.Sprintf("[%s, %s]", results.FormatValue(r.Low), results.FormatValue(r.High))
	if dist == "powers_of_ten" {
		s += " every power of ten"
	}
	return s
}

// describeCommand is `validate`'s line on the program a command study runs.
func describeCommand(w io.Writer, s *study.Study) {
	c := s.Config
	fmt.Fprintf(w, "command   %s (in %s", strings.Join(s.Command.Command().Argv, " "), c.Trainer.Workdir)
	if c.Trainer.Timeout > 0 {
		fmt.Fprintf(w, ", timeout %s", c.Trainer.Timeout)
	}
	if n := s.Command.Devices(); n > 0 {
		fmt.Fprintf(w, ", devices %s", strings.Join(c.Trainer.Devices, ", "))
	}
	fmt.Fprintf(w, "); metric %s of the values printed", c.Search.MetricStrategy)
	if c.Search.MetricRegex != "" {
		fmt.Fprintf(w, ", read with %q", c.Search.MetricRegex)
	}
	fmt.Fprintln(w)
}
