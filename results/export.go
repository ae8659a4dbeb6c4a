package results

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Document is the --json output of run and show (a DESIGN.md contract:
// keep the field names).
type Document struct {
	Study    string     `json:"study"`
	Strategy string     `json:"strategy"`
	Metric   string     `json:"metric"`
	Goal     Goal       `json:"goal"`
	Trials   []TrialDoc `json:"trials"`
	Rounds   []RoundDoc `json:"rounds"`
	Best     *BestDoc   `json:"best"` // null when no trial succeeded
	// KnownMinimum and Regret are set for a benchmark (a test function
	// with a known global minimum): Regret is the best value minus it,
	// how far the search stopped from the optimum. The caller gives the
	// minimum (see SetKnownMinimum): results knows no test function.
	KnownMinimum *float64 `json:"known_minimum,omitempty"`
	Regret       *float64 `json:"regret,omitempty"`
}

// SetKnownMinimum records a benchmark's known minimum and, when a trial
// succeeded, the regret of the best one. Regret is only defined for
// minimizing: a maximized study gets the minimum alone.
func (d *Document) SetKnownMinimum(minimum float64) {
	d.KnownMinimum = finite(minimum)
	if d.Best != nil && d.KnownMinimum != nil && !d.Goal.Maximizes() {
		d.Regret = finite(d.Best.Value - minimum)
	}
}

// TrialDoc is one trial in a Document, and the whole output of eval --json.
// Metrics that are NaN or infinite (a diverged trial) are null, because
// JSON has no such numbers. best_iteration, the iteration (or step) the
// value comes from, is left out when it is unknown (0).
type TrialDoc struct {
	Number        int      `json:"number"`
	Round         int      `json:"round"`
	Params        Params   `json:"params"`
	Status        string   `json:"status"`
	Value         *float64 `json:"value"`
	TrainLoss     *float64 `json:"train_loss"`
	Accuracy      *float64 `json:"accuracy,omitempty"` // classifiers only
	Iterations    int      `json:"iterations"`
	BestIteration int      `json:"best_iteration,omitempty"`
	StopReason    string   `json:"stop_reason"`
	Seconds       float64  `json:"seconds"`
	Error         string   `json:"error,omitempty"`
}

// RoundDoc is one round of a Document: the ranges it sampled from and the
// best and median value it found (null when it found none).
type RoundDoc struct {
	Round  int      `json:"round"`
	Ranges Ranges   `json:"ranges"`
	Best   *float64 `json:"best"`
	Median *float64 `json:"median"`
}

// BestDoc is the best trial of a Document; BestIteration as in TrialDoc.
type BestDoc struct {
	Number        int     `json:"number"`
	Params        Params  `json:"params"`
	Value         float64 `json:"value"`
	BestIteration int     `json:"best_iteration,omitempty"`
}

// Ranges is a round's parameter ranges; it marshals to a JSON object in
// order, each name mapped to [lo, hi] or to the list of choices.
type Ranges []Range

// MarshalJSON writes {"name": [lo, hi] | [choice, …], …} in order.
func (rs Ranges) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(r.Name)
		if err != nil {
			return nil, fmt.Errorf("range name: %w", err)
		}
		var v any = []*float64{finite(r.Low), finite(r.High)}
		if len(r.Choices) > 0 {
			v = r.Choices
		}
		val, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("range %s: %w", r.Name, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// finite returns a pointer to v, or nil for NaN and ±Inf, which JSON
// cannot hold.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// TrialDocument converts a trial to its JSON shape.
func TrialDocument(t Trial) TrialDoc {
	return TrialDoc{
		Number:        t.Number,
		Round:         t.Round,
		Params:        slices.Clone(t.Params),
		Status:        string(t.Status),
		Value:         finite(t.Value),
		TrainLoss:     finite(t.TrainLoss),
		Accuracy:      finite(t.Accuracy),
		Iterations:    t.Iterations,
		BestIteration: t.BestIteration,
		StopReason:    t.StopReason,
		Seconds:       t.Seconds(),
		Error:         t.Error,
	}
}

// NewDocument builds the JSON document of a study: its trials in number
// order, its rounds, and the best trial (see Best).
func NewDocument(s Study, trials []Trial) Document {
	doc := Document{
		Study:    s.Name,
		Strategy: s.Strategy,
		Metric:   s.Metric,
		Goal:     s.Goal,
		// Empty, not nil, so a study without trials still has "trials": [].
		Trials: make([]TrialDoc, 0, len(trials)),
		Rounds: make([]RoundDoc, 0, len(s.Rounds)),
	}
	sorted := slices.Clone(trials)
	slices.SortStableFunc(sorted, func(a, b Trial) int { return cmp.Compare(a.Number, b.Number) })
	for _, t := range sorted {
		doc.Trials = append(doc.Trials, TrialDocument(t))
	}
	for _, r := range s.Rounds {
		doc.Rounds = append(doc.Rounds, RoundDoc{
			Round:  r.Round,
			Ranges: Ranges(slices.Clone(r.Ranges)),
			Best:   finite(r.Best),
			Median: finite(r.Median),
		})
	}
	if b, ok := Best(trials, s.Goal); ok {
		doc.Best = &BestDoc{Number: b.Number, Params: slices.Clone(b.Params), Value: b.Value, BestIteration: b.BestIteration}
	}
	return doc
}

// WriteJSON writes v as indented JSON followed by a newline. HTML is not
// escaped: the output is for terminals and scripts, not web pages.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

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
		Value:     t.Value,
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

// LoadBestYAML reads a best.yaml file; see ReadBestYAML.
func LoadBestYAML(path string) (BestFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return BestFile{}, fmt.Errorf("load best settings: %w", err)
	}
	defer f.Close()
	return ReadBestYAML(f, path)
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

// WriteCSV writes all trials, one row each in the given order, for
// spreadsheets and pandas: number, round, status, one column per parameter
// (the union in first-seen order), value, train_loss, accuracy,
// iterations, best_iteration, stop_reason, seconds, seed, error. Floats are
// exact (shortest round-trip form); NaN, and a best_iteration that is not
// known (0), are empty cells.
func WriteCSV(w io.Writer, trials []Trial) error {
	names := ParamNames(trials)
	header := append([]string{"number", "round", "status"}, names...)
	header = append(header, "value", "train_loss", "accuracy", "iterations", "best_iteration", "stop_reason", "seconds", "seed", "error")

	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write CSV header: %w", err)
	}
	for _, t := range trials {
		row := []string{strconv.Itoa(t.Number), strconv.Itoa(t.Round), string(t.Status)}
		for _, name := range names {
			v, ok := t.Params.Get(name)
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, csvValue(v))
		}
		row = append(row,
			csvFloat(t.Value), csvFloat(t.TrainLoss), csvFloat(t.Accuracy),
			strconv.Itoa(t.Iterations), csvIteration(t.BestIteration), t.StopReason, csvFloat(t.Seconds()),
			strconv.FormatUint(t.Seed, 10), t.Error)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write CSV trial %d: %w", t.Number, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// csvIteration is an iteration, or an empty cell when it is not known.
func csvIteration(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func csvFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func csvValue(v any) string {
	switch x := v.(type) {
	case float64:
		return csvFloat(x)
	case string:
		return x
	default:
		return FormatValue(x)
	}
}
