package configs

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const commandBase = "trainer:\n  command: [sh, train.sh, \"{args}\"]\n"

func TestCommandConfig(t *testing.T) {
	src := `trainer:
  command: [sh, -c, 'exec python3 train.py "$@"', train, "--lr={learning_rate}", "{args}", "{params_file}", "{device}"]
  workdir: .
  env: {OMP_NUM_THREADS: 1, MODE: fast}
  timeout: 90s
  devices: [0, "1"]
search:
  strategy: random
  trials: 4
  metric_strategy: min
  max_failed_trials: 2
parameters:
  learning_rate: {log_uniform: [1e-4, 1]}
  Layers: {int: [1, 4]}
  arch: {choice: [resnet, vit]}
  dropout: 0.1
`
	c, err := parse(t, src)
	if err != nil {
		t.Fatal(err)
	}
	want := Trainer{Command: []string{"sh", "-c", `exec python3 train.py "$@"`, "train", "--lr={learning_rate}", "{args}", "{params_file}", "{device}"},
		Workdir: "testdata", Env: map[string]string{"OMP_NUM_THREADS": "1", "MODE": "fast"}, Timeout: 90 * time.Second, Devices: []string{"0", "1"}}
	got := c.Trainer
	if !reflect.DeepEqual(got.Command, want.Command) || got.Workdir != want.Workdir || !reflect.DeepEqual(got.Env, want.Env) ||
		got.Timeout != want.Timeout || !reflect.DeepEqual(got.Devices, want.Devices) {
		t.Errorf("trainer = %+v, want the command settings of %+v", got, want)
	}
	if s := c.Search; s.Metric != "val_loss" || s.Goal != "minimize" || s.MetricStrategy != "min" || s.MaxFailedTrials != 2 {
		t.Errorf("search = %+v: want metric val_loss, minimize, min, 2", s)
	}
	wantParams := []Parameter{
		{Name: "learning_rate", Dist: LogUniform, Low: 1e-4, High: 1, Line: 13},
		{Name: "Layers", Dist: Int, Low: 1, High: 4, Line: 14},
		{Name: "arch", Dist: Choice, Choices: []any{"resnet", "vit"}, Line: 15},
		{Name: "dropout", Dist: Choice, Choices: []any{0.1}, Line: 16},
	}
	if !reflect.DeepEqual(c.Parameters, wantParams) {
		t.Errorf("parameters = %+v\nwant %+v", c.Parameters, wantParams)
	}
}

func TestCommandDefaults(t *testing.T) {
	tests := []struct {
		name, src       string
		metric, goal    string
		workdir         string
		strategy        string
		failedTrialsMax int
	}{
		{"defaults", commandBase, "val_loss", "minimize", "testdata", "last", 0},
		{"an accuracy is maximised", commandBase + "search: {metric: accuracy}", "accuracy", "maximize", "testdata", "last", 0},
		{"any goal for a command's metric", commandBase + "search: {metric: val_loss, goal: maximize}", "val_loss", "maximize", "testdata", "last", 0},
		{"absolute workdir", commandBase + "  workdir: /", "val_loss", "minimize", "/", "last", 0},
		{"max_failed_trials without a command", "data: {synthetic: {kind: linear}}\nsearch: {max_failed_trials: 3}", "validation_loss", "minimize", "", "last", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			s := c.Search
			if s.Metric != tt.metric || s.Goal != tt.goal || c.Trainer.Workdir != tt.workdir || s.MetricStrategy != tt.strategy || s.MaxFailedTrials != tt.failedTrialsMax {
				t.Errorf("metric %s, goal %s, workdir %q, strategy %s, max failed %d", s.Metric, s.Goal, c.Trainer.Workdir, s.MetricStrategy, s.MaxFailedTrials)
			}
		})
	}
}

func TestCommandProblems(t *testing.T) {
	params := "parameters:\n  lr: {log_uniform: [1e-4, 1]}\n"
	tests := []struct {
		name string
		src  string
		sets []string
		want string
	}{
		{"unknown placeholder", "trainer: {command: [sh, \"--lr={lt}\"]}\n" + params, nil,
			`c.yaml:1: trainer.command: item 1 "--lr={lt}": unknown placeholder {lt}, did you mean "lr"? (allowed: lr, args, params_file, trial, seed, study, trial_dir, device)`},
		{"args inside an item", "trainer: {command: [sh, \"--all={args}\"]}\n" + params, nil,
			`c.yaml:1: trainer.command: item 1 "--all={args}": {args} becomes several arguments, so it must be an item of its own`},
		{"device without devices", "trainer: {command: [sh, \"{device}\"]}\n" + params, nil,
			`c.yaml:1: trainer.command: item 1 "{device}": {device} needs trainer.devices`},
		{"program not in PATH", "trainer: {command: [pythn3, train.py]}\n" + params, nil,
			`c.yaml:1: trainer.command: program "pythn3" not found in PATH`},
		{"relative program missing", "trainer: {command: [./train.sh]}\n" + params, nil,
			`c.yaml:1: trainer.command: program ./train.sh not found (relative to trainer.workdir testdata)`},
		{"empty command", "trainer: {command: []}\n" + params, nil,
			`c.yaml:1: trainer.command: needs at least the program to run, e.g. [python3, train.py, "{args}"]`},
		{"not a list", "trainer: {command: python3 train.py}\n", nil,
			`c.yaml:1: trainer.command: must be a list of strings, got "python3 train.py"`},
		{"workdir missing", commandBase + "  workdir: nowhere\n", nil,
			`c.yaml:3: trainer.workdir: ` + filepath.Join("testdata", "nowhere") + ` is not a directory`},
		{"device twice", commandBase + "  devices: [0, 1, 0]\n", nil,
			`c.yaml:3: trainer.devices: lists device 0 twice: two trials would share it`},
		{"synchronous pruning with devices", commandBase + "  devices: [0, 1]\nsearch: {early_stopping: {kind: hyperband, max_resource: 27}}\n", nil,
			`c.yaml:4: search.early_stopping.kind: hyperband waits at each rung for the whole round, and a waiting trial keeps its device: with trainer.devices the round could never get there (allowed with devices: median)`},
		{"env name", commandBase + "  env: {1X: a}\n", nil,
			`c.yaml:3: trainer.env: "1X" is not a variable name (letters, digits and _, not starting with a digit)`},
		{"env value", commandBase + "  env: {X: [a]}\n", nil,
			`c.yaml:3: trainer.env: X must be a single value, got a list`},
		{"metric regex without value", commandBase + "search: {metric_regex: 'loss: ([0-9.]+)'}\n", nil,
			`c.yaml:3: search.metric_regex: needs a group named value holding the number, e.g. val_loss: (?P<value>\S+)`},
		{"metric regex broken", commandBase + "search: {metric_regex: '(?P<value>'}\n", nil,
			"c.yaml:3: search.metric_regex: not a regular expression: error parsing regexp: missing closing ): `(?P<value>`"},
		{"metric strategy", commandBase + "search: {metric_strategy: median}\n", nil,
			`c.yaml:3: search.metric_strategy: unknown value "median" (allowed: last, min, max)`},
		{"command-only key without a command", "data: {synthetic: {kind: linear}}\ntrainer: {timeout: 1m}\nsearch: {metric_strategy: min}\n", nil,
			"c.yaml:2: trainer.timeout: applies to trainer.command only (the built-in trainer ignores it)\n" +
				"c.yaml:3: search.metric_strategy: applies to trainer.command only (the built-in trainer ignores it)"},
		{"built-in metric names still checked", "data: {synthetic: {kind: linear}}\nsearch: {metric: val_loss}\n", nil,
			`c.yaml:2: search.metric: unknown value "val_loss" (allowed: validation_loss, train_loss, accuracy)`},
		{"benchmark and command", commandBase + "benchmark: branin\nparameters: {x0: {uniform: [0, 1]}}\n", nil,
			`c.yaml:2: trainer.command: give benchmark or trainer.command, not both`},
		{"parameter name", commandBase + "parameters:\n  2x: {uniform: [0, 1]}\n", nil,
			`c.yaml:4: parameters.2x: a command's parameter is named with letters, digits and _, not starting with a digit`},
		{"parameter named like a placeholder", commandBase + "parameters:\n  seed: {int: [1, 9]}\n", nil,
			`c.yaml:4: parameters.seed: {seed} is a placeholder of trainer.command already; name the parameter otherwise`},
		{"parameters sharing a variable", commandBase + "parameters:\n  lr: 0.1\n  LR: 0.2\n", nil,
			`c.yaml:5: parameters.LR: lr and LR would share the variable HPSEARCH_PARAM_LR`},
		{"pinning a name that is no parameter", commandBase + params, []string{"lt=0.1"},
			`c.yaml: --set lt: not a parameter of this config (trainer.command)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src, tt.sets...)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if got := strings.Join(problems(t, err), "\n"); got != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestCommandPinning(t *testing.T) {
	src := commandBase + "parameters:\n  learning_rate: {log_uniform: [1e-4, 1]}\n  optimizer: {choice: [sgd, lion]}\n  width: {int: [8, 64]}\n"
	c, err := parse(t, src, "optimizer=my-own-optimizer", "learning_rate=0.5", "width=32")
	if err != nil {
		t.Fatal(err)
	}
	want := []Parameter{
		{Name: "learning_rate", Dist: Choice, Choices: []any{0.5}, Line: 4},
		{Name: "optimizer", Dist: Choice, Choices: []any{"my-own-optimizer"}, Line: 5},
		{Name: "width", Dist: Choice, Choices: []any{int64(32)}, Line: 6},
	}
	if !reflect.DeepEqual(c.Parameters, want) {
		t.Errorf("pinned parameters %+v\nwant %+v", c.Parameters, want)
	}
	if c.Trainer.Optimizer != "gd" || c.Trainer.LearningRate != 0.01 {
		t.Errorf("a command's pins reached the built-in trainer's keys: %+v", c.Trainer)
	}
	// Given by --set, the command turns the pins into the command's too.
	c, err = parse(t, "parameters: {width: {int: [8, 64]}}\n", `trainer.command=[sh, "{args}"]`, "width=16")
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Parameters[0]; !reflect.DeepEqual(p.Choices, []any{int64(16)}) {
		t.Errorf("width pinned to %v, want 16", p.Choices)
	}
}

func TestCommandCanonical(t *testing.T) {
	keys := func(c *Config) []string {
		var ks []string
		for _, s := range c.Canonical() {
			ks = append(ks, s.Key)
		}
		return ks
	}
	builtin, err := parse(t, "data: {synthetic: {kind: linear}}\n")
	if err != nil {
		t.Fatal(err)
	}
	if ks := keys(builtin); slices.Contains(ks, "trainer.command") || slices.Contains(ks, "search.metric_strategy") {
		t.Errorf("a built-in config's settings name command keys, so older studies would not resume: %v", ks)
	}
	// Parameters last, as in any real sweep.
	const params = "parameters: {lr: {log_uniform: [1e-4, 1]}}\n"
	a, err := parse(t, commandBase+"  env: {B: 2, A: 1}\n"+params)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parse(t, commandBase+"  env: {A: 1, B: 2}\n  devices: [0, 1]\n"+params)
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffCanonical(FormatCanonical(a.Canonical()), b.Canonical()); d != nil {
		t.Errorf("env order or devices changed the study's settings: %v", d)
	}
	c, err := parse(t, strings.Replace(commandBase, "train.sh", "other.sh", 1)+"  env: {A: 1, B: 2}\n"+params)
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffCanonical(FormatCanonical(a.Canonical()), c.Canonical()); len(d) != 1 || !strings.HasPrefix(d[0], "trainer.command:") {
		t.Errorf("another program: differences %v, want trainer.command", d)
	}
}
