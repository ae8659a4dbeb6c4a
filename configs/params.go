package configs

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/hpsearch/hpsearch/trainer"
)

// searchable maps each searchable hyperparameter to the config key that
// holds its base value: a searched value overrides that key for one trial,
// and --set NAME=VALUE pins it there. The key's type and rule apply to every
// value the parameter can take. The names and keys are the trainer's
// registry's.
var searchable = func() map[string]string {
	m := map[string]string{}
	for _, h := range trainer.Hyperparams() {
		m[h.Name] = h.Key
	}
	return m
}()

// Searchable returns the names that may appear under parameters (and be
// pinned with --set NAME=VALUE), sorted.
func Searchable() []string {
	return slices.Sorted(maps.Keys(searchable))
}

// ParameterKey returns the config key holding the base value of a
// searchable hyperparameter, e.g. "trainer.learning_rate" for
// "learning_rate", and false for any other name.
func ParameterKey(name string) (string, bool) {
	key, ok := searchable[name]
	return key, ok
}

// benchmarkName is the form of a benchmark's coordinates: x0, x1, …
var benchmarkName = regexp.MustCompile(`^x[0-9]+$`)

// benchmarkField types a benchmark coordinate: any real number.
var benchmarkField = &field{Path: "a benchmark parameter", Type: tFloat}

var distributions = []string{Uniform, LogUniform, Int, Choice, PowersOfTen}

// decodeParameters builds the search space in document order: the same seed
// must give the same trials, so no Go map is ranged over.
func (d *decoder) decodeParameters() {
	n := resolve(d.params)
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.problem(n, "parameters", "must be a mapping of parameter names to distributions")
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := "parameters." + k.Value
		if line, dup := seen[k.Value]; dup {
			d.problem(k, key, fmt.Sprintf("duplicate parameter (first on line %d)", line))
			continue
		}
		seen[k.Value] = k.Line
		d.nodes[key] = k
		f, ok := d.parameterField(k, key)
		if !ok {
			continue
		}
		p, when, ok := d.distribution(f, key, v)
		if !ok {
			continue
		}
		p.Name, p.Line = k.Value, k.Line
		if when != nil {
			if p.When, ok = d.condition(key+".when", p.Name, when, n); !ok {
				continue
			}
		}
		d.cfg.Parameters = append(d.cfg.Parameters, p)
	}
}

// valueField is the field whose type a decoded parameter's values have.
func (d *decoder) valueField(name string) *field {
	switch {
	case d.isCommand():
		return commandParamField
	case d.isBenchmark():
		return benchmarkField
	}
	return fieldByPath[searchable[name]]
}

// choiceTexts writes values as a message lists them.
func choiceTexts(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = showValue(v)
	}
	return out
}

func showValue(v any) string { return fmt.Sprint(v) }

// parameterField is the config key whose type and rule a parameter's values
// must satisfy.
func (d *decoder) parameterField(k *yaml.Node, key string) (*field, bool) {
	if d.isBenchmark() {
		if benchmarkName.MatchString(k.Value) {
			return benchmarkField, true
		}
		d.problem(k, key, "a benchmark takes parameters named x0, x1, …")
		return nil, false
	}
	if d.isCommand() {
		return d.commandParameter(k, key)
	}
	path, ok := searchable[k.Value]
	if !ok {
		names := Searchable()
		d.problem(k, key, "not a searchable hyperparameter"+suggest(k.Value, names), names...)
		return nil, false
	}
	return fieldByPath[path], true
}

// distribution decodes a fixed value or a one-key distribution mapping,
// and returns the node of its condition (when), if any.
func (d *decoder) distribution(f *field, key string, n *yaml.Node) (Parameter, *yaml.Node, bool) {
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		v, msg := choiceValue(f, n)
		if msg != "" {
			d.problem(n, key, msg)
			return Parameter{}, nil, false
		}
		return Parameter{Dist: Choice, Choices: []any{v}}, nil, true
	case yaml.MappingNode:
		return d.distributionMapping(f, key, n)
	}
	d.problem(n, key, "must be a fixed value or one distribution such as {uniform: [0, 1]}", distributions...)
	return Parameter{}, nil, false
}

// distributionKeys are the keys a distribution mapping may hold besides
// the distribution itself.
var distributionKeys = []string{"log", "when"}

func (d *decoder) distributionMapping(f *field, key string, n *yaml.Node) (Parameter, *yaml.Node, bool) {
	var dist string
	var distNode, logNode, whenNode *yaml.Node
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case k.Value == "log":
			logNode = v
		case k.Value == "when":
			whenNode = v
		case slices.Contains(distributions, k.Value):
			if dist != "" {
				d.problem(k, key, fmt.Sprintf("has both %s and %s: give one distribution", dist, k.Value))
				ok = false
			}
			dist, distNode = k.Value, v
		default:
			allowed := append(slices.Clone(distributions), distributionKeys...)
			d.problem(k, key+"."+k.Value, "unknown distribution"+suggest(k.Value, allowed), allowed...)
			ok = false
		}
	}
	if !ok {
		return Parameter{}, nil, false
	}
	if dist == "" {
		d.problem(n, key, "needs a distribution", distributions...)
		return Parameter{}, nil, false
	}
	p := Parameter{Dist: dist}
	if logNode != nil {
		if dist != Int {
			d.problem(logNode, key+".log", "applies to the int distribution only")
			return Parameter{}, nil, false
		}
		var b bool
		if logNode.ShortTag() != "!!bool" || logNode.Decode(&b) != nil {
			d.problem(logNode, key+".log", fmt.Sprintf("must be true or false, got %s", show(logNode)))
			return Parameter{}, nil, false
		}
		p.Log = b
	}
	if dist == Choice {
		return p, whenNode, d.choices(f, key, distNode, &p)
	}
	return p, whenNode, d.bounds(f, key, distNode, &p)
}

// choices decodes a non-empty list of values, each valid for the key.
func (d *decoder) choices(f *field, key string, n *yaml.Node, p *Parameter) bool {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.problem(n, key, "choice needs a non-empty list of values")
		return false
	}
	if len(n.Content) > MaxChoices {
		d.problem(n, key, fmt.Sprintf("choice has %d values, more than the %d allowed: search a range of numbers with int, uniform or log_uniform", len(n.Content), MaxChoices))
		return false
	}
	ok := true
	for _, c := range n.Content {
		v, msg := choiceValue(f, resolve(c))
		if msg != "" {
			d.problem(c, key, "choice "+msg, f.Allowed...)
			ok = false
			continue
		}
		p.Choices = append(p.Choices, v)
	}
	return ok
}

// choiceValue decodes one value a parameter may take. Integers stay int64
// and reals float64, so that a choice of batch sizes is never 32.0; hidden
// sizes such as "32,16" and durations stay strings, checked here so that a
// trial never meets a bad one.
func choiceValue(f *field, n *yaml.Node) (any, string) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return nil, fmt.Sprintf("must be a single value, got %s", show(n))
	}
	switch f.Type {
	case tAny:
		return anyChoice(n)
	case tString:
		if !slices.Contains(f.Allowed, n.Value) {
			return nil, fmt.Sprintf("unknown value %q%s", n.Value, suggest(n.Value, f.Allowed))
		}
		return n.Value, ""
	case tDuration:
		_, msg := parseDuration(n.Value)
		return n.Value, msg
	case tHidden:
		if n.ShortTag() == "!!str" {
			_, msg := parseLayers(n.Value)
			return n.Value, msg
		}
		return intChoice(f, n)
	case tInt:
		return intChoice(f, n)
	case tFloat:
		if n.ShortTag() == "!!int" {
			return intChoice(f, n)
		}
		x, msg := floatValue(n)
		if msg == "" {
			msg = f.rule.check(x)
		}
		return x, msg
	}
	return nil, fmt.Sprintf("%s cannot be searched", f.Path)
}

// anyChoice reads a command parameter's value: an integer stays int64, a
// real float64, anything else is a name.
func anyChoice(n *yaml.Node) (any, string) {
	switch n.ShortTag() {
	case "!!int":
		i, msg := intValue(n)
		return i, msg
	case "!!float":
		return floatValue(n)
	}
	if strings.ContainsFunc(n.Value, unicode.IsControl) {
		// The program gets the value in its argv or environment, where a
		// NUL cannot be passed and a newline or escape garbles the logs.
		return nil, fmt.Sprintf("must not hold a control character (NUL, newline, tab, escape…), got %q", n.Value)
	}
	return n.Value, ""
}

func intChoice(f *field, n *yaml.Node) (any, string) {
	i, msg := intFor(f, n)
	if msg == "" {
		msg = f.rule.checkShown(float64(i), strconv.FormatInt(i, 10))
	}
	return i, msg
}

// bounds decodes the [low, high] of a range distribution and checks that
// every value in it suits the key.
func (d *decoder) bounds(f *field, key string, n *yaml.Node, p *Parameter) bool {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		d.problem(n, key, fmt.Sprintf("%s needs [low, high], got %s", p.Dist, show(n)))
		return false
	}
	integral := p.Dist == Int || p.Dist == PowersOfTen
	lo, hi := integerEnds(f, p.Dist)
	var ends [2]float64
	for i, c := range n.Content {
		c = resolve(c)
		var msg string
		if integral {
			v, over, m := readInt(c)
			ends[i], msg = float64(v), m
			if over != 0 || v < lo || v > hi {
				d.problem(n, key, integerEndsProblem(f, p.Dist, lo, hi, n))
				return false
			}
		} else {
			ends[i], msg = floatValue(c)
		}
		if msg != "" {
			d.problem(c, key, fmt.Sprintf("%s %s", [2]string{"low", "high"}[i], msg))
			return false
		}
	}
	p.Low, p.High = ends[0], ends[1]
	if msg := rangeProblem(f, p); msg != "" {
		d.problem(n, key, msg)
		return false
	}
	return true
}

// integerEnds are the ends an int range or the exponents of a powers_of_ten
// range may have for the key of f.
func integerEnds(f *field, dist string) (lo, hi int64) {
	switch {
	case dist == Int:
		return -MaxIntRange, MaxIntRange
	case f.Type == tInt || f.Type == tHidden:
		return 0, MaxIntExponent
	}
	return MinExponent, MaxExponent
}

// integerEndsProblem says which integer ends a range may have, showing the
// range as written.
func integerEndsProblem(f *field, dist string, lo, hi int64, n *yaml.Node) string {
	got := fmt.Sprintf("[%s, %s]", strings.TrimSpace(resolve(n.Content[0]).Value), strings.TrimSpace(resolve(n.Content[1]).Value))
	switch {
	case dist == Int:
		return fmt.Sprintf("int range ends must be integers between %d and %d (ranges are sampled in float64, whose integers are exact up to 2^53), got %s", lo, hi, got)
	case lo == 0:
		return fmt.Sprintf("%s is an integer: powers_of_ten exponents must be integers between %d and %d (10^e must fit an int64), got %s", f.Path, lo, hi, got)
	}
	return fmt.Sprintf("powers_of_ten exponents must be integers between %d and %d (10^e must be a finite, nonzero float64), got %s", lo, hi, got)
}

// rangeProblem says what is wrong with a decoded range, or "".
func rangeProblem(f *field, p *Parameter) string {
	lo, hi := p.Low, p.High
	if msg := distSuitsKey(f, p.Dist); msg != "" {
		return msg
	}
	if lo >= hi {
		return fmt.Sprintf("%s range needs low < high, got [%v, %v]", p.Dist, lo, hi)
	}
	if p.IsLog() && p.Dist != PowersOfTen && lo <= 0 {
		return fmt.Sprintf("a log range must be above 0, got [%v, %v]", lo, hi)
	}
	if p.Dist == Uniform && math.IsInf(hi-lo, 0) {
		// A sample is low + u·(high − low): an infinite width gives only
		// the ends.
		return fmt.Sprintf("uniform range [%v, %v] is wider than float64 holds: high − low must be at most %g", lo, hi, math.MaxFloat64)
	}
	if p.Dist == PowersOfTen {
		lo, hi = math.Pow(10, lo), math.Pow(10, hi) // exponents bounded by integerEnds
	}
	for i, x := range []float64{lo, hi} {
		if msg := f.rule.check(x); msg != "" {
			return fmt.Sprintf("%s %s", [2]string{"low", "high"}[i], msg)
		}
	}
	return ""
}

// distSuitsKey rejects ranges of the wrong kind for a key's type.
func distSuitsKey(f *field, dist string) string {
	switch f.Type {
	case tAny:
		return "" // a command takes whatever its parameter is
	case tInt, tHidden:
		if dist == Uniform || dist == LogUniform {
			return fmt.Sprintf("%s takes integers: use int, choice or powers_of_ten", f.Path)
		}
	case tFloat:
		if dist == Int {
			return fmt.Sprintf("%s takes real numbers: use uniform, log_uniform, powers_of_ten or choice", f.Path)
		}
	default:
		return fmt.Sprintf("%s takes names: use choice or a fixed value", f.Path)
	}
	return ""
}
