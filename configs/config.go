// Package configs holds the typed sweep configuration: loading (a strict
// yaml.v3 pass for line numbers, then viper for environment variables and
// --set overrides), validation, defaults, and the shipped example configs.
package configs

import (
	"time"

	"github.com/hpsearch/hpsearch/internal/choice"
)

// Config is one sweep, fully resolved: defaults filled, validated.
type Config struct {
	File       string // the path it was loaded from ("" for a reader)
	Name       string // study name
	Seed       uint64 // master seed
	Data       Data
	Model      Model
	Trainer    Trainer
	Search     Search
	Parameters []Parameter // in document order
	Output     Output
	Benchmark  string // a known test function instead of data/model/trainer (later issue)

	// Warnings are what is allowed but probably not meant (a key the
	// chosen optimiser ignores); run and validate print them.
	Warnings []Problem
}

// Data says where the training data come from.
type Data struct {
	Synthetic   *Synthetic // exactly one of Synthetic and CSV
	CSV         *CSV
	Validation  float64 // fraction held out for the metric
	Standardize bool    // scaling fitted on the training split only
}

// Synthetic is a seeded generated data set.
type Synthetic struct {
	Kind     string // linear | polynomial | sine | moons | blobs
	Samples  int
	Features int
	Noise    float64
	Degree   int // polynomial
	Classes  int // blobs
}

// CSV is a data file with a header row.
type CSV struct {
	Path     string // resolved relative to the config file's directory
	Target   string
	Features []string // nil means every column but the target
}

// Model is the model and its loss.
type Model struct {
	Kind       string // linear | polynomial | logistic | softmax | mlp | function
	Hidden     []int
	Activation string
	Degree     int
	Function   string
	Dimension  int
	Loss       string
}

// Init is the Gaussian the initial weights are drawn from.
type Init struct {
	Mean float64
	Std  float64
}

// Trainer holds the base hyperparameters; searched parameters override them.
type Trainer struct {
	Optimizer         string
	LearningRate      float64
	Momentum          float64
	BatchSize         int
	MaxIterations     int
	GradientThreshold float64
	Patience          int
	MinDelta          float64
	Monitor           string
	TimeLimit         time.Duration
	Init              Init
	Restarts          int
	// BatchTrials is auto or off: whether trials of a round that train on
	// the same data share their passes over it (batched trials).
	BatchTrials string

	// An external training program instead of the built-in trainer.
	Command []string          // argv, each element a template; nil = the built-in trainer
	Workdir string            // where it runs, resolved against the config file's directory
	Env     map[string]string // added to hpsearch's environment
	Timeout time.Duration     // per trial; 0 = none
	Devices []string          // a pool handed out one per running trial
	// Launcher says where the program runs: here, or as Slurm batch jobs.
	Launcher Launcher
}

// Search is the strategy and its budget.
type Search struct {
	Strategy       string // grid | random | powers-of-ten | coarse-to-fine
	Rounds         int
	TrialsPerRound int
	Trials         int // total budget; Rounds × TrialsPerRound when both are given
	Keep           float64
	Parallelism    int    // 0 = number of CPUs
	Metric         string // validation_loss | train_loss | accuracy; with a command any name it prints
	Goal           string // minimize | maximize
	WarmStart      string
	GridPoints     int // grid: values per continuous parameter; default 5
	Batch          int // coarse-to-fine-gp and bayes: trials proposed together after round 0

	MetricStrategy  string // command: last | min | max of the printed values
	MetricRegex     string // command: how to find the metric in stdout; "" = JSON lines or name=value
	MaxFailedTrials int    // stop the sweep when more trials than this failed; 0 = no limit

	EarlyStopping *EarlyStopping // nil = every trial runs to its end
}

// EarlyStopping prunes unpromising trials while they run. The resource is
// iterations for the built-in trainer and reported steps for commands.
type EarlyStopping struct {
	Kind            string  // successive_halving | hyperband | median
	MinResource     int     // first rung; median: first step judged
	MaxResource     int     // last rung; default trainer.max_iterations
	ReductionFactor float64 // η: a rung keeps the best 1/η
	Interval        int     // built-in trainer: iterations between reports; default min_resource
	MinTrials       int     // median: earlier trials needed at a step before judging
	Budget          float64 // auto: the share of a round's iterations it may run
}

// Output says where results are written.
type Output struct {
	Dir string
}

// Distribution kinds of a searched parameter.
const (
	Uniform     = "uniform"
	LogUniform  = "log_uniform"
	Int         = "int"
	Choice      = "choice"
	PowersOfTen = "powers_of_ten"
)

// Parameter is one searched hyperparameter.
type Parameter struct {
	Name    string
	Dist    string  // one of the distribution kinds above
	Low     float64 // uniform, log_uniform, int: the range; powers_of_ten: exponents
	High    float64
	Log     bool       // int: sample in log space
	Choices []any      // choice: float64, int64 or string values
	When    *Condition // nil: the parameter applies to every trial
	Line    int        // line in the config file, for messages
}

// Condition restricts a parameter to the trials where another parameter,
// a choice declared before it, took one of Values. Elsewhere the
// parameter is absent: not sampled, not stored, and the trainer uses the
// config's base value.
type Condition struct {
	Parent string
	Values []any // each one of the parent's choices
}

// Applies reports whether a parameter with this condition takes part in a
// trial whose parent value is v (ok false: the parent is absent itself).
// Values are compared as printed: a value read back from the store may be
// another Go type than the configured one.
func (c *Condition) Applies(v any, ok bool) bool {
	if c == nil {
		return true
	}
	return ok && choice.Has(c.Values, v)
}

// IsLog reports whether the parameter is best searched in log space.
func (p Parameter) IsLog() bool {
	return p.Dist == LogUniform || p.Dist == PowersOfTen || (p.Dist == Int && p.Log)
}
