package trainer

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hpsearch/hpsearch/internal/num"
)

// Bounds on the hyperparameters whose size is what a run costs.
const (
	// MaxRestarts bounds restarts: each restart is a whole training run of
	// every trial.
	MaxRestarts = 1000
	// MaxDegree bounds a polynomial's degree: past it the powers of a
	// standardised feature leave the float64 range (5^100 is 8e69, 5^400
	// overflows), and the model has a weight per power and feature.
	MaxDegree = 100
)

// ValueType is what a hyperparameter's value is, and so which values a
// trial may record for it.
type ValueType int

const (
	ValueFloat    ValueType = iota // a real number: float64, or an integer
	ValueInt                       // an integer: int64, int, or an integral float64
	ValueString                    // one of Allowed
	ValueDuration                  // a Go duration as text, "30s"
	ValueLayers                    // hidden layer sizes: one size, or "32,16"
)

// Range is the interval a number must lie in. An infinite end leaves that
// side unbounded.
type Range struct {
	Min, Max         float64
	OpenMin, OpenMax bool // the end itself is excluded
}

// Contains reports whether x lies in r; NaN never does.
func (r Range) Contains(x float64) bool {
	lo := x > r.Min || (!r.OpenMin && x == r.Min)
	hi := x < r.Max || (!r.OpenMax && x == r.Max)
	return lo && hi
}

// Closed reports whether both ends are finite and included, the form of an
// integer range such as 1 to 1000.
func (r Range) Closed() bool {
	return !math.IsInf(r.Min, 0) && !math.IsInf(r.Max, 0) && !r.OpenMin && !r.OpenMax
}

// String writes r as messages and the config reference show it: "> 0",
// ">= 1", "in [0, 1)", "1 to 1000".
func (r Range) String() string {
	switch {
	case r.Closed():
		return formatBound(r.Min) + " to " + formatBound(r.Max)
	case math.IsInf(r.Max, 1) && r.OpenMin:
		return "> " + formatBound(r.Min)
	case math.IsInf(r.Max, 1):
		return ">= " + formatBound(r.Min)
	}
	open, shut := "[", "]"
	if r.OpenMin {
		open = "("
	}
	if r.OpenMax {
		shut = ")"
	}
	return fmt.Sprintf("in %s%s, %s%s", open, formatBound(r.Min), formatBound(r.Max), shut)
}

// formatBound writes an integral bound in full (10000000, not 1e+07).
func formatBound(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e21 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(x)
}

var (
	positive    = &Range{Min: 0, Max: math.Inf(1), OpenMin: true}
	nonNegative = &Range{Min: 0, Max: math.Inf(1)}
	oneOrMore   = &Range{Min: 1, Max: math.Inf(1)}
	openUnit    = &Range{Min: 0, Max: 1, OpenMax: true}
)

// Hyperparam is one setting of the built-in trainer that a study may
// search: the one place its names, type, default, rule and use are
// spelled.
type Hyperparam struct {
	Name string    // the searchable name: learning_rate
	Key  string    // the config key holding its base value: trainer.learning_rate
	Type ValueType // what a trial records for it
	// Default is the base value when the config does not give one, as a
	// config file writes it ("0.01", "[16]", "0s"); configs fills it.
	Default string
	Allowed []string // ValueString: the accepted values
	// Range is what each number (each layer size) must lie in; nil: any
	// finite number.
	Range *Range
	// Optimizers lists the optimisers that read the setting; nil: all.
	Optimizers []string
	// Models lists the model kinds the setting shapes; nil: all.
	Models []string
	Doc    string // one line for the config reference

	set func(s *Settings, v any) error
}

// Set stores v, a value as a trial records it (see ValueType), into s.
// The value is checked for its type only: its range is the config's and
// Validate's to check, so that a value refused names its key once.
func (h Hyperparam) Set(s *Settings, v any) error {
	return h.set(s, v)
}

// UsedBy reports whether optimiser opt reads the setting.
func (h Hyperparam) UsedBy(opt string) bool {
	return h.Optimizers == nil || slices.Contains(h.Optimizers, opt)
}

// hyperparams is the registry, in the order the config reference lists
// the keys' families (warnings about them come in this order too).
var hyperparams = []Hyperparam{
	{Name: "learning_rate", Key: "trainer.learning_rate", Type: ValueFloat, Default: "0.01", Range: positive,
		Doc: "step size", set: setFloat(func(s *Settings) *float64 { return &s.LearningRate })},
	{Name: "init_std", Key: "trainer.init.std", Type: ValueFloat, Default: "0.1", Range: nonNegative,
		Doc: "standard deviation; 0 starts every weight at the mean", set: setFloat(func(s *Settings) *float64 { return &s.InitStd })},
	{Name: "init_mean", Key: "trainer.init.mean", Type: ValueFloat, Default: "0",
		Doc: "mean", set: setFloat(func(s *Settings) *float64 { return &s.InitMean })},
	{Name: "momentum", Key: "trainer.momentum", Type: ValueFloat, Default: "0.9", Range: openUnit,
		Optimizers: []string{OptimizerMomentum, OptimizerNesterov, OptimizerAdam},
		Doc:        "momentum, nesterov: velocity decay, 0 = plain gd's step; adam: beta1",
		set:        setFloat(func(s *Settings) *float64 { return &s.Momentum })},
	{Name: "gradient_threshold", Key: "trainer.gradient_threshold", Type: ValueFloat, Default: "1e-6", Range: nonNegative,
		Doc: "stop when the gradient norm falls below; 0 = off", set: setFloat(func(s *Settings) *float64 { return &s.GradientThreshold })},
	{Name: "min_delta", Key: "trainer.min_delta", Type: ValueFloat, Default: "0", Range: nonNegative,
		Doc: "the improvement patience asks for", set: setFloat(func(s *Settings) *float64 { return &s.MinDelta })},
	// gd steps on the full batch and sgd on one row, whatever batch_size says.
	{Name: "batch_size", Key: "trainer.batch_size", Type: ValueInt, Default: "32", Range: oneOrMore,
		Optimizers: []string{OptimizerMinibatch, OptimizerMomentum, OptimizerNesterov, OptimizerAdam},
		Doc:        "minibatch, momentum, nesterov, adam: rows per step (the training rows or more = the full batch); gd uses every row, sgd one",
		set:        setInt(func(s *Settings) *int { return &s.BatchSize })},
	{Name: "max_iterations", Key: "trainer.max_iterations", Type: ValueInt, Default: "1000", Range: oneOrMore,
		Doc: "optimiser steps", set: setInt(func(s *Settings) *int { return &s.MaxIterations })},
	{Name: "patience", Key: "trainer.patience", Type: ValueInt, Default: "0", Range: nonNegative,
		Doc: "stop after this many iterations without improvement; 0 = off", set: setInt(func(s *Settings) *int { return &s.Patience })},
	{Name: "restarts", Key: "trainer.restarts", Type: ValueInt, Default: "1", Range: &Range{Min: 1, Max: MaxRestarts},
		Doc: "train from this many starts and keep the best", set: setInt(func(s *Settings) *int { return &s.Restarts })},
	{Name: "hidden", Key: "model.hidden", Type: ValueLayers, Default: "[16]", Range: &Range{Min: 1, Max: MaxWeights},
		Models: []string{KindMLP},
		Doc:    `mlp: hidden layer sizes, [32, 16], 16 or "32,16"; the model's weights (for every searched value) at most 10000000`,
		set:    setLayers},
	{Name: "degree", Key: "model.degree", Type: ValueInt, Default: "3", Range: &Range{Min: 1, Max: MaxDegree},
		Models: []string{KindPolynomial},
		Doc:    "polynomial: highest power of each feature; features × degree at most 10000000",
		set:    setInt(func(s *Settings) *int { return &s.Model.Degree })},
	{Name: "optimizer", Key: "trainer.optimizer", Type: ValueString, Default: OptimizerGD, Allowed: optimizerNames,
		Doc: "update rule", set: setString(func(s *Settings) *string { return &s.Optimizer })},
	{Name: "activation", Key: "model.activation", Type: ValueString, Default: "tanh", Allowed: activationNames,
		Models: []string{KindMLP},
		Doc:    "mlp: hidden layer activation", set: setString(func(s *Settings) *string { return &s.Model.Activation })},
	{Name: "time_limit", Key: "trainer.time_limit", Type: ValueDuration, Default: "0s",
		Doc: `wall-clock limit per trial, e.g. "30s"; 0s = off`, set: setDuration},
}

// Hyperparams returns the registry, in its order.
func Hyperparams() []Hyperparam {
	return slices.Clone(hyperparams)
}

// LookupHyperparam finds a hyperparameter by its searchable name.
func LookupHyperparam(name string) (Hyperparam, bool) {
	i := slices.IndexFunc(hyperparams, func(h Hyperparam) bool { return h.Name == name })
	if i < 0 {
		return Hyperparam{}, false
	}
	return hyperparams[i], true
}

// HyperparamNames returns the searchable names, sorted.
func HyperparamNames() []string {
	names := make([]string, len(hyperparams))
	for i, h := range hyperparams {
		names[i] = h.Name
	}
	slices.Sort(names)
	return names
}

// SetHyperparam stores the value of the hyperparameter called name into
// s; an unknown name is an error listing the known ones.
func SetHyperparam(s *Settings, name string, v any) error {
	h, ok := LookupHyperparam(name)
	if !ok {
		return fmt.Errorf("not a trainer hyperparameter (allowed: %s)", strings.Join(HyperparamNames(), ", "))
	}
	return h.Set(s, v)
}

func setFloat(field func(s *Settings) *float64) func(*Settings, any) error {
	return func(s *Settings, v any) error {
		x, err := num.Float(v)
		if err == nil {
			*field(s) = x
		}
		return err
	}
}

func setInt(field func(s *Settings) *int) func(*Settings, any) error {
	return func(s *Settings, v any) error {
		n, err := asInt(v)
		if err == nil {
			*field(s) = n
		}
		return err
	}
}

func setString(field func(s *Settings) *string) func(*Settings, any) error {
	return func(s *Settings, v any) error {
		t, ok := v.(string)
		if !ok {
			return fmt.Errorf("want text, got %v", v)
		}
		*field(s) = t
		return nil
	}
}

func setDuration(s *Settings, v any) error {
	t, ok := v.(string)
	if !ok {
		return fmt.Errorf("want text, got %v", v)
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return err
	}
	s.TimeLimit = d
	return nil
}

// setLayers reads hidden layer sizes: an integer is one layer, "32,16" two.
func setLayers(s *Settings, v any) error {
	if n, err := asInt(v); err == nil {
		s.Model.Hidden = []int{n}
		return nil
	}
	t, ok := v.(string)
	if !ok {
		return fmt.Errorf("want a layer size or sizes like \"32,16\", got %v", v)
	}
	var layers []int
	for _, f := range strings.Split(t, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("want layer sizes like \"32,16\", got %q", t)
		}
		layers = append(layers, n)
	}
	s.Model.Hidden = layers
	return nil
}

func asInt(v any) (int, error) {
	switch t := v.(type) {
	case int64:
		return int(t), nil
	case int:
		return t, nil
	case float64:
		if t == math.Trunc(t) {
			return int(t), nil
		}
	}
	return 0, fmt.Errorf("want an integer, got %v", v)
}
