package configs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/testfunc"
)

// parse loads a config from a string named c.yaml, with data paths relative
// to testdata.
func parse(t *testing.T, src string, sets ...string) (*Config, error) {
	t.Helper()
	return Parse(strings.NewReader(src), "c.yaml", "testdata", sets)
}

// problems returns the rendered problems of err, failing unless it is an *Error.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.Error()
	}
	return out
}

func TestLoadFull(t *testing.T) {
	got, err := Load(filepath.Join("testdata", "full.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		File: filepath.Join("testdata", "full.yaml"),
		Name: "full-{date}",
		Seed: 42,
		Data: Data{
			Synthetic:  &Synthetic{Kind: "polynomial", Samples: 2000, Features: 3, Noise: 0.05, Degree: 2},
			Validation: 0.25,
		},
		Model: Model{Kind: "mlp", Hidden: []int{32, 16}, Activation: "relu", Degree: 4, Loss: "rss"},
		Trainer: Trainer{
			Optimizer: "adam", LearningRate: 1e-3, Momentum: 0.8, BatchSize: 64, MaxIterations: 5000,
			GradientThreshold: 1e-8, Patience: 50, MinDelta: 1e-9, Monitor: "training_loss", TimeLimit: 30 * time.Second,
			Init: Init{Mean: 0.5, Std: 0.2}, Restarts: 3, BatchTrials: "auto", Launcher: Launcher{Kind: "local", Retries: 2},
		},
		Search: Search{
			Strategy: "random", Rounds: 3, TrialsPerRound: 10, Trials: 30, Keep: 0.5, Parallelism: 2,
			Metric: "train_loss", Goal: "minimize", WarmStart: "previous", GridPoints: 7, MetricStrategy: "last",
		},
		Parameters: []Parameter{
			{Name: "momentum", Dist: Uniform, Low: 0, High: 0.99, Line: 43},
			{Name: "learning_rate", Dist: LogUniform, Low: 1e-5, High: 1, Line: 44},
			{Name: "batch_size", Dist: Choice, Choices: []any{int64(16), int64(32), int64(64)}, Line: 45},
			{Name: "hidden", Dist: Choice, Choices: []any{"32,16", int64(8)}, Line: 46},
			{Name: "max_iterations", Dist: Int, Low: 100, High: 10000, Log: true, Line: 47},
			{Name: "init_std", Dist: PowersOfTen, Low: -3, High: 0, Line: 48},
			{Name: "optimizer", Dist: Choice, Choices: []any{"sgd", "adam"}, Line: 49},
			{Name: "time_limit", Dist: Choice, Choices: []any{"10s", "1m"}, Line: 50},
			{Name: "restarts", Dist: Choice, Choices: []any{int64(2)}, Line: 51},
			{Name: "min_delta", Dist: Choice, Choices: []any{int64(0), 1e-6}, Line: 52},
		},
		Output: Output{Dir: "out"},
		// sgd steps on one row without momentum: both keys do nothing in
		// half of the trials.
		Warnings: []Problem{
			{File: filepath.Join("testdata", "full.yaml"), Line: 43, Key: "parameters.momentum",
				Message: "optimizer sgd ignores momentum, yet trials with it get a value too, which changes nothing: add when: {optimizer: [adam]}"},
			{File: filepath.Join("testdata", "full.yaml"), Line: 45, Key: "parameters.batch_size",
				Message: "optimizer sgd ignores batch_size, yet trials with it get a value too, which changes nothing: add when: {optimizer: [adam]}"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(full.yaml) =\n%+v\nwant\n%+v", got, want)
		for i := range min(len(got.Parameters), len(want.Parameters)) {
			if !reflect.DeepEqual(got.Parameters[i], want.Parameters[i]) {
				t.Errorf("parameter %d = %+v, want %+v", i, got.Parameters[i], want.Parameters[i])
			}
		}
	}
}

func TestDefaults(t *testing.T) {
	got, err := Parse(strings.NewReader("data: {synthetic: {kind: linear}}\n"), "dir/my sweep.yaml", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		File: "dir/my sweep.yaml",
		Name: "my-sweep",
		Seed: 1,
		Data: Data{
			Synthetic:  &Synthetic{Kind: "linear", Samples: 1000, Features: 1, Noise: 0.1, Degree: 3},
			Validation: 0.2, Standardize: true,
		},
		Model: Model{Kind: "linear", Hidden: []int{16}, Activation: "tanh", Degree: 3, Loss: "mse"},
		Trainer: Trainer{
			Optimizer: "gd", LearningRate: 0.01, Momentum: 0.9, BatchSize: 32, MaxIterations: 1000,
			GradientThreshold: 1e-6, Monitor: "training_loss", Init: Init{Std: 0.1}, Restarts: 1, BatchTrials: "auto",
			Launcher: Launcher{Kind: "local", Retries: 2},
		},
		Search: Search{
			Strategy: "coarse-to-fine", Rounds: 4, TrialsPerRound: 24, Trials: 96, Keep: 0.25,
			Metric: "validation_loss", Goal: "minimize", GridPoints: 5, MetricStrategy: "last",
		},
		Output: Output{Dir: "runs"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults =\n%+v\nwant\n%+v", got, want)
	}
}

func TestDerivedDefaults(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(c *Config) bool
	}{
		{"name from the file", "model: {kind: function, function: rosenbrock}",
			func(c *Config) bool { return c.Name == "c" }},
		{"mlp on moons is a classifier", "data: {synthetic: {kind: moons}}\nmodel: {kind: mlp}",
			func(c *Config) bool {
				return c.Model.Loss == "cross_entropy" && c.Data.Synthetic.Features == 2 && c.Data.Synthetic.Classes == 2
			}},
		{"blobs have 3 classes", "data: {synthetic: {kind: blobs}}\nmodel: {kind: softmax}",
			func(c *Config) bool { return c.Data.Synthetic.Classes == 3 && c.Model.Loss == "cross_entropy" }},
		{"mlp on a csv with accuracy", "data: {csv: {path: houses.csv, target: price}}\nmodel: {kind: mlp}\nsearch: {metric: accuracy}",
			func(c *Config) bool { return c.Model.Loss == "cross_entropy" && c.Search.Goal == "maximize" }},
		{"mlp on a csv regresses", "data: {csv: {path: houses.csv, target: price}}\nmodel: {kind: mlp}",
			func(c *Config) bool { return c.Model.Loss == "mse" && c.Search.Goal == "minimize" }},
		{"function has no loss", "model: {kind: function, function: double_well}",
			func(c *Config) bool { return c.Model.Loss == "" && c.Model.Dimension == 1 }},
		{"function dimension 2", "model: {kind: function, function: rastrigin}",
			func(c *Config) bool { return c.Model.Dimension == 2 }},
		// A total alone: a quarter coarse, the rest in rounds of about 10,
		// round 0 taking what they leave (30 = 8 + 2 × 11, 50 = 14 + 4 × 9).
		{"small trial budget", "model: {kind: function, function: plateau}\nsearch: {trials: 30}",
			func(c *Config) bool {
				return c.Search.Rounds == 3 && c.Search.TrialsPerRound == 11 && c.Search.Trials == 30
			}},
		{"large trial budget", "model: {kind: function, function: plateau}\nsearch: {trials: 50}",
			func(c *Config) bool {
				return c.Search.Rounds == 5 && c.Search.TrialsPerRound == 9 && c.Search.Trials == 50
			}},
		// Past eight narrowing rounds the rounds grow instead: 200 = 56 + 8 × 18.
		{"budget of 200", "model: {kind: function, function: plateau}\nsearch: {trials: 200}",
			func(c *Config) bool {
				return c.Search.Rounds == 9 && c.Search.TrialsPerRound == 18 && c.Search.Trials == 200
			}},
		{"single trial", "model: {kind: function, function: plateau}\nsearch: {trials: 1}",
			func(c *Config) bool { return c.Search.Rounds == 1 && c.Search.TrialsPerRound == 1 }},
		// Given rounds or trials_per_round are kept; the coarse round still
		// takes a quarter or more (10 = 4 + 2 × 3, 10 = 6 + 4).
		{"trials and rounds", "model: {kind: function, function: plateau}\nsearch: {trials: 10, rounds: 3}",
			func(c *Config) bool {
				return c.Search.Rounds == 3 && c.Search.TrialsPerRound == 3 && c.Search.Trials == 10
			}},
		{"trials and per round", "model: {kind: function, function: plateau}\nsearch: {trials: 10, trials_per_round: 4}",
			func(c *Config) bool { return c.Search.Rounds == 2 && c.Search.TrialsPerRound == 4 }},
		{"trials below a given per round", "model: {kind: function, function: plateau}\nsearch: {trials: 5, trials_per_round: 8}",
			func(c *Config) bool {
				return c.Search.Rounds == 1 && c.Search.TrialsPerRound == 8 && c.Search.Trials == 5
			}},
		{"rounds alone", "model: {kind: function, function: plateau}\nsearch: {rounds: 2}",
			func(c *Config) bool { return c.Search.TrialsPerRound == 24 && c.Search.Trials == 48 }},
		{"csv path resolved", "data: {csv: {path: houses.csv, target: price}}",
			func(c *Config) bool { return c.Data.CSV.Path == filepath.Join("testdata", "houses.csv") }},
		{"hidden as int", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp, hidden: 8}",
			func(c *Config) bool { return reflect.DeepEqual(c.Model.Hidden, []int{8}) }},
		{"hidden as string", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp, hidden: \"32, 16\"}",
			func(c *Config) bool { return reflect.DeepEqual(c.Model.Hidden, []int{32, 16}) }},
		{"exponent without dot", "model: {kind: function, function: plateau}\ntrainer: {gradient_threshold: 1e-6, min_delta: \"2e-9\"}",
			func(c *Config) bool { return c.Trainer.GradientThreshold == 1e-6 && c.Trainer.MinDelta == 2e-9 }},
		{"integral float for int", "data: {synthetic: {kind: linear, samples: 1e4}}",
			func(c *Config) bool { return c.Data.Synthetic.Samples == 10000 }},
		{"empty file is all defaults but data", "model: {kind: function, function: plateau}",
			func(c *Config) bool { return c.Seed == 1 && c.Output.Dir == "runs" && c.Parameters == nil }},
		{"benchmark needs no data", "benchmark: branin\nparameters: {x0: {uniform: [-5, 10]}, x1: {uniform: [0, 15]}}",
			func(c *Config) bool { return c.Benchmark == "branin" && len(c.Parameters) == 2 }},
		{"benchmark coordinates in any order", "benchmark: levy\nparameters: {x2: {uniform: [-10, 10]}, x0: 1, x1: {uniform: [-10, 10]}}",
			func(c *Config) bool { return len(c.Parameters) == 3 && c.Parameters[0].Name == "x2" }},
		{"anchors and aliases", "model: {kind: function, function: plateau}\nparameters:\n  momentum: &r {uniform: [0, 0.5]}\n  init_mean: *r",
			func(c *Config) bool { return len(c.Parameters) == 2 && c.Parameters[1].High == 0.5 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v (model %+v, search %+v)", c, c.Model, c.Search)
			}
		})
	}
}

// base is a valid regression config that error cases add one mistake to.
const base = "data: {synthetic: {kind: linear}}\n"

func TestProblems(t *testing.T) {
	missing := filepath.Join("testdata", "nope.csv")
	tests := []struct {
		name string
		src  string
		sets []string
		want string
	}{
		{"unknown top-level key", base + "sead: 3", nil,
			`c.yaml:2: sead: unknown key, did you mean "seed"? (allowed: name, seed, benchmark, data, model, trainer, search, parameters, output)`},
		{"unknown nested key", base + "trainer: {learnig_rate: 0.1}", nil,
			`c.yaml:2: trainer.learnig_rate: unknown key, did you mean "learning_rate"? (allowed: optimizer, learning_rate, momentum, batch_size, max_iterations, gradient_threshold, patience, min_delta, monitor, time_limit, init, restarts, batch_trials, command, workdir, env, timeout, devices, launcher)`},
		{"unknown monitor", base + "trainer: {monitor: val_loss}", nil,
			`c.yaml:2: trainer.monitor: unknown value "val_loss" (allowed: training_loss, validation_loss)`},
		{"monitor validation on a landscape", "model: {kind: function, function: rosenbrock}\ntrainer: {monitor: validation_loss}", nil,
			`c.yaml:2: trainer.monitor: validation_loss needs a validation split of the data; model.kind function has none (allowed: training_loss)`},
		{"monitor validation with a command", "trainer: {command: [sh, train.sh], monitor: validation_loss}", nil,
			`c.yaml:1: trainer.monitor: validation_loss applies to the built-in trainer; with trainer.command your program decides when to stop (allowed: training_loss, or leave it out)`},
		{"unknown key without suggestion", base + "trainer:\n  init: {centre: 0}", nil,
			`c.yaml:3: trainer.init.centre: unknown key (allowed: mean, std)`},
		{"trainer.command is a list", base + "trainer: {command: python3 train.py}", nil,
			`c.yaml:2: trainer.command: must be a list of strings, got "python3 train.py"`},
		{"duplicate key", base + "seed: 1\nseed: 2", nil,
			`c.yaml:3: seed: given twice (first on line 2)`},
		{"section not a mapping", base + "trainer: 5", nil,
			`c.yaml:2: trainer: must be a mapping of keys (allowed: optimizer, learning_rate, momentum, batch_size, max_iterations, gradient_threshold, patience, min_delta, monitor, time_limit, init, restarts, batch_trials, command, workdir, env, timeout, devices, launcher)`},
		{"not a mapping at all", "- 1\n- 2", nil,
			`c.yaml:1: a config must be a mapping of keys (allowed: name, seed, benchmark, data, model, trainer, search, parameters, output)`},
		{"yaml syntax", "seed: [1,\n", nil,
			`c.yaml:1: did not find expected node content`},
		{"misspelt distribution", base + "parameters:\n  learning_rate: {unifrom: [0.1, 1]}", nil,
			`c.yaml:3: parameters.learning_rate.unifrom: unknown distribution, did you mean "uniform"? (allowed: uniform, log_uniform, int, choice, powers_of_ten, log, when)`},
		{"no distribution", base + "parameters:\n  learning_rate: {}", nil,
			`c.yaml:3: parameters.learning_rate: needs a distribution (allowed: uniform, log_uniform, int, choice, powers_of_ten)`},
		{"two distributions", base + "parameters:\n  learning_rate: {uniform: [0.1, 1], choice: [1]}", nil,
			`c.yaml:3: parameters.learning_rate: has both uniform and choice: give one distribution`},
		{"list instead of distribution", base + "parameters:\n  learning_rate: [0.1, 1]", nil,
			`c.yaml:3: parameters.learning_rate: must be a fixed value or one distribution such as {uniform: [0, 1]} (allowed: uniform, log_uniform, int, choice, powers_of_ten)`},
		{"low not below high", base + "parameters:\n  momentum: {uniform: [0.5, 0.5]}", nil,
			`c.yaml:3: parameters.momentum: uniform range needs low < high, got [0.5, 0.5]`},
		{"log range at zero", base + "parameters:\n  learning_rate: {log_uniform: [0, 1]}", nil,
			`c.yaml:3: parameters.learning_rate: a log range must be above 0, got [0, 1]`},
		{"log int below one", base + "parameters:\n  batch_size: {int: [0, 64], log: true}", nil,
			`c.yaml:3: parameters.batch_size: a log range must be above 0, got [0, 64]`},
		{"log on uniform", base + "parameters:\n  momentum: {uniform: [0, 0.5], log: true}", nil,
			`c.yaml:3: parameters.momentum.log: applies to the int distribution only`},
		{"powers of ten with fractional exponent", base + "parameters:\n  learning_rate: {powers_of_ten: [-6, 0.5]}", nil,
			`c.yaml:3: parameters.learning_rate: high must be an integer, got "0.5"`},
		{"powers of ten reversed", base + "parameters:\n  learning_rate: {powers_of_ten: [0, -6]}", nil,
			`c.yaml:3: parameters.learning_rate: powers_of_ten range needs low < high, got [0, -6]`},
		{"powers of ten beyond the key", base + "parameters:\n  momentum: {powers_of_ten: [-2, 0]}", nil,
			`c.yaml:3: parameters.momentum: high must be in [0, 1), got 1`},
		{"powers of ten of an integer key", base + "parameters:\n  batch_size: {powers_of_ten: [-1, 2]}", nil,
			`c.yaml:3: parameters.batch_size: trainer.batch_size is an integer: powers_of_ten exponents must be integers between 0 and 18 (10^e must fit an int64), got [-1, 2]`},
		{"range outside key rule", base + "parameters:\n  momentum: {uniform: [0, 1.5]}", nil,
			`c.yaml:3: parameters.momentum: high must be in [0, 1), got 1.5`},
		{"uniform for an integer key", base + "parameters:\n  batch_size: {uniform: [1, 10]}", nil,
			`c.yaml:3: parameters.batch_size: trainer.batch_size takes integers: use int, choice or powers_of_ten`},
		{"int for a real key", base + "parameters:\n  momentum: {int: [0, 1]}", nil,
			`c.yaml:3: parameters.momentum: trainer.momentum takes real numbers: use uniform, log_uniform, powers_of_ten or choice`},
		{"range for a name key", base + "parameters:\n  optimizer: {uniform: [0, 1]}", nil,
			`c.yaml:3: parameters.optimizer: trainer.optimizer takes names: use choice or a fixed value`},
		{"non-numeric range", base + "parameters:\n  learning_rate: {uniform: [a, 1]}", nil,
			`c.yaml:3: parameters.learning_rate: low must be a number, got "a"`},
		{"range of one value", base + "parameters:\n  learning_rate: {uniform: [1]}", nil,
			`c.yaml:3: parameters.learning_rate: uniform needs [low, high], got a list`},
		{"unknown choice value", base + "parameters:\n  optimizer: {choice: [gd, adma]}", nil,
			`c.yaml:3: parameters.optimizer: choice unknown value "adma", did you mean "adam"? (allowed: gd, sgd, minibatch, momentum, nesterov, adam)`},
		{"bad activation choice", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp}\nparameters:\n  activation: {choice: [tanh, elu]}", nil,
			`c.yaml:4: parameters.activation: choice unknown value "elu", did you mean "relu"? (allowed: tanh, relu, sigmoid)`},
		{"bad hidden string", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp}\nparameters:\n  hidden: {choice: [\"32;16\"]}", nil,
			`c.yaml:4: parameters.hidden: choice must be positive layer sizes separated by commas such as "32,16", got "32;16"`},
		{"hidden below one", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp}\nparameters:\n  hidden: {int: [0, 64]}", nil,
			`c.yaml:4: parameters.hidden: low must be >= 1, got 0`},
		{"bad time limit choice", base + "parameters:\n  time_limit: {choice: [30 seconds]}", nil,
			`c.yaml:3: parameters.time_limit: choice must be a duration such as "30s" or "2m", got "30 seconds"`},
		{"batch size choice fraction", base + "parameters:\n  batch_size: {choice: [16, 32.5]}", nil,
			`c.yaml:3: parameters.batch_size: choice must be an integer, got "32.5"`},
		{"fixed value checked", base + "parameters:\n  learning_rate: -0.1", nil,
			`c.yaml:3: parameters.learning_rate: must be > 0, got -0.1`},
		{"not searchable", base + "parameters:\n  learning_rat: {uniform: [0.1, 1]}", nil,
			`c.yaml:3: parameters.learning_rat: not a searchable hyperparameter, did you mean "learning_rate"? (allowed: activation, batch_size, degree, gradient_threshold, hidden, init_mean, init_std, learning_rate, max_iterations, min_delta, momentum, optimizer, patience, restarts, time_limit)`},
		{"duplicate parameter", base + "parameters:\n  momentum: 0.5\n  momentum: 0.6", nil,
			`c.yaml:4: parameters.momentum: duplicate parameter (first on line 3)`},
		{"hidden needs mlp", base + "parameters:\n  hidden: {int: [4, 8]}", nil,
			`c.yaml:3: parameters.hidden: is used by model.kind mlp only, got linear`},
		{"benchmark names", "benchmark: branin\nparameters:\n  learning_rate: {uniform: [0.1, 1]}", nil,
			`c.yaml:3: parameters.learning_rate: a benchmark takes parameters named x0, x1, …`},
		{"unknown benchmark", "benchmark: brainin\nparameters: {x0: 1}", nil,
			`c.yaml:1: benchmark: unknown value "brainin", did you mean "branin"? (allowed: branin, hartmann3, hartmann6, styblinski_tang, rosenbrock, ackley, rastrigin, levy)`},
		{"benchmark without parameters", "benchmark: levy", nil,
			`c.yaml: parameters: benchmark levy needs parameters x0, x1, …`},
		{"benchmark coordinate gap", "benchmark: levy\nparameters: {x0: {uniform: [-10, 10]}, x2: {uniform: [-10, 10]}}", nil,
			`c.yaml:2: parameters: benchmark levy: the 2 parameters must be x0…x1, without a gap; x1 is missing`},
		{"benchmark coordinate leading zero", "benchmark: levy\nparameters: {x0: {uniform: [-10, 10]}, x01: {uniform: [-10, 10]}}", nil,
			`c.yaml:2: parameters.x01: write x1: coordinates are named x0, x1, … without leading zeros`},
		{"benchmark fixed dimension", "benchmark: branin\nparameters: {x0: {uniform: [-5, 10]}, x1: {uniform: [0, 15]}, x2: 1}", nil,
			`c.yaml:2: parameters: benchmark branin is 2-dimensional: it takes exactly 2 parameters x0…x1, got 3`},
		{"benchmark minimum dimension", "benchmark: rosenbrock\nparameters: {x0: {uniform: [-2, 2]}}", nil,
			`c.yaml:2: parameters: benchmark rosenbrock needs at least 2 parameters x0…x1, got 1`},
		{"not a number", base + "trainer: {learning_rate: fast}", nil,
			`c.yaml:2: trainer.learning_rate: must be a number, got "fast"`},
		{"not finite", base + "trainer: {learning_rate: .inf}", nil,
			`c.yaml:2: trainer.learning_rate: must be a finite number, got ".inf"`},
		{"not an integer", base + "trainer: {max_iterations: 10.5}", nil,
			`c.yaml:2: trainer.max_iterations: must be an integer, got "10.5"`},
		{"negative iterations", base + "trainer: {max_iterations: -1}", nil,
			`c.yaml:2: trainer.max_iterations: must be >= 1, got -1`},
		{"negative seed", base + "seed: -1", nil,
			`c.yaml:2: seed: must be >= 0, got -1`},
		{"duplicate section", base + "data: {standardize: yes}", nil,
			`c.yaml:2: data: given twice (first on line 1)`},
		{"bool as word", "data:\n  synthetic: {kind: linear}\n  standardize: yes", nil,
			`c.yaml:3: data.standardize: must be true or false, got "yes"`},
		{"bad duration", base + "trainer: {time_limit: 30}", nil,
			`c.yaml:2: trainer.time_limit: must be a duration such as "30s" or "2m", got "30"`},
		{"null value", base + "seed:", nil,
			`c.yaml:2: seed: needs a value (integer)`},
		{"empty hidden", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp, hidden: []}", nil,
			`c.yaml:2: model.hidden: needs at least one layer`},
		{"zero hidden layer", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp, hidden: [8, 0]}", nil,
			`c.yaml:2: model.hidden: layer size must be >= 1, got 0`},
		{"unknown model kind", base + "model: {kind: tree}", nil,
			`c.yaml:2: model.kind: unknown value "tree" (allowed: linear, polynomial, logistic, softmax, mlp, function)`},
		{"unknown optimizer", base + "trainer: {optimizer: adamw}", nil,
			`c.yaml:2: trainer.optimizer: unknown value "adamw", did you mean "adam"? (allowed: gd, sgd, minibatch, momentum, nesterov, adam)`},
		{"unknown loss", base + "model: {loss: mae}", nil,
			`c.yaml:2: model.loss: unknown value "mae", did you mean "mse"? (allowed: rss, mse, cross_entropy)`},
		{"unknown activation", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp, activation: gelu}", nil,
			`c.yaml:2: model.activation: unknown value "gelu", did you mean "relu"? (allowed: tanh, relu, sigmoid)`},
		{"unknown synthetic kind", "data: {synthetic: {kind: circles}}", nil,
			`c.yaml:1: data.synthetic.kind: unknown value "circles" (allowed: linear, polynomial, sine, moons, blobs)`},
		{"synthetic kind missing", "data: {synthetic: {samples: 10}}", nil,
			`c.yaml:1: data.synthetic.kind: is required (allowed: linear, polynomial, sine, moons, blobs)`},
		{"moons features", "data: {synthetic: {kind: moons, features: 3}}\nmodel: {kind: logistic}", nil,
			`c.yaml:1: data.synthetic.features: moons has exactly 2 features, got 3`},
		{"unknown strategy", base + "search: {strategy: hyperopt}", nil,
			`c.yaml:2: search.strategy: unknown value "hyperopt" (allowed: grid, random, sobol, powers-of-ten, coarse-to-fine, coarse-to-fine-gp, bayes)`},
		{"unknown metric", base + "search: {metric: val_loss}", nil,
			`c.yaml:2: search.metric: unknown value "val_loss" (allowed: validation_loss, train_loss, accuracy)`},
		{"unknown goal", base + "search: {goal: minimise}", nil,
			`c.yaml:2: search.goal: unknown value "minimise", did you mean "minimize"? (allowed: minimize, maximize)`},
		{"goal against metric", base + "search: {goal: maximize}", nil,
			`c.yaml:2: search.goal: maximize would rank the worst trial first: validation_loss is better lower (allowed: minimize)`},
		{"budget too large", base + "search: {rounds: 2, trials_per_round: 5, trials: 11}", nil,
			`c.yaml:2: search.trials: 11 exceeds rounds × trials_per_round = 10`},
		{"regression loss for classifier", "data: {synthetic: {kind: moons}}\nmodel: {kind: logistic, loss: mse}", nil,
			`c.yaml:2: model.loss: mse does not suit model logistic on these data (allowed: cross_entropy)`},
		{"classifier loss for regression", base + "model: {kind: linear, loss: cross_entropy}", nil,
			`c.yaml:2: model.loss: cross_entropy does not suit model linear on these data (allowed: rss, mse)`},
		{"mlp loss on regression data", "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp, loss: cross_entropy}", nil,
			`c.yaml:2: model.loss: cross_entropy does not suit model mlp on these data (allowed: rss, mse)`},
		{"linear model on classes", "data: {synthetic: {kind: blobs}}\nmodel: {kind: linear}", nil,
			`c.yaml:2: model.kind: linear is a regression model but data.synthetic.kind blobs is a classification set (allowed: logistic, softmax, mlp)`},
		{"logistic on regression data", base + "model: {kind: logistic}", nil,
			`c.yaml:2: model.kind: logistic is a classifier but data.synthetic.kind linear is a regression set (allowed: linear, polynomial, mlp)`},
		{"logistic on three classes", "data: {synthetic: {kind: blobs}}\nmodel: {kind: logistic}", nil,
			`c.yaml:2: model.kind: logistic is binary but the data have 3 classes (allowed: softmax, mlp)`},
		{"accuracy for regression", base + "search: {metric: accuracy}", nil,
			`c.yaml:2: search.metric: accuracy needs a classifier: model logistic, softmax, or mlp with loss cross_entropy (allowed: validation_loss, train_loss)`},
		{"function needs a function", "model: {kind: function}", nil,
			`c.yaml:1: model.function: is required for model.kind function (allowed: rosenbrock, rastrigin, double_well, plateau)`},
		{"missing data file", "data: {csv: {path: nope.csv, target: y}}", nil,
			`c.yaml:1: data.csv.path: data file ` + missing + ` does not exist`},
		{"csv target missing", "data: {csv: {path: houses.csv}}", nil,
			`c.yaml:1: data.csv.target: is required: the column to predict`},
		{"no data", "seed: 3", nil,
			`c.yaml: data: needs data.synthetic or data.csv (only model.kind function and benchmark need no data) (allowed: synthetic, csv)`},
		{"empty data section", "data:\n  validation: 0.1", nil,
			`c.yaml:2: data: needs data.synthetic or data.csv (only model.kind function and benchmark need no data) (allowed: synthetic, csv)`},
		{"both data", base[:len(base)-2] + ", csv: {path: houses.csv, target: price}}", nil,
			`c.yaml:1: data.csv: give data.synthetic or data.csv, not both`},
		{"validation fraction one", "data: {synthetic: {kind: linear}, validation: 1}", nil,
			`c.yaml:1: data.validation: must be in [0, 1), got 1`},
		{"keep zero", base + "search: {keep: 0}", nil,
			`c.yaml:2: search.keep: must be in (0, 1], got 0`},
		{"keep above one", base + "search: {keep: 1.5}", nil,
			`c.yaml:2: search.keep: must be in (0, 1], got 1.5`},
		{"name with separator", base + "name: runs/x", nil,
			`c.yaml:2: name: "runs/x" must not contain a path separator (allowed: {date}, {time})`},
		{"name with space", base + "name: my study", nil,
			`c.yaml:2: name: "my study" may hold only letters, digits, '.', '_', '-' and {date} or {time} (allowed: {date}, {time})`},
		{"name dot dot", base + "name: ..", nil,
			`c.yaml:2: name: ".." is not a usable directory name (allowed: {date}, {time})`},
		{"name unknown placeholder", base + "name: x-{host}", nil,
			`c.yaml:2: name: unknown placeholder {host} in "x-{host}" (allowed: {date}, {time})`},
		{"bad --set form", base, []string{"seed"},
			`c.yaml: --set: "seed" is not key=value`},
		{"unknown --set key", base, []string{"trainer.learnig_rate=0.1"},
			`c.yaml: --set trainer.learnig_rate: unknown key, did you mean "learning_rate"? (allowed: optimizer, learning_rate, momentum, batch_size, max_iterations, gradient_threshold, patience, min_delta, monitor, time_limit, init, restarts, batch_trials, command, workdir, env, timeout, devices, launcher)`},
		{"unknown --set section", base, []string{"trainr.momentum=0.1"},
			`c.yaml: --set trainr.momentum: unknown key, did you mean "trainer"? (allowed: name, seed, benchmark, data, model, trainer, search, parameters, output, activation, batch_size, degree, gradient_threshold, hidden, init_mean, init_std, learning_rate, max_iterations, min_delta, momentum, optimizer, patience, restarts, time_limit)`},
		{"bad --set value", base, []string{"trainer.optimizer=adamm"},
			`c.yaml: --set trainer.optimizer: unknown value "adamm", did you mean "adam"? (allowed: gd, sgd, minibatch, momentum, nesterov, adam)`},
		{"bad pinned value", base, []string{"learning_rate=-1"},
			`c.yaml: --set trainer.learning_rate: must be > 0, got -1`},
		{"--set parameters", base, []string{"parameters.learning_rate=0.1"},
			`c.yaml: --set parameters.learning_rate: parameters cannot be set; pin one with --set NAME=VALUE`},
		{"benchmark pin without benchmark", base, []string{"x0=1"},
			`c.yaml: --set x0: unknown key (allowed: name, seed, benchmark, data, model, trainer, search, parameters, output, activation, batch_size, degree, gradient_threshold, hidden, init_mean, init_std, learning_rate, max_iterations, min_delta, momentum, optimizer, patience, restarts, time_limit)`},
		{"benchmark pin of missing coordinate", "benchmark: levy\nparameters: {x0: {uniform: [-10, 10]}}", []string{"x1=3"},
			`c.yaml: --set x1: not a parameter of this config (benchmark levy)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src, tt.sets...)
			got := problems(t, err)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}

func TestEnvProblem(t *testing.T) {
	t.Setenv("HPSEARCH_SEARCH_PARALLELISM", "two")
	_, err := parse(t, base)
	want := `c.yaml: env HPSEARCH_SEARCH_PARALLELISM search.parallelism: must be an integer, got "two"`
	if got := problems(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

func TestSeveralProblems(t *testing.T) {
	src := `data:
  synthetic: {kind: linear}
model: {kind: mlp, activation: gelu}
trainer:
  learnig_rate: 0.1
  momentum: 1.5
search: {strategy: hyperopt}
parameters:
  learning_rate: {log_uniform: [0, 1]}
  learning_rate: {log_uniform: [1e-3, 1]}
`
	_, err := parse(t, src, "seed=x")
	want := []string{
		`c.yaml:3: model.activation: unknown value "gelu", did you mean "relu"? (allowed: tanh, relu, sigmoid)`,
		`c.yaml:5: trainer.learnig_rate: unknown key, did you mean "learning_rate"? (allowed: optimizer, learning_rate, momentum, batch_size, max_iterations, gradient_threshold, patience, min_delta, monitor, time_limit, init, restarts, batch_trials, command, workdir, env, timeout, devices, launcher)`,
		`c.yaml:6: trainer.momentum: must be in [0, 1), got 1.5`,
		`c.yaml:7: search.strategy: unknown value "hyperopt" (allowed: grid, random, sobol, powers-of-ten, coarse-to-fine, coarse-to-fine-gp, bayes)`,
		`c.yaml:9: parameters.learning_rate: a log range must be above 0, got [0, 1]`,
		`c.yaml:10: parameters.learning_rate: duplicate parameter (first on line 9)`,
		`c.yaml: --set seed: must be an integer, got "x"`,
	}
	got := problems(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if want := strings.Join(want, "\n"); err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err, want)
	}
	var p Problem
	if !errors.As(err, &p) || p.Line != 3 || p.Key != "model.activation" {
		t.Errorf("errors.As(err, *Problem) = %+v, want the first problem", p)
	}
}

func TestLayering(t *testing.T) {
	src := base + "seed: 5\ntrainer: {learning_rate: 0.3, momentum: 0.5}\nsearch: {rounds: 3}\n"
	tests := []struct {
		name      string
		env       map[string]string
		sets      []string
		seed      uint64
		lr        float64
		rounds    int
		parallel  int
		samples   int
		hidden    []int
		momentum  float64
		strategy  string
		optimizer string
	}{
		{name: "file alone", seed: 5, lr: 0.3, rounds: 3, samples: 1000, momentum: 0.5},
		{name: "env over file",
			env:  map[string]string{"HPSEARCH_SEED": "7", "HPSEARCH_SEARCH_PARALLELISM": "2", "HPSEARCH_TRAINER_LEARNING_RATE": "0.1"},
			seed: 7, lr: 0.1, rounds: 3, parallel: 2, samples: 1000, momentum: 0.5},
		{name: "set over env",
			env:  map[string]string{"HPSEARCH_SEED": "7", "HPSEARCH_TRAINER_LEARNING_RATE": "0.1"},
			sets: []string{"seed=3", "trainer.learning_rate=0.2", "search.rounds=2"},
			seed: 3, lr: 0.2, rounds: 2, samples: 1000, momentum: 0.5},
		{name: "set creates sections",
			sets: []string{"data.synthetic.samples=500", "model.hidden=[8, 4]", "trainer.init.std=0.5"},
			seed: 5, lr: 0.3, rounds: 3, samples: 500, hidden: []int{8, 4}, momentum: 0.5},
		{name: "env list and later set wins",
			env:  map[string]string{"HPSEARCH_MODEL_HIDDEN": "[2, 2]", "HPSEARCH_SEARCH_STRATEGY": "grid"},
			sets: []string{"trainer.momentum=0.1", "trainer.momentum=0.2", "trainer.optimizer=adam"},
			seed: 5, lr: 0.3, rounds: 3, samples: 1000, hidden: []int{2, 2}, momentum: 0.2, strategy: "grid", optimizer: "adam"},
		{name: "hpsearch's other variables ignored",
			env:  map[string]string{"HPSEARCH_TEST_POSTGRES": "x", "HPSEARCH_TRIAL": "3", "HPSEARCH_PARAM_LEARNING_RATE": "x"},
			seed: 5, lr: 0.3, rounds: 3, samples: 1000, momentum: 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := parse(t, src, tt.sets...)
			if err != nil {
				t.Fatal(err)
			}
			hidden, strategy, optimizer := tt.hidden, tt.strategy, tt.optimizer
			if hidden == nil {
				hidden = []int{16}
			}
			if strategy == "" {
				strategy = "coarse-to-fine"
			}
			if optimizer == "" {
				optimizer = "gd"
			}
			if c.Seed != tt.seed || c.Trainer.LearningRate != tt.lr || c.Search.Rounds != tt.rounds ||
				c.Search.Parallelism != tt.parallel || c.Data.Synthetic.Samples != tt.samples ||
				!reflect.DeepEqual(c.Model.Hidden, hidden) || c.Trainer.Momentum != tt.momentum ||
				c.Search.Strategy != strategy || c.Trainer.Optimizer != optimizer {
				t.Errorf("got seed %d lr %v rounds %d parallel %d samples %d hidden %v momentum %v strategy %s optimizer %s",
					c.Seed, c.Trainer.LearningRate, c.Search.Rounds, c.Search.Parallelism, c.Data.Synthetic.Samples,
					c.Model.Hidden, c.Trainer.Momentum, c.Search.Strategy, c.Trainer.Optimizer)
			}
		})
	}
}

func TestPinning(t *testing.T) {
	src := "data: {synthetic: {kind: sine}}\nmodel: {kind: mlp}\nparameters:\n" +
		"  learning_rate: {log_uniform: [1e-5, 1]}\n  hidden: {choice: [\"32,16\", 8]}\n  optimizer: {choice: [gd, adam]}\n  init_std: {log_uniform: [1e-3, 1]}\n"
	tests := []struct {
		name  string
		sets  []string
		left  []string
		check func(c *Config) bool
	}{
		{"nothing pinned", nil, []string{"learning_rate", "hidden", "optimizer", "init_std"},
			func(c *Config) bool { return c.Trainer.LearningRate == 0.01 }},
		{"learning rate", []string{"learning_rate=0.05"}, []string{"hidden", "optimizer", "init_std"},
			func(c *Config) bool { return c.Trainer.LearningRate == 0.05 }},
		{"as exported from best.yaml", []string{"hidden=32,16", "optimizer=adam", "init_std=0.02"}, []string{"learning_rate"},
			func(c *Config) bool {
				return reflect.DeepEqual(c.Model.Hidden, []int{32, 16}) && c.Trainer.Optimizer == "adam" && c.Trainer.Init.Std == 0.02
			}},
		{"a key not searched", []string{"momentum=0.5"}, []string{"learning_rate", "hidden", "optimizer", "init_std"},
			func(c *Config) bool { return c.Trainer.Momentum == 0.5 }},
		{"time limit", []string{"time_limit=1m"}, []string{"learning_rate", "hidden", "optimizer", "init_std"},
			func(c *Config) bool { return c.Trainer.TimeLimit == time.Minute }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, src, tt.sets...)
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, p := range c.Parameters {
				left = append(left, p.Name)
			}
			if !reflect.DeepEqual(left, tt.left) {
				t.Errorf("parameters left %v, want %v", left, tt.left)
			}
			if !tt.check(c) {
				t.Errorf("pinned values not applied: model %+v trainer %+v", c.Model, c.Trainer)
			}
		})
	}
}

func TestPinBenchmarkCoordinate(t *testing.T) {
	c, err := parse(t, "benchmark: branin\nparameters: {x0: {uniform: [-5, 10]}, x1: {uniform: [0, 15]}}", "x1=2.5")
	if err != nil {
		t.Fatal(err)
	}
	want := []Parameter{
		{Name: "x0", Dist: Uniform, Low: -5, High: 10, Line: 2},
		{Name: "x1", Dist: Choice, Choices: []any{2.5}, Line: 2},
	}
	if !reflect.DeepEqual(c.Parameters, want) {
		t.Errorf("parameters = %+v, want %+v", c.Parameters, want)
	}
}

func TestUnnamedReader(t *testing.T) {
	c, err := Parse(strings.NewReader("model: {kind: function, function: plateau}"), "", "", nil)
	if err != nil || c.Name != "study" {
		t.Fatalf("Parse(unnamed) = %+v, %v; want name study", c, err)
	}
	_, err = Parse(strings.NewReader("sead: 1\nmodel: {kind: function, function: plateau}"), "", "", nil)
	if got := problems(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "config:1: sead: unknown key") {
		t.Errorf("problems = %q, want one labelled config:1", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	_, err := Load(path, nil)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming %s", err, path)
	}
}

func TestLoadCSVRelativeToConfig(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "csv.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &CSV{Path: filepath.Join("testdata", "houses.csv"), Target: "price", Features: []string{"rooms", "area"}}
	if !reflect.DeepEqual(c.Data.CSV, want) || c.Name != "csv" {
		t.Errorf("csv = %+v name %q, want %+v name csv", c.Data.CSV, c.Name, want)
	}
}

func TestParseSet(t *testing.T) {
	tests := []struct {
		name, in, key, value string
		ok                   bool
	}{
		{"plain", "seed=3", "seed", "3", true},
		{"value with equals", "name=a=b", "name", "a=b", true},
		{"empty value", "name=", "name", "", true},
		{"spaces around key", " seed =3", "seed", "3", true},
		{"no equals", "seed", "", "", false},
		{"no key", "=3", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, value, err := ParseSet(tt.in)
			if (err == nil) != tt.ok || key != tt.key || value != tt.value {
				t.Errorf("ParseSet(%q) = %q, %q, %v", tt.in, key, value, err)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"line", Problem{File: "c.yaml", Line: 3, Key: "seed", Message: "bad"}, "c.yaml:3: seed: bad"},
		{"allowed", Problem{File: "c.yaml", Line: 3, Key: "k", Message: "bad", Allowed: []string{"a", "b"}}, "c.yaml:3: k: bad (allowed: a, b)"},
		{"set", Problem{File: "c.yaml", Source: "--set", Key: "trainer.optimizer", Message: "bad"}, "c.yaml: --set trainer.optimizer: bad"},
		{"no line", Problem{File: "c.yaml", Key: "data", Message: "bad"}, "c.yaml: data: bad"},
		{"no key", Problem{File: "c.yaml", Line: 2, Message: "bad"}, "c.yaml:2: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSearchable(t *testing.T) {
	got := Searchable()
	want := []string{"activation", "batch_size", "degree", "gradient_threshold", "hidden", "init_mean", "init_std",
		"learning_rate", "max_iterations", "min_delta", "momentum", "optimizer", "patience", "restarts", "time_limit"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Searchable() = %v, want %v", got, want)
	}
	for _, name := range got {
		key, ok := ParameterKey(name)
		if f := fieldByPath[key]; !ok || f == nil || f.Type == tSection {
			t.Errorf("searchable %s maps to %q, not a config value key", name, key)
		}
	}
}

// TestStaticDefaultsDecode guards fillDefaults' panic: every literal in the
// table must decode and satisfy its own rule.
func TestStaticDefaultsDecode(t *testing.T) {
	for _, f := range fields {
		if f.Default == "" {
			continue
		}
		v, msg := decodeValue(f, valueNode(f.Default))
		if msg == "" {
			msg = checkValue(f, v)
		}
		if msg != "" {
			t.Errorf("default of %s (%q): %s", f.Path, f.Default, msg)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"unifrom", "uniform", 2}, {"learnig_rate", "learning_rate", 1}, {"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			if got := editDistance(tt.a, tt.b); got != tt.want {
				t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestMain(m *testing.M) {
	// Tests that set no HPSEARCH_ variable must not see the developer's.
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, EnvPrefix+"_") {
			k, _, _ := strings.Cut(kv, "=")
			os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}

// TestBenchmarksAreTheTestFunctions keeps the accepted benchmark names in
// step with the functions package testfunc implements, in the same order
// (REFERENCE.md lists them from here).
func TestBenchmarksAreTheTestFunctions(t *testing.T) {
	if !reflect.DeepEqual(benchmarks, testfunc.Names()) {
		t.Fatalf("configs accepts benchmarks %v, testfunc implements %v", benchmarks, testfunc.Names())
	}
}
