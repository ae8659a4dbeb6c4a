package configs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hpsearch/hpsearch/trainer"
)

// valueType is what a config key holds.
type valueType int

const (
	tSection  valueType = iota // a mapping of further keys
	tInt                       // int
	tUint                      // non-negative integer stored as uint64
	tFloat                     // float64
	tBool                      // bool
	tString                    // string
	tDuration                  // Go duration string, e.g. "30s"
	tHidden                    // hidden layer sizes: an int, a list of ints, or "32,16"
	tStrings                   // list of strings
	tEnv                       // mapping of environment variable names to strings
	tAny                       // a command's parameter: any number or name
)

// String names the type as REFERENCE.md and messages show it.
func (t valueType) String() string {
	switch t {
	case tSection:
		return "mapping"
	case tInt, tUint:
		return "integer"
	case tFloat:
		return "number"
	case tBool:
		return "bool"
	case tString:
		return "string"
	case tDuration:
		return "duration"
	case tHidden:
		return "int or list of ints"
	case tStrings:
		return "list of strings"
	case tEnv:
		return "mapping of names to strings"
	case tAny:
		return "number or string"
	}
	return "unknown"
}

// field is one config key: its type, its default, its rule and where its
// value goes. The table below is the single place defaults live: fillDefaults
// applies it and REFERENCE.md is checked against it. The rows of the
// trainer's hyperparameters take their type, default, rule and doc from the
// trainer's registry (see hyper).
type field struct {
	Path    string
	Type    valueType
	Default string   // YAML literal applied when the key is absent; "" = no static default
	Note    string   // the default in words when it is derived or implied by the zero value
	Allowed []string // accepted string values
	Doc     string   // one line for REFERENCE.md

	rule   *rule                        // range check for numbers (and each hidden layer)
	set    func(c *Config, v any)       // stores a decoded value
	get    func(c *Config) any          // hyperparameters: reads the stored value back
	open   func(c *Config)              // optional section: allocates it when present
	exists func(c *Config) bool         // optional section: whether it was given
	derive func(c *Config, has hasFunc) // computes a default from other values
}

// hasFunc reports whether a key path was given in the file or an override.
type hasFunc func(path string) bool

// rule is a range a number must lie in; its text is shown in messages and
// in REFERENCE.md.
type rule struct {
	text string // e.g. "> 0", "in [0, 1)"
	ok   func(x float64) bool
	// lo and hi bound a range of integers (between): each side gets its own
	// message, "must be >= 1" or "must be at most 1000000".
	lo, hi  float64
	bounded bool
}

// check says what is wrong with x, or "" when it is fine (or r is nil).
func (r *rule) check(x float64) string {
	return r.checkShown(x, formatNumber(x))
}

// checkShown is check with the value shown as got, e.g. as written in the
// file when x only approximates it (1e400 read as +Inf).
func (r *rule) checkShown(x float64, got string) string {
	switch {
	case r == nil || r.ok(x):
		return ""
	case r.bounded && x > r.hi:
		return fmt.Sprintf("must be at most %s, got %s", formatNumber(r.hi), got)
	case r.bounded:
		return fmt.Sprintf("must be >= %s, got %s", formatNumber(r.lo), got)
	}
	return fmt.Sprintf("must be %s, got %s", r.text, got)
}

// formatNumber writes an integral number in full (10000000, not 1e+07).
func formatNumber(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e21 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(x)
}

// between is the integers lo to hi.
func between(lo, hi float64) *rule {
	return &rule{
		text: fmt.Sprintf("%s to %s", formatNumber(lo), formatNumber(hi)),
		ok:   func(x float64) bool { return x >= lo && x <= hi },
		lo:   lo, hi: hi, bounded: true,
	}
}

var (
	positive = &rule{text: "> 0", ok: func(x float64) bool { return x > 0 }}
	// openUnit is [0, 1): a fraction that may be 0 but must leave something.
	openUnit = &rule{text: "in [0, 1)", ok: func(x float64) bool { return x >= 0 && x < 1 }}
	// halfOpenUnit is (0, 1]: a non-empty share of something.
	halfOpenUnit = &rule{text: "in (0, 1]", ok: func(x float64) bool { return x > 0 && x <= 1 }}
)

func atLeast(lo float64) *rule {
	return &rule{text: fmt.Sprintf(">= %v", lo), ok: func(x float64) bool { return x >= lo }}
}

// Bounds of the keys whose size is what a run costs. Each keeps a typo (an
// extra zero, a unit mistaken) from planning a run that cannot finish or
// fit in memory; validate checks them, and every count derived from them,
// before anything is stored. REFERENCE.md documents each.
const (
	// MaxTrials is the most trials a study plans (search.trials, rounds ×
	// trials_per_round, the grid's points): 100,000 branin trials take 9 s
	// and 240 MB, so a million stays within minutes and a few GB.
	MaxTrials = 1_000_000
	// MaxRounds bounds coarse-to-fine's rounds; each needs a trial.
	MaxRounds = 10_000
	// MaxChoices is the longest choice list: a report draws a tick per
	// value (1.3 million values made a 933 MB report). More values than
	// this are an int or uniform range.
	MaxChoices = 1000
	// MaxReduction bounds early stopping's η: a rung keeps 1/η of the
	// trials that reached it, so past 100 no rung keeps any of a round of
	// realistic size.
	MaxReduction = 100
	// MaxReports bounds the built-in trainer's early-stopping reports per
	// trial (max_resource / interval), each kept while the study runs.
	MaxReports = 1_000_000
	// MaxIntRange bounds the ends of an int range: ranges are sampled and
	// narrowed in float64, whose integers are exact up to 2^53.
	MaxIntRange = 1 << 53
	// Powers of ten: 10^e must be a finite, nonzero float64 (1e-323 is
	// the smallest, 1e308 the largest), and for an integer key fit int64.
	MinExponent, MaxExponent = -323, 308
	MaxIntExponent           = 18
	// warnTrials and warnWeights are the sizes over which validate and run
	// say what a study will cost.
	warnTrials  = 100_000
	warnWeights = 1_000_000
)

// ref adapts a pointer to a Config field into a setter, so that each table
// row says where its value goes in one short expression.
func ref[T any](get func(c *Config) *T) func(c *Config, v any) {
	return func(c *Config, v any) { *get(c) = v.(T) }
}

// hyper is the row of a trainer hyperparameter: its key, type, default,
// rule and doc are the registry's; where the value goes in a Config is
// this package's.
func hyper[T any](name string, get func(c *Config) *T) *field {
	h, ok := trainer.LookupHyperparam(name)
	if !ok {
		panic("configs: no trainer hyperparameter " + name) // the table is code
	}
	return &field{Path: h.Key, Type: hyperTypes[h.Type], Default: h.Default, Allowed: h.Allowed, Doc: h.Doc,
		rule: ruleOf(h.Range), set: ref(get), get: func(c *Config) any { return *get(c) }}
}

// hyperTypes is the config type of each registry value type.
var hyperTypes = map[trainer.ValueType]valueType{
	trainer.ValueFloat:    tFloat,
	trainer.ValueInt:      tInt,
	trainer.ValueString:   tString,
	trainer.ValueDuration: tDuration,
	trainer.ValueLayers:   tHidden,
}

// ruleOf is the config rule of a registry range: a closed one is a range
// of integers, whose ends get a message each (see between).
func ruleOf(r *trainer.Range) *rule {
	if r == nil {
		return nil
	}
	return &rule{text: r.String(), ok: r.Contains, lo: r.Min, hi: r.Max, bounded: r.Closed()}
}

// Allowed values of the string keys (the hyperparameters' are in the
// trainer's registry).
var (
	syntheticKinds     = []string{"linear", "polynomial", "sine", "moons", "blobs"}
	modelKinds         = []string{"linear", "polynomial", "logistic", "softmax", "mlp", "function"}
	functions          = []string{"rosenbrock", "rastrigin", "double_well", "plateau"}
	losses             = []string{"rss", "mse", "cross_entropy"}
	monitors           = []string{"training_loss", "validation_loss"}
	strategies         = []string{"grid", "random", "sobol", "powers-of-ten", "coarse-to-fine", "coarse-to-fine-gp", "bayes"}
	metrics            = []string{"validation_loss", "train_loss", "accuracy"}
	goals              = []string{"minimize", "maximize"}
	metricStrategies   = []string{"last", "min", "max"}
	earlyStoppingKinds = []string{"successive_halving", "hyperband", "median", "auto"}
	benchmarks         = []string{"branin", "hartmann3", "hartmann6", "styblinski_tang", "rosenbrock", "ackley", "rastrigin", "levy"}
)

// fields is every config key in document order. Sections come before their
// keys, so decoding and filling can rely on a parent being in place.
var fields = []*field{
	{Path: "name", Type: tString, Note: "config file name without extension", Doc: "study name; may hold {date} and {time}, expanded when the study starts",
		set: ref(func(c *Config) *string { return &c.Name }), derive: deriveName},
	{Path: "seed", Type: tUint, Default: "1", Doc: "master seed: data, splits and every trial's seed derive from it",
		set: ref(func(c *Config) *uint64 { return &c.Seed })},
	{Path: "benchmark", Type: tString, Allowed: benchmarks, Note: "none", Doc: "a known test function of parameters x0, x1, … instead of data/model/trainer",
		set: ref(func(c *Config) *string { return &c.Benchmark })},

	{Path: "data", Type: tSection, Doc: "where the training data come from: exactly one of synthetic and csv"},
	{Path: "data.synthetic", Type: tSection, Doc: "a seeded generated data set",
		open:   func(c *Config) { c.Data.Synthetic = &Synthetic{} },
		exists: func(c *Config) bool { return c.Data.Synthetic != nil }},
	{Path: "data.synthetic.kind", Type: tString, Allowed: syntheticKinds, Note: "required", Doc: "moons and blobs are classification sets, the others regression",
		set: ref(func(c *Config) *string { return &c.Data.Synthetic.Kind })},
	{Path: "data.synthetic.samples", Type: tInt, Default: "1000", Doc: "rows", rule: atLeast(2),
		set: ref(func(c *Config) *int { return &c.Data.Synthetic.Samples })},
	{Path: "data.synthetic.features", Type: tInt, Note: "1; 2 for moons and blobs", Doc: "columns; moons has exactly 2", rule: atLeast(1),
		set: ref(func(c *Config) *int { return &c.Data.Synthetic.Features }), derive: deriveFeatures},
	{Path: "data.synthetic.noise", Type: tFloat, Default: "0.1", Doc: "standard deviation of the Gaussian noise", rule: atLeast(0),
		set: ref(func(c *Config) *float64 { return &c.Data.Synthetic.Noise })},
	{Path: "data.synthetic.degree", Type: tInt, Default: "3", Doc: "polynomial kind: highest power", rule: between(1, trainer.MaxDegree),
		set: ref(func(c *Config) *int { return &c.Data.Synthetic.Degree })},
	{Path: "data.synthetic.classes", Type: tInt, Note: "3 for blobs, 2 for moons, 0 otherwise", Doc: "blobs: number of clusters; moons has exactly 2", rule: atLeast(2),
		set: ref(func(c *Config) *int { return &c.Data.Synthetic.Classes }), derive: deriveClasses},
	{Path: "data.csv", Type: tSection, Doc: "a data file with a header row",
		open:   func(c *Config) { c.Data.CSV = &CSV{} },
		exists: func(c *Config) bool { return c.Data.CSV != nil }},
	{Path: "data.csv.path", Type: tString, Note: "required", Doc: "relative to the config file's directory (also when given by --set or env)",
		set: ref(func(c *Config) *string { return &c.Data.CSV.Path })},
	{Path: "data.csv.target", Type: tString, Note: "required", Doc: "the column to predict",
		set: ref(func(c *Config) *string { return &c.Data.CSV.Target })},
	{Path: "data.csv.features", Type: tStrings, Note: "every column but the target", Doc: "the columns to predict from",
		set: ref(func(c *Config) *[]string { return &c.Data.CSV.Features })},
	{Path: "data.validation", Type: tFloat, Default: "0.2", Doc: "fraction held out for the metric", rule: openUnit,
		set: ref(func(c *Config) *float64 { return &c.Data.Validation })},
	{Path: "data.standardize", Type: tBool, Default: "true", Doc: "scale features, fitted on the training split only",
		set: ref(func(c *Config) *bool { return &c.Data.Standardize })},

	{Path: "model", Type: tSection, Doc: "the model and its loss"},
	{Path: "model.kind", Type: tString, Allowed: modelKinds, Default: "linear", Doc: "function trains on a loss landscape and needs no data",
		set: ref(func(c *Config) *string { return &c.Model.Kind })},
	hyper("hidden", func(c *Config) *[]int { return &c.Model.Hidden }),
	hyper("activation", func(c *Config) *string { return &c.Model.Activation }),
	hyper("degree", func(c *Config) *int { return &c.Model.Degree }),
	{Path: "model.function", Type: tString, Allowed: functions, Note: "required for kind function", Doc: "function: the loss landscape",
		set: ref(func(c *Config) *string { return &c.Model.Function })},
	{Path: "model.dimension", Type: tInt, Note: "2; 1 for double_well", Doc: "function: number of weights", rule: between(1, trainer.MaxWeights),
		set: ref(func(c *Config) *int { return &c.Model.Dimension }), derive: deriveDimension},
	{Path: "model.loss", Type: tString, Allowed: losses, Note: "mse; cross_entropy for logistic, softmax, and mlp on classification data or with metric accuracy", Doc: "regression models take rss or mse, classifiers cross_entropy",
		set: ref(func(c *Config) *string { return &c.Model.Loss }), derive: deriveLoss},

	{Path: "trainer", Type: tSection, Doc: "base hyperparameters; searched parameters override them"},
	hyper("optimizer", func(c *Config) *string { return &c.Trainer.Optimizer }),
	hyper("learning_rate", func(c *Config) *float64 { return &c.Trainer.LearningRate }),
	hyper("momentum", func(c *Config) *float64 { return &c.Trainer.Momentum }),
	hyper("batch_size", func(c *Config) *int { return &c.Trainer.BatchSize }),
	hyper("max_iterations", func(c *Config) *int { return &c.Trainer.MaxIterations }),
	hyper("gradient_threshold", func(c *Config) *float64 { return &c.Trainer.GradientThreshold }),
	hyper("patience", func(c *Config) *int { return &c.Trainer.Patience }),
	hyper("min_delta", func(c *Config) *float64 { return &c.Trainer.MinDelta }),
	{Path: "trainer.monitor", Type: tString, Allowed: monitors, Default: "training_loss", Doc: "what patience watches; validation_loss also keeps each trial's weights from the iteration with the lowest validation loss (for models that overfit), at the cost of a pass over the validation split at every check",
		set: ref(func(c *Config) *string { return &c.Trainer.Monitor })},
	hyper("time_limit", func(c *Config) *time.Duration { return &c.Trainer.TimeLimit }),
	{Path: "trainer.init", Type: tSection, Doc: "the Gaussian the initial weights are drawn from"},
	hyper("init_mean", func(c *Config) *float64 { return &c.Trainer.Init.Mean }),
	hyper("init_std", func(c *Config) *float64 { return &c.Trainer.Init.Std }),
	hyper("restarts", func(c *Config) *int { return &c.Trainer.Restarts }),
	{Path: "trainer.batch_trials", Type: tString, Allowed: []string{"auto", "off"}, Default: "auto", Doc: "auto: in a run on one machine, the trials of a round advance together, one pass over the data computing the steps of up to 16 of them, each trial keeping its own optimiser, stopping and history and giving the value it gives alone; only when every trial can (model linear, polynomial, logistic or softmax, a full-batch optimizer: gd, or momentum, nesterov or adam with batch_size at least the training rows, no time_limit); otherwise, or off, or in a study shared with workers, each trial runs alone",
		set: ref(func(c *Config) *string { return &c.Trainer.BatchTrials })},
	{Path: "trainer.command", Type: tStrings, Note: "none: the built-in trainer", Doc: "run your own training program for each trial instead: an argv list, no shell; each element a template (see below)",
		set: ref(func(c *Config) *[]string { return &c.Trainer.Command })},
	{Path: "trainer.workdir", Type: tString, Note: "the config file's directory", Doc: "command: where it runs; relative to the config file's directory",
		set: ref(func(c *Config) *string { return &c.Trainer.Workdir })},
	{Path: "trainer.env", Type: tEnv, Note: "none", Doc: "command: environment variables added to hpsearch's own",
		set: ref(func(c *Config) *map[string]string { return &c.Trainer.Env })},
	{Path: "trainer.timeout", Type: tDuration, Default: "0s", Doc: `command: limit per trial on its program's running time, e.g. "10m" (time paused at an early-stopping rung does not count); then its process group is stopped and the trial fails; 0s = none`,
		set: ref(func(c *Config) *time.Duration { return &c.Trainer.Timeout })},
	{Path: "trainer.devices", Type: tStrings, Note: "none", Doc: "command: device ids such as GPUs, [0, 1]; each running trial gets one of its own (CUDA_VISIBLE_DEVICES, HPSEARCH_DEVICE) and parallelism is capped at their number",
		set: ref(func(c *Config) *[]string { return &c.Trainer.Devices })},
	{Path: "trainer.launcher", Type: tSection, Doc: "command: where each trial's program runs: here, or as a batch job of a Slurm cluster (keys as sbatch names them)"},
	{Path: "trainer.launcher.kind", Type: tString, Allowed: launcherKinds, Default: "local", Doc: "local runs the program as a child of hpsearch; slurm submits one batch job per trial (sbatch) and follows it",
		set: ref(func(c *Config) *string { return &c.Trainer.Launcher.Kind })},
	{Path: "trainer.launcher.partition", Type: tString, Note: "the cluster's default", Doc: "slurm: sbatch --partition",
		set: ref(func(c *Config) *string { return &c.Trainer.Launcher.Partition })},
	{Path: "trainer.launcher.time", Type: tString, Note: "the partition's default", Doc: `slurm: sbatch --time, the job's time limit, e.g. "02:00:00"; a job past it is a failed trial (TIMEOUT)`,
		set: ref(func(c *Config) *string { return &c.Trainer.Launcher.Time })},
	{Path: "trainer.launcher.gres", Type: tString, Note: "none", Doc: `slurm: sbatch --gres, e.g. "gpu:1"`,
		set: ref(func(c *Config) *string { return &c.Trainer.Launcher.Gres })},
	{Path: "trainer.launcher.cpus_per_task", Type: tInt, Note: "Slurm's default", Doc: "slurm: sbatch --cpus-per-task", rule: atLeast(1),
		set: ref(func(c *Config) *int { return &c.Trainer.Launcher.CPUsPerTask })},
	{Path: "trainer.launcher.mem", Type: tString, Note: "the partition's default", Doc: `slurm: sbatch --mem, e.g. "16G"; a job past it is a failed trial (OUT_OF_MEMORY)`,
		set: ref(func(c *Config) *string { return &c.Trainer.Launcher.Mem })},
	{Path: "trainer.launcher.account", Type: tString, Note: "yours by default", Doc: "slurm: sbatch --account",
		set: ref(func(c *Config) *string { return &c.Trainer.Launcher.Account })},
	{Path: "trainer.launcher.sbatch_args", Type: tStrings, Note: "none", Doc: `slurm: further sbatch options, one argument each, e.g. ["--qos=long", "--constraint=a100"]`,
		set: ref(func(c *Config) *[]string { return &c.Trainer.Launcher.SbatchArgs })},
	{Path: "trainer.launcher.setup", Type: tStrings, Note: "none", Doc: `slurm: lines the job script runs (bash) before the program, e.g. ["module load cuda"]; the program itself is never run through a shell`,
		set: ref(func(c *Config) *[]string { return &c.Trainer.Launcher.Setup })},
	{Path: "trainer.launcher.retries", Type: tInt, Default: "2", Doc: "slurm: a job ended by NODE_FAIL or PREEMPTED is submitted again, same seed, up to this many times; then the trial fails", rule: atLeast(0),
		set: ref(func(c *Config) *int { return &c.Trainer.Launcher.Retries })},

	{Path: "search", Type: tSection, Doc: "the strategy and its budget"},
	{Path: "search.strategy", Type: tString, Allowed: strategies, Default: "coarse-to-fine", Doc: "how points are proposed",
		set: ref(func(c *Config) *string { return &c.Search.Strategy })},
	{Path: "search.rounds", Type: tInt, Note: "4; with only trials: 1 + min(8, round((trials − ⌈trials/4⌉) / 10)) (1 for a single trial); with trials and trials_per_round: 1 + (trials − ⌈trials/4⌉) / trials_per_round", Doc: "coarse-to-fine: rounds, the coarse round 0 included", rule: between(1, MaxRounds),
		set: ref(func(c *Config) *int { return &c.Search.Rounds }), derive: deriveBudget},
	{Path: "search.trials_per_round", Type: tInt, Note: "24; with trials: what round 0 leaves (about three quarters) divided by rounds − 1", Doc: "trials of each round after the first; round 0 takes the rest of trials; rounds × trials_per_round at most 1000000 when trials is not given", rule: between(1, MaxTrials),
		set: ref(func(c *Config) *int { return &c.Search.TrialsPerRound })},
	{Path: "search.trials", Type: tInt, Note: "rounds × trials_per_round", Doc: "total budget, exactly; must not exceed rounds × trials_per_round when all three are given", rule: between(1, MaxTrials),
		set: ref(func(c *Config) *int { return &c.Search.Trials })},
	{Path: "search.keep", Type: tFloat, Default: "0.25", Doc: "fraction of a round's best trials that define the next range", rule: halfOpenUnit,
		set: ref(func(c *Config) *float64 { return &c.Search.Keep })},
	{Path: "search.parallelism", Type: tInt, Default: "0", Doc: "concurrent trials; 0 = number of CPUs", rule: atLeast(0),
		set: ref(func(c *Config) *int { return &c.Search.Parallelism })},
	{Path: "search.metric", Type: tString, Default: "validation_loss", Doc: "what ranks trials: validation_loss, train_loss or accuracy (classifiers only); with trainer.command any name the program prints, default val_loss",
		set: ref(func(c *Config) *string { return &c.Search.Metric }), derive: deriveMetric},
	{Path: "search.goal", Type: tString, Allowed: goals, Note: "maximize for accuracy, minimize otherwise", Doc: "must agree with the metric",
		set: ref(func(c *Config) *string { return &c.Search.Goal }), derive: deriveGoal},
	{Path: "search.warm_start", Type: tString, Note: "none", Doc: "a stored study whose best trials seed the first round",
		set: ref(func(c *Config) *string { return &c.Search.WarmStart })},
	{Path: "search.grid_points", Type: tInt, Default: "5", Doc: "grid: values per continuous parameter; the grid's points (their product) at most 1000000", rule: between(2, MaxTrials),
		set: ref(func(c *Config) *int { return &c.Search.GridPoints })},
	{Path: "search.batch", Type: tInt, Note: "4 for coarse-to-fine-gp and bayes", Doc: "coarse-to-fine-gp and bayes: trials the model proposes together after round 0, the most that run at once; smaller batches learn more per trial", rule: between(1, MaxTrials),
		set: ref(func(c *Config) *int { return &c.Search.Batch }), derive: deriveBatch},
	{Path: "search.metric_strategy", Type: tString, Allowed: metricStrategies, Default: "last", Doc: "command: which of the metric's printed values is the trial's value",
		set: ref(func(c *Config) *string { return &c.Search.MetricStrategy })},
	{Path: "search.metric_regex", Type: tString, Note: "none: JSON lines or name=value pairs", Doc: "command: read the metric from stdout lines matching this regular expression: the value in (?P<value>…), the step in (?P<step>…)",
		set: ref(func(c *Config) *string { return &c.Search.MetricRegex })},
	{Path: "search.max_failed_trials", Type: tInt, Default: "0", Doc: "stop the sweep with exit status 1 once more trials than this have failed; 0 = no limit", rule: atLeast(0),
		set: ref(func(c *Config) *int { return &c.Search.MaxFailedTrials })},
	{Path: "search.early_stopping", Type: tSection, Doc: "stop unpromising trials early and give their compute to the promising ones",
		open:   func(c *Config) { c.Search.EarlyStopping = &EarlyStopping{} },
		exists: func(c *Config) bool { return c.Search.EarlyStopping != nil }},
	{Path: "search.early_stopping.kind", Type: tString, Allowed: earlyStoppingKinds, Note: "required", Doc: "successive_halving and hyperband compare a round's trials at rungs; median stops a trial worse than the median of earlier trials at the same step; auto is successive halving with a gentler cut before a fifth of max_resource, whose last rung lets on the trials whose learning curves are expected to end best (a curve's forecast where it still falls clearly, else its value), as many as about a third of the round's iterations pays for",
		set: ref(func(c *Config) *string { return &c.Search.EarlyStopping.Kind })},
	{Path: "search.early_stopping.max_resource", Type: tInt, Note: "trainer.max_iterations; required with trainer.command", Doc: "the last rung: iterations (built-in) or reported steps (command) of a trial that is never stopped", rule: atLeast(2),
		set: ref(func(c *Config) *int { return &c.Search.EarlyStopping.MaxResource }), derive: deriveMaxResource},
	{Path: "search.early_stopping.reduction_factor", Type: tFloat, Default: "3", Doc: "η: each rung keeps the best 1/η of the trials that reached it", rule: &rule{text: fmt.Sprintf("in [2, %d]", MaxReduction), ok: func(x float64) bool { return x >= 2 && x <= MaxReduction }},
		set: ref(func(c *Config) *float64 { return &c.Search.EarlyStopping.ReductionFactor })},
	{Path: "search.early_stopping.min_resource", Type: tInt, Note: "max_resource / η³, at least 1", Doc: "the first rung (median: the first step judged)", rule: atLeast(1),
		set: ref(func(c *Config) *int { return &c.Search.EarlyStopping.MinResource }), derive: deriveMinResource},
	{Path: "search.early_stopping.interval", Type: tInt, Note: "min_resource (auto: min_resource / 4)", Doc: "built-in trainer: iterations between two reports of the validation loss; max_resource / interval at most 1000000", rule: atLeast(1),
		set: ref(func(c *Config) *int { return &c.Search.EarlyStopping.Interval }), derive: deriveInterval},
	// The default budget is a third (the saving that makes early stopping
	// worth turning on for long trials, issue 18) less 4 %: trials that end
	// on their own after the last rung cannot be foreseen there and make the
	// sweep without early stopping shorter than the budget counts (3–8 % on
	// the suite's command sweep, which ran 0.33–0.35 of its steps at a full
	// third). Past 0.5 nothing changes with the default rungs: every trial
	// that reaches the last rung already finishes (BENCHMARKS.md, session 12).
	{Path: "search.early_stopping.budget", Type: tFloat, Default: "0.32", Doc: "auto: the share of what a round would run without early stopping that it may run: from the last rung, the trials with the best expected final values go on as far as it pays for (at least one a round; the rungs before the last are not held to it). 0.5 lets every trial that reaches the last rung finish: fewer winners lost, less saved", rule: &rule{text: "in (0, 1]", ok: func(x float64) bool { return x > 0 && x <= 1 }},
		set: ref(func(c *Config) *float64 { return &c.Search.EarlyStopping.Budget })},
	{Path: "search.early_stopping.min_trials", Type: tInt, Default: "5", Doc: "median: earlier trials that must have reached a step before it judges there", rule: atLeast(1),
		set: ref(func(c *Config) *int { return &c.Search.EarlyStopping.MinTrials })},

	{Path: "parameters", Type: tSection, Doc: "searched hyperparameters by key, in document order (see below)"},

	{Path: "output", Type: tSection, Doc: "where results are written"},
	{Path: "output.dir", Type: tString, Default: "runs", Doc: "results go to dir/STUDY/",
		set: ref(func(c *Config) *string { return &c.Output.Dir })},
}

// Settings of the built-in trainer that are not config keys. The trainer
// has no defaults of its own, so these are passed to it explicitly, like
// every key's value; they are kept here so that one place says what a
// trial runs with.
const (
	// AdamBeta2 and AdamEpsilon are Kingma & Ba's β2 and ε, which adam
	// always uses (its β1 is trainer.momentum).
	AdamBeta2   = 0.999
	AdamEpsilon = 1e-8
	// HistoryPoints is the most points of a trial's loss curve that are
	// kept (evenly thinned), for the report's plots and the store.
	HistoryPoints = 1000
)

// fieldByPath indexes fields by their dotted path.
var fieldByPath = func() map[string]*field {
	m := make(map[string]*field, len(fields))
	for _, f := range fields {
		m[f.Path] = f
	}
	return m
}()

// parentPath is the section a key belongs to; "" for top-level keys.
func parentPath(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// childKeys lists the keys directly under section, in table order.
func childKeys(section string) []string {
	var keys []string
	for _, f := range fields {
		if parentPath(f.Path) == section {
			keys = append(keys, f.Path[len(section)+boolInt(section != ""):])
		}
	}
	return keys
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// applies reports whether f's optional ancestor sections (data.synthetic,
// data.csv) exist, so that their defaults are filled only when given.
func (f *field) applies(c *Config) bool {
	for p := parentPath(f.Path); p != ""; p = parentPath(p) {
		if s := fieldByPath[p]; s.exists != nil && !s.exists(c) {
			return false
		}
	}
	return true
}
