package results

// best.yaml: the best trial's settings written as YAML a person edits and
// eval --params reads back, with errors naming the file's lines.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hpsearch/hpsearch/internal/regular"
)

// BestFile is runs/<study>/best.yaml: the best settings of a study, which
// eval --params and run --set accept back.
type BestFile struct {
	Study  string
	Metric string
	Goal   Goal
	Value  float64
	Trial  int
	// Iteration is the iteration (or step) of the trial that Value comes
	// from: how long to train in production. 0 when unknown, and then not
	// written.
	Iteration int
	Params    Params
}

// NewBestFile describes trial t of study s as best settings.
func NewBestFile(s Study, t Trial) BestFile {
	return BestFile{
		Study:     s.Name,
		Metric:    s.Metric,
		Goal:      s.Goal,
		Value:     t.Value.Float(),
		Trial:     t.Number,
		Iteration: t.BestIteration,
		Params:    slices.Clone(t.Params),
	}
}

// bestKeys are best.yaml's keys in the order they are written; iteration
// only when it is known.
var bestKeys = []string{"study", "metric", "goal", "value", "trial", "iteration", "params"}

// WriteBestYAML writes b as YAML with its keys and params in order. Floats
// are written with the shortest representation that reads back bit for
// bit, and always look like floats (1.0, not 1) so they come back as
// floats; strings are quoted only when they would otherwise read as
// something else.
func WriteBestYAML(w io.Writer, b BestFile) error {
	params := &yaml.Node{Kind: yaml.MappingNode}
	for _, p := range b.Params {
		v, err := valueNode(p.Value)
		if err != nil {
			return fmt.Errorf("best.yaml: param %s: %w", p.Name, err)
		}
		params.Content = append(params.Content, strNode(p.Name), v)
	}
	if len(params.Content) == 0 {
		params.Style = yaml.FlowStyle
	}
	values := []*yaml.Node{
		strNode(b.Study), strNode(b.Metric), strNode(string(b.Goal)),
		floatNode(b.Value), intNode(int64(b.Trial)), intNode(int64(b.Iteration)), params,
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	for i, k := range bestKeys {
		if k == "iteration" && b.Iteration <= 0 {
			continue
		}
		root.Content = append(root.Content, strNode(k), values[i])
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return fmt.Errorf("write best.yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write best.yaml: %w", err)
	}
	return nil
}

// valueNode encodes a parameter value, which is float64, int64 or string.
func valueNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case float64:
		return floatNode(x), nil
	case int64:
		return intNode(x), nil
	case int:
		return intNode(int64(x)), nil
	case string:
		return strNode(x), nil
	default:
		return nil, fmt.Errorf("unsupported value %v of type %T (want float64, int64 or string)", v, v)
	}
}

// yaml11Bools are words YAML 1.1 readers (PyYAML, older tools) take for
// booleans; yaml.v3 leaves them unquoted, so they are quoted here to keep a
// string a string in every reader.
var yaml11Bools = map[string]bool{
	"y": true, "yes": true, "n": true, "no": true, "on": true, "off": true,
}

func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if yaml11Bools[strings.ToLower(s)] {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func intNode(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}
}

func floatNode(v float64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: yamlFloat(v)}
}

// yamlFloat formats v exactly, in a form YAML resolves as a float.
func yamlFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return ".nan"
	case math.IsInf(v, 1):
		return ".inf"
	case math.IsInf(v, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0" // "1" would read back as an int
	}
	return s
}

// MaxBestFileBytes bounds a best-settings file: one written by hpsearch
// is a few hundred bytes, and /dev/zero given in its place must be refused,
// not read until memory runs out.
const MaxBestFileBytes = 1 << 20

// LoadBestYAML reads a best.yaml file; see ReadBestYAML. It must be a
// regular file (a FIFO would wait for a writer) of at most
// MaxBestFileBytes.
func LoadBestYAML(path string) (BestFile, error) {
	data, err := ReadBestBytes(path)
	if err != nil {
		return BestFile{}, err
	}
	return ReadBestYAML(bytes.NewReader(data), path)
}

// ReadBestBytes is the text of the best-settings file at path, refused
// as LoadBestYAML refuses it.
func ReadBestBytes(path string) ([]byte, error) {
	data, err := regular.ReadSmall(path, MaxBestFileBytes+1)
	if err != nil {
		return nil, fmt.Errorf("load best settings: %w", err)
	}
	if len(data) > MaxBestFileBytes {
		return nil, fmt.Errorf("load best settings: %s is larger than %d bytes: not a best-settings file", path, MaxBestFileBytes)
	}
	return data, nil
}

// yamlLineErr matches yaml.v3's syntax errors, to restate them as
// file:line like every other config error.
var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// ReadBestYAML parses best settings written by WriteBestYAML (or by hand).
// name is used in errors, which read name:line: problem and are all
// reported at once. params is required; integers come back as int64,
// floats as float64 and other scalars as string, in file order.
func ReadBestYAML(r io.Reader, name string) (BestFile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return BestFile{}, fmt.Errorf("%s: read: %w", name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
			return BestFile{}, fmt.Errorf("%s:%s: invalid YAML: %s", name, m[1], m[2])
		}
		return BestFile{}, fmt.Errorf("%s: invalid YAML: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return BestFile{}, fmt.Errorf("%s: empty file: want a mapping with %s", name, strings.Join(bestKeys, ", "))
	}
	p := bestParser{name: name}
	b := p.parse(doc.Content[0])
	if err := errors.Join(p.errs...); err != nil {
		return BestFile{}, err
	}
	return b, nil
}

// bestParser walks a best.yaml node tree, collecting every problem.
type bestParser struct {
	name string
	errs []error
}

func (p *bestParser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s", p.name, n.Line, fmt.Sprintf(format, args...)))
}

func (p *bestParser) parse(root *yaml.Node) BestFile {
	var b BestFile
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "best settings must be a mapping with %s, got %s", strings.Join(bestKeys, ", "), describe(root))
		return b
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			p.errorf(k, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "study":
			b.Study = p.str(k.Value, v)
		case "metric":
			b.Metric = p.str(k.Value, v)
		case "goal":
			b.Goal = Goal(p.str(k.Value, v))
		case "value":
			b.Value = p.float(k.Value, v)
		case "trial":
			b.Trial = p.int(k.Value, v)
		case "iteration":
			b.Iteration = p.int(k.Value, v)
		case "params":
			b.Params = p.params(v)
		default:
			p.errorf(k, "unknown key %q (allowed: %s)", k.Value, strings.Join(bestKeys, ", "))
		}
	}
	if !seen["params"] {
		p.errorf(root, "missing params")
	}
	return b
}

// describe names a node's kind for error messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	default:
		return "something else"
	}
}

func (p *bestParser) str(key string, n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errorf(n, "%s: want a string, got %s", key, describe(n))
		return ""
	}
	return n.Value
}

func (p *bestParser) float(key string, n *yaml.Node) float64 {
	var f float64
	if n.Kind != yaml.ScalarNode || n.Decode(&f) != nil {
		p.errorf(n, "%s: want a number, got %s", key, describe(n))
		return 0
	}
	return f
}

func (p *bestParser) int(key string, n *yaml.Node) int {
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		p.errorf(n, "%s: want an integer, got %s", key, describe(n))
		return 0
	}
	return i
}

func (p *bestParser) params(n *yaml.Node) Params {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "params: want a mapping of name: value, got %s", describe(n))
		return nil
	}
	out := make(Params, 0, len(n.Content)/2)
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			p.errorf(k, "params: want a parameter name, got %s", describe(k))
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "params: duplicate parameter %q", k.Value)
			continue
		}
		seen[k.Value] = true
		if val, ok := p.paramValue(k.Value, v); ok {
			out = append(out, Param{Name: k.Value, Value: val})
		}
	}
	return out
}

// paramValue decodes a scalar by its resolved tag, so 32 is an int64,
// 0.001 a float64 and relu (or a quoted "32") a string.
func (p *bestParser) paramValue(name string, n *yaml.Node) (any, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "params: %s: want a number or a string, got %s", name, describe(n))
		return nil, false
	}
	switch n.ShortTag() {
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			p.errorf(n, "params: %s: %q is not a 64-bit integer", name, n.Value)
			return nil, false
		}
		return i, true
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			p.errorf(n, "params: %s: %q is not a number", name, n.Value)
			return nil, false
		}
		return f, true
	case "!!null":
		p.errorf(n, "params: %s: missing value", name)
		return nil, false
	case "!!bool":
		p.errorf(n, "params: %s: booleans are not parameter values; quote %q to pass a string", name, n.Value)
		return nil, false
	default:
		return n.Value, true
	}
}
