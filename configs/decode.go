package configs

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder is the strict pass over the yaml.Node tree: it knows every key's
// line (or override source), so each problem points at what to fix.
type decoder struct {
	file    string
	cfg     *Config
	probs   []Problem
	origins map[*yaml.Node]string // nodes that came from env or --set, by source
	nodes   map[string]*yaml.Node // value node of every key given, by path
	params  *yaml.Node            // the parameters mapping, decoded once benchmark is known
}

// newDecoder starts a decoder for the config named file ("" for an unnamed
// reader, labelled "config" in problems).
func newDecoder(file string) *decoder {
	label := file
	if label == "" {
		label = "config"
	}
	return &decoder{
		file:    label,
		cfg:     &Config{File: file},
		origins: map[*yaml.Node]string{},
		nodes:   map[string]*yaml.Node{},
	}
}

// has reports whether a key was given in the file or by an override.
func (d *decoder) has(path string) bool {
	_, ok := d.nodes[path]
	return ok
}

// problem records a problem located at node n.
func (d *decoder) problem(n *yaml.Node, key, msg string, allowed ...string) {
	p := Problem{File: d.file, Key: key, Message: msg, Allowed: allowed}
	if src, ok := d.origins[n]; ok {
		p.Source = src
	} else if n != nil {
		p.Line = n.Line
	}
	d.probs = append(d.probs, p)
}

// at records a problem about a key, located at the key or, when it was not
// given, at its nearest given section.
func (d *decoder) at(path, msg string, allowed ...string) {
	for p := path; p != ""; p = parentPath(p) {
		if n, ok := d.nodes[p]; ok {
			d.problem(n, path, msg, allowed...)
			return
		}
	}
	d.problem(nil, path, msg, allowed...)
}

// warn records a warning about a key, located like at. It keeps nothing
// from running: run and validate print it.
func (d *decoder) warn(path, msg string, allowed ...string) {
	n := len(d.probs)
	d.at(path, msg, allowed...)
	w := d.probs[n]
	d.probs = d.probs[:n]
	d.cfg.Warnings = append(d.cfg.Warnings, w)
	d.cfg.Warnings = sortProblems(d.cfg.Warnings)
}

// resolve follows a YAML alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// decodeMapping decodes the keys of the section at prefix.
func (d *decoder) decodeMapping(n *yaml.Node, prefix string) {
	n = resolve(n)
	if isNull(n) {
		return // "data:" with nothing under it is an empty section
	}
	if n.Kind != yaml.MappingNode {
		d.problem(n, prefix, "must be a mapping of keys", childKeys(prefix)...)
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		path := joinPath(prefix, k.Value)
		if line, dup := seen[k.Value]; dup {
			d.problem(k, path, fmt.Sprintf("given twice (first on line %d)", line))
			continue
		}
		seen[k.Value] = k.Line
		f := fieldByPath[path]
		if f == nil {
			d.unknownKey(k, path, prefix)
			continue
		}
		d.nodes[path] = v
		if f.Type != tSection {
			d.decodeField(f, v)
			continue
		}
		if f.open != nil {
			f.open(d.cfg)
		}
		if path == "parameters" {
			d.params = v
			continue
		}
		d.decodeMapping(v, path)
	}
}

func (d *decoder) unknownKey(k *yaml.Node, path, section string) {
	allowed := childKeys(section)
	d.problem(k, path, "unknown key"+suggest(k.Value, allowed), allowed...)
}

// decodeField decodes, checks and stores one value.
func (d *decoder) decodeField(f *field, n *yaml.Node) {
	v, msg := decodeValue(f, n)
	if msg == "" {
		msg = checkValue(f, v)
	}
	if msg != "" {
		var allowed []string
		if f.Type == tString {
			allowed = f.Allowed
		}
		d.problem(n, f.Path, msg, allowed...)
		return
	}
	f.set(d.cfg, v)
}

// checkValue applies the field's rule or allowed list to a decoded value.
func checkValue(f *field, v any) string {
	switch x := v.(type) {
	case string:
		if len(f.Allowed) > 0 && !slices.Contains(f.Allowed, x) {
			return fmt.Sprintf("unknown value %q%s", x, suggest(x, f.Allowed))
		}
	case int:
		return f.rule.checkShown(float64(x), strconv.Itoa(x))
	case float64:
		return f.rule.check(x)
	case []int:
		for _, h := range x {
			if msg := f.rule.checkShown(float64(h), strconv.Itoa(h)); msg != "" {
				return "layer size " + msg
			}
		}
	}
	return ""
}

// decodeValue turns a node into the Go value a field of its type holds, or
// says why it cannot.
func decodeValue(f *field, n *yaml.Node) (any, string) {
	n = resolve(n)
	if isNull(n) {
		return nil, fmt.Sprintf("needs a value (%s)", f.Type)
	}
	switch f.Type {
	case tInt:
		i, msg := intFor(f, n)
		return int(i), msg
	case tUint:
		i, msg := intFor(f, n)
		if msg == "" && i < 0 {
			msg = fmt.Sprintf("must be >= 0, got %d", i)
		}
		return uint64(i), msg
	case tFloat:
		return floatValue(n)
	case tBool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			return nil, fmt.Sprintf("must be true or false, got %s", show(n))
		}
		return b, ""
	case tString:
		if n.Kind != yaml.ScalarNode {
			return nil, fmt.Sprintf("must be a string, got %s", show(n))
		}
		return n.Value, ""
	case tDuration:
		return durationValue(n)
	case tHidden:
		return hiddenValue(f, n)
	case tStrings:
		return stringsValue(n)
	case tEnv:
		return envValue(n)
	}
	return nil, fmt.Sprintf("cannot decode %s", f.Type)
}

// show describes a node for a message: a scalar by its text, else its kind.
func show(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "nothing"
}

// floatValue reads a finite number. A quoted number is accepted too: some
// YAML writers quote exponents, and 1e-6 must read the same however written.
func floatValue(n *yaml.Node) (float64, string) {
	bad := fmt.Sprintf("must be a number, got %s", show(n))
	if n.Kind != yaml.ScalarNode {
		return 0, bad
	}
	var x float64
	var err error
	switch n.ShortTag() {
	case "!!int", "!!float":
		err = n.Decode(&x)
	case "!!str":
		x, err = strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
	default:
		return 0, bad
	}
	if err != nil {
		if x, over := beyondFloat(n); over {
			if math.IsInf(x, 0) {
				return 0, fmt.Sprintf("must be a finite number (at most %g in magnitude), got %s", math.MaxFloat64, show(n))
			}
			return 0, fmt.Sprintf("is below the smallest float64 (about 5e-324), got %s: write 0 or a larger value", show(n))
		}
		return 0, bad
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Sprintf("must be a finite number, got %s", show(n))
	}
	return x, ""
}

// beyondFloat reports whether n is a number written beyond the float64
// range: x is ±Inf for one too large, 0 for one too small. yaml reads such
// a number (1e400) as a string.
func beyondFloat(n *yaml.Node) (x float64, over bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
	return x, errors.Is(err, strconv.ErrRange)
}

// intValue reads an integer; an integral number such as 1e4 counts.
func intValue(n *yaml.Node) (int64, string) {
	i, _, msg := readInt(n)
	return i, msg
}

// intFor reads an integer for f: one beyond int64 is refused with f's
// bound when it has one ("must be at most 1000000, got 1e18").
func intFor(f *field, n *yaml.Node) (int64, string) {
	i, over, msg := readInt(n)
	if over != 0 {
		if m := f.rule.checkShown(math.Inf(over), strings.TrimSpace(n.Value)); m != "" {
			return 0, m
		}
	}
	return i, msg
}

// readInt reads an integer; over is +1 or -1 for an integer (or integral
// number) beyond int64, whose message says so rather than that it is not
// an integer.
func readInt(n *yaml.Node) (i int64, over int, msg string) {
	bad := fmt.Sprintf("must be an integer, got %s", show(n))
	if n.Kind != yaml.ScalarNode {
		return 0, 0, bad
	}
	text := strings.TrimSpace(n.Value)
	beyond := func(sign int) (int64, int, string) {
		if sign < 0 {
			return 0, sign, fmt.Sprintf("must be at least %d, got %s", int64(math.MinInt64), text)
		}
		return 0, sign, fmt.Sprintf("must be at most %d, got %s", int64(math.MaxInt64), text)
	}
	sign := 1
	if strings.HasPrefix(text, "-") {
		sign = -1
	}
	if n.ShortTag() == "!!int" {
		if n.Decode(&i) != nil {
			return beyond(sign) // yaml read an integer: it only overflows
		}
		return i, 0, ""
	}
	x, msg := floatValue(n)
	switch {
	case msg != "":
		if x, over := beyondFloat(n); over && math.IsInf(x, 0) {
			return beyond(sign)
		}
		return 0, 0, bad
	case x != math.Trunc(x):
		return 0, 0, bad
	case math.Abs(x) <= 1<<53:
		return int64(x), 0, ""
	case math.Abs(x) >= 1<<63:
		return beyond(sign)
	}
	// Between 2^53 and 2^63 a float64 is not every integer: read the text
	// exactly (1e18 is 10^18). A long text is no integer anyone writes.
	if len(text) > 64 {
		return 0, 0, bad
	}
	if r, ok := new(big.Rat).SetString(text); ok && r.IsInt() && r.Num().IsInt64() {
		return r.Num().Int64(), 0, ""
	}
	return 0, 0, bad
}

func durationValue(n *yaml.Node) (time.Duration, string) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Sprintf(`must be a duration such as "30s", got %s`, show(n))
	}
	return parseDuration(n.Value)
}

// parseDuration reads a non-negative Go duration; a bare 0 means off.
func parseDuration(s string) (time.Duration, string) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Sprintf(`must be a duration such as "30s" or "2m", got %q`, s)
	}
	if d < 0 {
		return 0, fmt.Sprintf("must be >= 0, got %s", s)
	}
	return d, ""
}

// hiddenValue reads layer sizes from 16, [32, 16] or "32,16"; the string
// form is what a hidden choice exports to best.yaml.
func hiddenValue(f *field, n *yaml.Node) ([]int, string) {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		return parseLayers(n.Value)
	case n.Kind == yaml.ScalarNode:
		i, msg := intFor(f, n)
		return []int{int(i)}, msg
	case n.Kind == yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, "needs at least one layer"
		}
		layers := make([]int, len(n.Content))
		for i, c := range n.Content {
			h, msg := intFor(f, resolve(c))
			if msg != "" {
				return nil, fmt.Sprintf("layer %d %s", i, msg)
			}
			layers[i] = int(h)
		}
		return layers, ""
	}
	return nil, fmt.Sprintf(`must be layer sizes such as 16, [32, 16] or "32,16", got %s`, show(n))
}

// parseLayers reads "32,16": positive sizes separated by commas.
func parseLayers(s string) ([]int, string) {
	parts := strings.Split(s, ",")
	layers := make([]int, len(parts))
	for i, p := range parts {
		h, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || h < 1 {
			return nil, fmt.Sprintf(`must be positive layer sizes separated by commas such as "32,16", got %q`, s)
		}
		layers[i] = h
	}
	return layers, ""
}

func stringsValue(n *yaml.Node) ([]string, string) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Sprintf("must be a list of strings, got %s", show(n))
	}
	out := make([]string, len(n.Content))
	for i, c := range n.Content {
		c = resolve(c)
		if c.Kind != yaml.ScalarNode || isNull(c) {
			return nil, fmt.Sprintf("item %d must be a string, got %s", i, show(c))
		}
		out[i] = c.Value
	}
	return out, ""
}

// envName is what an environment variable may be called.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envValue reads a mapping of environment variable names to values; a
// number or bool is taken as written (workers: 4 is "4").
func envValue(n *yaml.Node) (map[string]string, string) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Sprintf("must be a mapping of variable names to values such as {OMP_NUM_THREADS: 1}, got %s", show(n))
	}
	env := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if !envName.MatchString(k.Value) {
			return nil, fmt.Sprintf("%q is not a variable name (letters, digits and _, not starting with a digit)", k.Value)
		}
		if v.Kind != yaml.ScalarNode || isNull(v) {
			return nil, fmt.Sprintf("%s must be a single value, got %s", k.Value, show(v))
		}
		env[k.Value] = v.Value
	}
	return env, ""
}

// valueNode parses one YAML value, as given in a default or an override,
// into a node; text that is not YAML stays a plain string.
func valueNode(text string) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) == 0 {
		tag := "!!str"
		if strings.TrimSpace(text) == "" {
			tag = "!!null"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: text}
	}
	return doc.Content[0]
}
