package configs

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// conditional is a valid config with a conditional parameter and a chain.
const conditional = base + `parameters:
  learning_rate: {log_uniform: [1e-4, 1]}
  optimizer: {choice: [gd, momentum, nesterov, adam]}
  momentum: {uniform: [0, 0.99], when: {optimizer: [momentum, nesterov, adam]}}
  batch_size: {choice: [16, 32], when: {optimizer: adam}}
  init_std: {log_uniform: [1e-3, 1], when: {batch_size: [32]}}
`

func TestConditionDecodes(t *testing.T) {
	c, err := parse(t, conditional)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Condition{
		"learning_rate": nil,
		"optimizer":     nil,
		"momentum":      {Parent: "optimizer", Values: []any{"momentum", "nesterov", "adam"}},
		"batch_size":    {Parent: "optimizer", Values: []any{"adam"}}, // a single value needs no list
		"init_std":      {Parent: "batch_size", Values: []any{int64(32)}},
	}
	if len(c.Parameters) != len(want) {
		t.Fatalf("got %d parameters, want %d", len(c.Parameters), len(want))
	}
	for _, p := range c.Parameters {
		if !reflect.DeepEqual(p.When, want[p.Name]) {
			t.Errorf("%s.When = %+v, want %+v", p.Name, p.When, want[p.Name])
		}
	}
	// The condition is part of what a study is: resuming with another
	// condition must be refused.
	text := FormatCanonical(c.Canonical())
	for _, line := range []string{
		"parameters.momentum: uniform [0, 0.99] when optimizer in [momentum, nesterov, adam]\n",
		"parameters.learning_rate: log_uniform [0.0001, 1]\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("canonical settings lack %q:\n%s", line, text)
		}
	}
	if c.Warnings != nil {
		t.Errorf("warnings %v, want none: every conditional key applies where it is searched", c.Warnings)
	}
}

func TestConditionProblems(t *testing.T) {
	opt := base + "parameters:\n  optimizer: {choice: [gd, momentum, adam]}\n"
	tests := []struct {
		name, src string
		sets      []string
		want      string
	}{
		{"unknown parameter", opt + "  momentum: {uniform: [0, 0.9], when: {optimiser: [adam]}}", nil,
			`c.yaml:4: parameters.momentum.when: unknown parameter "optimiser": a condition names a choice declared above momentum under parameters, did you mean "optimizer"? (allowed: optimizer)`},
		{"searchable but not searched", base + "parameters:\n  momentum: {uniform: [0, 0.9], when: {optimizer: [adam]}}", nil,
			`c.yaml:3: parameters.momentum.when: optimizer is not searched: a condition names a choice declared above momentum under parameters; with trainer.optimizer fixed in the config, keep or drop momentum`},
		{"config key", opt + "  momentum: {uniform: [0, 0.9], when: {trainer.optimizer: [adam]}}", nil,
			`c.yaml:4: parameters.momentum.when: trainer.optimizer is a config key, not a searched parameter: a condition names a choice under parameters; with trainer.optimizer fixed, keep or drop momentum (allowed: optimizer)`},
		{"value not among the choices", opt + "  momentum: {uniform: [0, 0.9], when: {optimizer: [momentum, nesterov]}}", nil,
			`c.yaml:4: parameters.momentum.when: "nesterov" is not among the values of optimizer (allowed: gd, momentum, adam)`},
		{"value not an optimizer at all", opt + "  momentum: {uniform: [0, 0.9], when: {optimizer: [adamm]}}", nil,
			`c.yaml:4: parameters.momentum.when: unknown value "adamm", did you mean "adam"? (allowed: gd, momentum, adam)`},
		{"value twice", opt + "  momentum: {uniform: [0, 0.9], when: {optimizer: [adam, adam]}}", nil,
			`c.yaml:4: parameters.momentum.when: lists "adam" twice (allowed: gd, momentum, adam)`},
		{"no values", opt + "  momentum: {uniform: [0, 0.9], when: {optimizer: []}}", nil,
			`c.yaml:4: parameters.momentum.when: needs the values of optimizer it applies to, e.g. {optimizer: [gd]}, got an empty list (allowed: gd, momentum, adam)`},
		{"declared later", base + "parameters:\n  momentum: {uniform: [0, 0.9], when: {optimizer: [adam]}}\n  optimizer: {choice: [gd, adam]}", nil,
			`c.yaml:3: parameters.momentum.when: optimizer is declared after momentum (line 4): declare the parameter a condition names above the ones that depend on it (this also rules out cycles)`},
		{"cycle", base + "parameters:\n  optimizer: {choice: [gd, adam], when: {activation: [relu]}}\n  activation: {choice: [relu, tanh], when: {optimizer: [adam]}}", nil,
			`c.yaml:3: parameters.optimizer.when: activation is declared after optimizer (line 4): declare the parameter a condition names above the ones that depend on it (this also rules out cycles)`},
		{"itself", opt + "  momentum: {uniform: [0, 0.9], when: {momentum: [0.5]}}", nil,
			`c.yaml:4: parameters.momentum.when: a parameter cannot depend on itself (allowed: optimizer)`},
		{"numeric parent", base + "parameters:\n  learning_rate: {log_uniform: [1e-3, 1]}\n  momentum: {uniform: [0, 0.9], when: {learning_rate: [0.1]}}", nil,
			`c.yaml:4: parameters.momentum.when: learning_rate is a log_uniform range: a condition needs a choice parameter, whose values it can list`},
		{"two parents", opt + "  activation: {choice: [relu]}\n  momentum: {uniform: [0, 0.9], when: {optimizer: [adam], activation: [relu]}}", nil,
			`c.yaml:5: parameters.momentum.when: must name one parameter and the values it applies to, e.g. {optimizer: [momentum, adam]}, got a mapping (allowed: optimizer, activation)`},
		{"not a mapping", opt + "  momentum: {uniform: [0, 0.9], when: optimizer}", nil,
			`c.yaml:4: parameters.momentum.when: must name one parameter and the values it applies to, e.g. {optimizer: [momentum, adam]}, got "optimizer" (allowed: optimizer)`},
		{"benchmark coordinate", "benchmark: levy\nparameters:\n  x0: {choice: [1, 2]}\n  x1: {uniform: [-10, 10], when: {x0: [1]}}", nil,
			`c.yaml:4: parameters.x1.when: a benchmark function takes every coordinate in every trial: a coordinate cannot be conditional`},
		{"command names it on its own", "trainer: {command: [sh, train.sh, \"--lr={lr}\", \"{args}\"]}\nparameters:\n  opt: {choice: [a, b]}\n  lr: {uniform: [0, 1], when: {opt: [a]}}", nil,
			`c.yaml:4: parameters.lr.when: trainer.command item 2 "--lr={lr}" names {lr}, which a trial where lr does not apply cannot fill: pass it with {args} or {params_file}, which leave it out there`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src, tt.sets...)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			got := problems(t, err)
			if !slices.Contains(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}

// A command passes a conditional parameter through {args}: accepted.
func TestConditionWithCommand(t *testing.T) {
	c, err := parse(t, "trainer: {command: [sh, train.sh, \"{args}\"]}\nparameters:\n  opt: {choice: [a, b]}\n  lr: {uniform: [0, 1], when: {opt: [a]}}")
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Parameters[1].When; w == nil || w.Parent != "opt" {
		t.Errorf("lr.When = %+v, want a condition on opt", w)
	}
	// Pinned, it stays conditional: a trial whose opt is b still has no lr.
	c, err = parse(t, "trainer: {command: [sh, train.sh, \"{args}\"]}\nparameters:\n  opt: {choice: [a, b]}\n  lr: {uniform: [0, 1], when: {opt: [a]}}", "lr=0.5")
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Parameters[1]; p.When == nil || !reflect.DeepEqual(p.Choices, []any{0.5}) {
		t.Errorf("pinned lr = %+v, want 0.5 when opt is a", p)
	}
}

// Pinning a parent with --set decides its children once: they are
// searched unconditionally where the pinned value satisfies them, and not
// at all where it does not (nor their own children).
func TestConditionPinnedParent(t *testing.T) {
	names := func(c *Config) []string {
		var out []string
		for _, p := range c.Parameters {
			out = append(out, p.Name)
			if p.When != nil {
				out[len(out)-1] += "?"
			}
		}
		return out
	}
	for _, tt := range []struct {
		pin  string
		want []string
	}{
		{"optimizer=adam", []string{"learning_rate", "momentum", "batch_size", "init_std?"}},
		{"optimizer=momentum", []string{"learning_rate", "momentum"}},
		{"optimizer=gd", []string{"learning_rate"}},
		{"batch_size=16", []string{"learning_rate", "optimizer", "momentum?"}},
	} {
		c, err := parse(t, conditional, tt.pin)
		if err != nil {
			t.Fatalf("--set %s: %v", tt.pin, err)
		}
		if got := names(c); !slices.Equal(got, tt.want) {
			t.Errorf("--set %s: parameters %v, want %v (? marks a condition)", tt.pin, got, tt.want)
		}
	}
}

func TestIgnoredKeyWarnings(t *testing.T) {
	tests := []struct {
		name, src string
		sets      []string
		want      []string
	}{
		{"momentum searched with gd among the optimizers",
			base + "parameters:\n  optimizer: {choice: [gd, momentum, adam]}\n  momentum: {uniform: [0, 0.99]}", nil,
			[]string{"warning: c.yaml:4: parameters.momentum: optimizer gd ignores momentum, yet trials with it get a value too, which changes nothing: add when: {optimizer: [momentum, adam]}"}},
		{"the same with when",
			base + "parameters:\n  optimizer: {choice: [gd, momentum, adam]}\n  momentum: {uniform: [0, 0.99], when: {optimizer: [momentum, adam]}}", nil, nil},
		{"when that includes gd",
			base + "parameters:\n  optimizer: {choice: [gd, sgd, adam]}\n  momentum: {uniform: [0, 0.99], when: {optimizer: [gd, adam]}}", nil,
			[]string{"warning: c.yaml:4: parameters.momentum.when: optimizer gd ignores momentum (it is used by momentum, nesterov, adam): leave it out of the condition"}},
		{"momentum searched for gd alone",
			base + "trainer: {optimizer: gd}\nparameters:\n  momentum: {uniform: [0, 0.99]}", nil,
			[]string{"warning: c.yaml:4: parameters.momentum: optimizer gd ignores momentum, so its values change nothing (it is used by momentum, nesterov, adam): search one of those optimizers or drop momentum"}},
		{"trainer.momentum with gd",
			base + "trainer: {optimizer: gd, momentum: 0.5}", nil,
			[]string{"warning: c.yaml:2: trainer.momentum: optimizer gd ignores it (momentum is used by momentum, nesterov, adam)"}},
		{"momentum pinned with gd", base, []string{"momentum=0.5"},
			[]string{"warning: c.yaml: --set trainer.momentum: optimizer gd ignores it (momentum is used by momentum, nesterov, adam)"}},
		{"batch_size with sgd",
			base + "trainer: {optimizer: sgd, batch_size: 8}", nil,
			[]string{"warning: c.yaml:2: trainer.batch_size: optimizer sgd ignores it (batch_size is used by minibatch, momentum, nesterov, adam)"}},
		{"batch_size with minibatch", base + "trainer: {optimizer: minibatch, batch_size: 8, momentum: 0.3}", nil,
			[]string{"warning: c.yaml:2: trainer.momentum: optimizer minibatch ignores it (momentum is used by momentum, nesterov, adam)"}},
		{"adam uses both", base + "trainer: {optimizer: adam, batch_size: 8, momentum: 0.3}\nparameters:\n  momentum: {uniform: [0, 0.99]}", nil, nil},
		{"a command takes whatever it is given", "trainer: {command: [sh, train.sh, \"{args}\"], optimizer: gd, momentum: 0.5}\nparameters:\n  momentum: {uniform: [0, 1]}", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.src, tt.sets...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range c.Warnings {
				got = append(got, w.Warning())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
