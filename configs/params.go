package configs

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"

	"go.yaml.in/yaml/v3"
)

// searchable maps each searchable hyperparameter to the config key that
// holds its base value: a searched value overrides that key for one trial,
// and --set NAME=VALUE pins it there. The key's type and rule apply to every
// value the parameter can take.
var searchable = map[string]string{
	"learning_rate":      "trainer.learning_rate",
	"init_std":           "trainer.init.std",
	"init_mean":          "trainer.init.mean",
	"momentum":           "trainer.momentum",
	"gradient_threshold": "trainer.gradient_threshold",
	"min_delta":          "trainer.min_delta",
	"batch_size":         "trainer.batch_size",
	"max_iterations":     "trainer.max_iterations",
	"patience":           "trainer.patience",
	"restarts":           "trainer.restarts",
	"hidden":             "model.hidden",
	"degree":             "model.degree",
	"optimizer":          "trainer.optimizer",
	"activation":         "model.activation",
	"time_limit":         "trainer.time_limit",
}

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
		p, ok := d.distribution(f, key, v)
		if !ok {
			continue
		}
		p.Name, p.Line = k.Value, k.Line
		d.cfg.Parameters = append(d.cfg.Parameters, p)
	}
}

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

// distribution decodes a fixed value or a one-key distribution mapping.
func (d *decoder) distribution(f *field, key string, n *yaml.Node) (Parameter, bool) {
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		v, msg := choiceValue(f, n)
		if msg != "" {
			d.problem(n, key, msg)
			return Parameter{}, false
		}
		return Parameter{Dist: Choice, Choices: []any{v}}, true
	case yaml.MappingNode:
		return d.distributionMapping(f, key, n)
	}
	d.problem(n, key, "must be a fixed value or one distribution such as {uniform: [0, 1]}", distributions...)
	return Parameter{}, false
}

func (d *decoder) distributionMapping(f *field, key string, n *yaml.Node) (Parameter, bool) {
	var dist string
	var distNode, logNode *yaml.Node
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case k.Value == "log":
			logNode = v
		case slices.Contains(distributions, k.Value):
			if dist != "" {
				d.problem(k, key, fmt.Sprintf("has both %s and %s: give one distribution", dist, k.Value))
				ok = false
			}
			dist, distNode = k.Value, v
		default:
			allowed := append(slices.Clone(distributions), "log")
			d.problem(k, key+"."+k.Value, "unknown distribution"+suggest(k.Value, allowed), allowed...)
			ok = false
		}
	}
	if !ok {
		return Parameter{}, false
	}
	if dist == "" {
		d.problem(n, key, "needs a distribution", distributions...)
		return Parameter{}, false
	}
	p := Parameter{Dist: dist}
	if logNode != nil {
		if dist != Int {
			d.problem(logNode, key+".log", "applies to the int distribution only")
			return Parameter{}, false
		}
		var b bool
		if logNode.ShortTag() != "!!bool" || logNode.Decode(&b) != nil {
			d.problem(logNode, key+".log", fmt.Sprintf("must be true or false, got %s", show(logNode)))
			return Parameter{}, false
		}
		p.Log = b
	}
	if dist == Choice {
		return p, d.choices(f, key, distNode, &p)
	}
	return p, d.bounds(f, key, distNode, &p)
}

// choices decodes a non-empty list of values, each valid for the key.
func (d *decoder) choices(f *field, key string, n *yaml.Node, p *Parameter) bool {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.problem(n, key, "choice needs a non-empty list of values")
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
	return n.Value, ""
}

func intChoice(f *field, n *yaml.Node) (any, string) {
	i, msg := intValue(n)
	if msg == "" {
		msg = f.rule.check(float64(i))
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
	var ends [2]float64
	for i, c := range n.Content {
		c = resolve(c)
		var msg string
		if integral {
			var v int64
			v, msg = intValue(c)
			ends[i] = float64(v)
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
	if p.Dist == PowersOfTen {
		if f.Type == tInt && lo < 0 {
			return fmt.Sprintf("%s is an integer: powers_of_ten exponents must be >= 0, got [%v, %v]", f.Path, lo, hi)
		}
		lo, hi = math.Pow(10, lo), math.Pow(10, hi)
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
