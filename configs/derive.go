package configs

// Filling the defaults: the static ones of the key table, then the derived
// ones (a study's name, the loss for a metric, the budget's split, early
// stopping's resources), which depend on other keys.

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"
)

// fillDefaults applies the static defaults of absent keys, then the derived
// ones, which may depend on any static value (the loss on the metric).
func fillDefaults(c *Config, has hasFunc) {
	for _, f := range fields {
		if f.Default == "" || has(f.Path) || !f.applies(c) {
			continue
		}
		v, msg := decodeValue(f, valueNode(f.Default))
		if msg != "" {
			// The table is code: a bad literal is a bug caught by the tests.
			panic(fmt.Sprintf("configs: default of %s: %s", f.Path, msg))
		}
		f.set(c, v)
	}
	for _, f := range fields {
		if f.derive != nil && f.applies(c) {
			f.derive(c, has)
		}
	}
}

// unsafeNameChars are runs of characters a study name may not hold.
var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// deriveName names the study after the config file; characters a study name
// may not hold become "-".
func deriveName(c *Config, has hasFunc) {
	if has("name") {
		return
	}
	base := filepath.Base(c.File)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	base = unsafeNameChars.ReplaceAllString(base, "-")
	if base == "" || base == "." || base == ".." || base == "-" {
		base = "study"
	}
	c.Name = base
}

func deriveFeatures(c *Config, has hasFunc) {
	s := c.Data.Synthetic
	if has("data.synthetic.features") {
		return
	}
	s.Features = 1
	if s.Kind == "moons" || s.Kind == "blobs" {
		s.Features = 2
	}
}

func deriveClasses(c *Config, has hasFunc) {
	s := c.Data.Synthetic
	if has("data.synthetic.classes") {
		return
	}
	switch s.Kind {
	case "blobs":
		s.Classes = 3
	case "moons":
		s.Classes = 2
	}
}

func deriveDimension(c *Config, has hasFunc) {
	if has("model.dimension") || c.Model.Kind != "function" {
		return
	}
	c.Model.Dimension = 2
	if c.Model.Function == "double_well" {
		c.Model.Dimension = 1
	}
}

// deriveLoss picks the loss the model kind is meant for. An mlp can do
// either task: it is a classifier when the data are (moons, blobs) or when
// accuracy is the metric, since a CSV's task is unknown until it is read.
func deriveLoss(c *Config, has hasFunc) {
	if has("model.loss") || c.Model.Kind == "function" {
		return
	}
	c.Model.Loss = "mse"
	switch c.Model.Kind {
	case "logistic", "softmax":
		c.Model.Loss = "cross_entropy"
	case "mlp":
		if dataTask(c) == taskClassification || c.Search.Metric == "accuracy" {
			c.Model.Loss = "cross_entropy"
		}
	}
}

// deriveMetric reads val_loss from a command by default: the name Keras,
// Lightning and most training scripts print.
func deriveMetric(c *Config, has hasFunc) {
	if !has("search.metric") && len(c.Trainer.Command) > 0 {
		c.Search.Metric = commandMetric
	}
}

// deriveBatch fills search.batch for the strategies that use it only, so
// that the others' configs stay as they were.
func deriveBatch(c *Config, has hasFunc) {
	if !has("search.batch") && (c.Search.Strategy == "coarse-to-fine-gp" || c.Search.Strategy == "bayes") {
		c.Search.Batch = 4
	}
}

func deriveGoal(c *Config, has hasFunc) {
	if !has("search.goal") {
		c.Search.Goal = naturalGoal(c.Search.Metric)
	}
}

// naturalGoal is the direction in which a metric gets better.
func naturalGoal(metric string) string {
	if metric == "accuracy" {
		return "maximize"
	}
	return "minimize"
}

// deriveBudget fills whichever of rounds, trials_per_round and trials were
// not given from those that were. A total is split the way coarse-to-fine
// searches best (see coarseRounds); rounds or trials_per_round given by the
// user are kept. Round 0 takes whatever the later rounds leave, so the
// total is exactly trials (search.roundSizes).
func deriveBudget(c *Config, has hasFunc) {
	s := &c.Search
	// A key given was validated to 1 or more, so 0 is one not given.
	s.Trials, s.Rounds, s.TrialsPerRound = SplitBudget(s.Trials, s.Rounds, s.TrialsPerRound)
}

// SplitBudget fills whichever of trials, rounds and perRound is 0 from
// the others, as a config's search section does: a total is split the way
// coarse-to-fine searches best (see coarseRounds), rounds or perRound
// given are kept, and with no total, rounds default to 4 and perRound to
// 24. The Go API (study.Options) splits its budget with it too.
func SplitBudget(trials, rounds, perRound int) (int, int, int) {
	hasRounds, hasPer, hasTrials := rounds > 0, perRound > 0, trials > 0
	switch {
	case hasTrials && !hasRounds && !hasPer:
		rounds, perRound = coarseRounds(trials)
	case hasTrials && hasRounds && !hasPer:
		perRound = trials
		if rounds > 1 {
			perRound = max(1, (trials-coarseTrials(trials))/(rounds-1))
		}
	case hasTrials && !hasRounds && hasPer:
		rounds = 1 + max(0, (trials-coarseTrials(trials))/perRound)
	case !hasTrials:
		if !hasRounds {
			rounds = 4
		}
		if !hasPer {
			perRound = 24
		}
		trials = rounds * perRound
	}
	return trials, rounds, perRound
}

// How a total budget is split, as measured with cmd/hpsearch-bench against
// Optuna's TPE at 50, 100 and 200 trials (BENCHMARKS.md, issue 6).
const (
	// coarseShare is the part of a budget spent on the coarse round. A
	// quarter was best: a third left too few narrowing rounds, a tenth too
	// rough a start on functions with several basins.
	coarseShare = 0.25
	// fineRoundSize is the usual size of a narrowing round: small rounds
	// narrow often, each around a fresher incumbent; five was clearly worse
	// (too few trials to judge a box) and fifteen worse at 100 trials.
	fineRoundSize = 10
	// maxFineRounds caps the narrowing rounds: past about eight, larger
	// rounds did better than more rounds (at 200 trials, rounds of 18 beat
	// fifteen rounds of 10), and rounds stay wide enough for many workers.
	maxFineRounds = 8
)

// coarseTrials is the coarse round's share of a budget, at least one trial.
func coarseTrials(trials int) int {
	return max(1, int(math.Ceil(coarseShare*float64(trials))))
}

// coarseRounds splits a total budget: the coarse round, then up to
// maxFineRounds rounds of about fineRoundSize (the rest divided evenly,
// round 0 taking the remainder). 100 trials: 28, then 8 rounds of 9.
func coarseRounds(trials int) (rounds, perRound int) {
	rest := trials - coarseTrials(trials)
	if rest < 1 {
		return 1, trials
	}
	fine := min(maxFineRounds, max(1, int(math.Round(float64(rest)/fineRoundSize))))
	return 1 + fine, rest / fine
}

// ceilDiv is ⌈a/b⌉ for positive b; values were validated before defaults.
func ceilDiv(a, b int) int {
	if b <= 0 {
		return 0
	}
	return int(math.Ceil(float64(a) / float64(b)))
}

// deriveMaxResource: a trial that is never stopped runs its whole budget.
// Commands report steps of their own, which the config cannot know.
func deriveMaxResource(c *Config, has hasFunc) {
	if e := c.Search.EarlyStopping; !has("search.early_stopping.max_resource") && len(c.Trainer.Command) == 0 {
		e.MaxResource = c.Trainer.MaxIterations
	}
}

// deriveMinResource gives successive halving four rungs (min·η^k for k =
// 0..3 below max): fewer prune too late to save much, more judge too early
// for the curves to mean anything.
func deriveMinResource(c *Config, has hasFunc) {
	e := c.Search.EarlyStopping
	if has("search.early_stopping.min_resource") || e.ReductionFactor < 2 {
		return
	}
	e.MinResource = max(1, int(float64(e.MaxResource)/math.Pow(e.ReductionFactor, 3)))
}

// deriveInterval reports at the first rung and at every multiple of it, so
// every rung min·η^k (η an integer) falls on a report. auto fits a curve
// to the reports, so it needs four by the first rung.
func deriveInterval(c *Config, has hasFunc) {
	if e := c.Search.EarlyStopping; !has("search.early_stopping.interval") {
		e.Interval = max(1, e.MinResource)
		if e.Kind == "auto" {
			e.Interval = max(1, e.MinResource/4)
		}
	}
}
