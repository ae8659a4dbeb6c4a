package configs

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hpsearch/hpsearch/trainer"
)

// ParamNames lists the parameter names a trial of this config can take
// from outside it (a best.yaml's params): for the built-in trainer every
// searchable hyperparameter its model uses, which it applies over the base
// settings; the configured parameters of a command or a benchmark, which
// know no others.
func (c *Config) ParamNames() []string {
	if len(c.Trainer.Command) == 0 && c.Benchmark == "" {
		return slices.DeleteFunc(Searchable(), func(name string) bool {
			h, _ := trainer.LookupHyperparam(name)
			return h.Models != nil && !slices.Contains(h.Models, c.Model.Kind)
		})
	}
	names := make([]string, len(c.Parameters))
	for i, p := range c.Parameters {
		names[i] = p.Name
	}
	return names
}

// paramField is the field whose type and rule a value of parameter name
// must satisfy in this config.
func (c *Config) paramField(name string) *field {
	switch {
	case len(c.Trainer.Command) > 0:
		return commandParamField
	case c.Benchmark != "":
		return benchmarkField
	}
	return fieldByPath[searchable[name]]
}

// CheckParams checks parameter values given outside the config by the
// rules the config applies to its own: params is the mapping of names to
// values (a best.yaml's params), file names it in problems. Every problem
// found is returned at once as an *Error, each at its line: a name this
// config has no parameter of, or a value its key does not allow (a
// learning_rate of 0, a word for a number).
func (c *Config) CheckParams(file string, params *yaml.Node) error {
	params = resolve(params)
	if params == nil || params.Kind != yaml.MappingNode {
		return &Error{Problems: []Problem{{File: file, Key: "params", Message: "must be a mapping of parameter names to values"}}}
	}
	allowed := c.ParamNames()
	var probs []Problem
	for i := 0; i+1 < len(params.Content); i += 2 {
		k, v := params.Content[i], resolve(params.Content[i+1])
		key := "params." + k.Value
		if !slices.Contains(allowed, k.Value) {
			probs = append(probs, Problem{File: file, Line: k.Line, Key: key,
				Message: "not a parameter of " + c.describe() + suggest(k.Value, allowed), Allowed: allowed})
			continue
		}
		if _, msg := choiceValue(c.paramField(k.Value), v); msg != "" {
			p := Problem{File: file, Line: v.Line, Key: key, Message: msg}
			if f := c.paramField(k.Value); f.Type == tString {
				p.Allowed = f.Allowed
			}
			probs = append(probs, p)
		}
	}
	if len(probs) > 0 {
		return &Error{Problems: probs}
	}
	return nil
}

// describe names what this config trains, for messages about parameters.
func (c *Config) describe() string {
	switch {
	case len(c.Trainer.Command) > 0:
		return "this config's command"
	case c.Benchmark != "":
		return "benchmark " + c.Benchmark
	}
	return "the built-in trainer's " + c.Model.Kind + " model"
}

// BaseValue returns the config's base value of a searchable hyperparameter
// of the built-in trainer: what a trial that does not search it trains
// with, typed as a searched value would be (int64, float64 or string).
func (c *Config) BaseValue(name string) (any, bool) {
	h, ok := trainer.LookupHyperparam(name)
	if !ok {
		return nil, false
	}
	switch v := fieldByPath[h.Key].get(c).(type) {
	case int:
		return int64(v), true
	case time.Duration:
		return v.String(), true
	case []int:
		if len(v) == 1 {
			return int64(v[0]), true
		}
		layers := make([]string, len(v))
		for i, n := range v {
			layers[i] = fmt.Sprint(n)
		}
		return strings.Join(layers, ","), true
	case float64, string:
		return v, true
	}
	return nil, false
}
