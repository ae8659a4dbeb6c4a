package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/hpsearch/hpsearch/internal/regular"
)

// EnvPrefix starts every environment variable that overrides a config key.
const EnvPrefix = "HPSEARCH"

// EnvName is the environment variable that overrides a config key:
// trainer.learning_rate is HPSEARCH_TRAINER_LEARNING_RATE.
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Load reads the config file at path and resolves it like Parse, with data
// paths relative to the file's directory.
func Load(path string, overrides []string) (*Config, error) {
	f, info, err := regular.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	defer f.Close()
	if info.Size() > MaxConfigBytes {
		return nil, fmt.Errorf("load config: %w", &TooLargeError{Name: path, Size: info.Size()})
	}
	return Parse(f, path, filepath.Dir(path), overrides)
}

// MaxConfigBytes is the largest config read. The YAML tree takes some
// seventy times the text in memory, so this keeps a mistaken file (a data
// file given as config, a generated million-value choice) to a few hundred
// MB; a real config is a few KB.
const MaxConfigBytes = 4 << 20

// TooLargeError is a config over MaxConfigBytes.
type TooLargeError struct {
	Name string
	Size int64 // -1 when only known to be over the limit
}

func (e *TooLargeError) Error() string {
	size := "more than"
	if e.Size >= 0 {
		size = fmt.Sprintf("%d bytes, more than", e.Size)
	}
	return fmt.Sprintf("%s is %s the %d bytes (4 MiB) a config may have", e.Name, size, MaxConfigBytes)
}

// Parse reads a config from r and returns it fully resolved. name labels
// problems and gives the default study name; baseDir is where relative data
// paths start. Values are layered file < environment (HPSEARCH_*) <
// overrides, each "key=value" as given to --set; a searchable hyperparameter
// name as key (learning_rate=0.05) pins it: its base value is set and it is
// no longer searched. Every problem found is returned at once as an *Error.
func Parse(r io.Reader, name, baseDir string, overrides []string) (*Config, error) {
	text, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", name, err)
	}
	if len(text) > MaxConfigBytes {
		return nil, fmt.Errorf("read config: %w", &TooLargeError{Name: name, Size: -1})
	}
	d := newDecoder(name)
	root := d.parseDocument(text)
	if root == nil {
		return nil, d.err()
	}
	d.applyEnv(root)
	pins := d.applySets(root, overrides)
	d.decodeMapping(root, "")
	d.decodeParameters()
	d.applyPins(pins)
	fillDefaults(d.cfg, d.has)
	d.validate(baseDir)
	if len(d.probs) > 0 {
		return nil, d.err()
	}
	return d.cfg, nil
}

// ParseSet splits a --set argument "key=value" at its first '='.
func ParseSet(kv string) (key, value string, err error) {
	key, value, ok := strings.Cut(kv, "=")
	key = strings.TrimSpace(key)
	switch {
	case !ok:
		return "", "", fmt.Errorf("%q is not key=value", kv)
	case key == "":
		return "", "", fmt.Errorf("%q has no key before '='", kv)
	}
	return key, value, nil
}

func (d *decoder) err() error {
	d.probs = sortProblems(d.probs)
	return &Error{Problems: d.probs}
}

// yamlLine finds the line in a yaml.v3 syntax error so that it is reported
// like every other problem.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument returns the root mapping, or nil after recording why there
// is none.
func (d *decoder) parseDocument(text []byte) *yaml.Node {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(text))
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		err = nil // an empty file
	}
	if err == nil {
		err = d.secondDocument(dec)
	}
	if err != nil {
		p := Problem{File: d.file, Message: err.Error()}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Message = m[2]
		}
		d.probs = append(d.probs, p)
		return nil
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} // an empty file: all defaults
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		d.problem(root, "", "a config must be a mapping of keys", childKeys("")...)
		return nil
	}
	return root
}

// secondDocument refuses a document after the config's: its keys would
// otherwise be dropped without a word. An empty one (a trailing ---)
// holds nothing to drop.
func (d *decoder) secondDocument(dec *yaml.Decoder) error {
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return err
	case len(next.Content) == 0 || isNull(next.Content[0]):
		return d.secondDocument(dec)
	}
	line := next.Line
	if line == 0 {
		line = next.Content[0].Line
	}
	return fmt.Errorf("yaml: line %d: a second YAML document; one config per file", line)
}

// otherEnv are the HPSEARCH_ variables that are not config keys: what
// hpsearch gives a trial's program (a program may run hpsearch in turn), and
// the knobs of its own tests and benchmarks.
var otherEnv = []string{
	"HPSEARCH_STUDY", "HPSEARCH_TRIAL", "HPSEARCH_DEVICE", // trainer/command_template.go; HPSEARCH_SEED is also the key seed
	"HPSEARCH_TRIAL_RUN",                    // trainer/command_linux.go: marks a trial's processes, so a stray one can be found and stopped
	"HPSEARCH_TEST_POSTGRES",                // results/postgres/pgtest: the test database
	"HPSEARCH_SCREENSHOTS",                  // results/report browser tests: where to keep screenshots
	"HPSEARCH_ES_SEEDS", "HPSEARCH_ES_RULE", // search early-stopping benchmark
}

// otherEnvPrefix starts the variables carrying a trial's parameters to its
// program: HPSEARCH_PARAM_LEARNING_RATE.
const otherEnvPrefix = "HPSEARCH_PARAM_"

// applyEnv layers HPSEARCH_* variables over the file. Every other HPSEARCH_
// variable is a problem: a misspelt HPSEARCH_TRAINER_MAX_ITERATION would
// otherwise run the sweep with a value nobody asked for, without a word.
func (d *decoder) applyEnv(root *yaml.Node) {
	d.unknownEnv(os.Environ())
	v := viper.New()
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	for _, f := range fields {
		if f.Type == tSection || !v.IsSet(f.Path) {
			continue
		}
		d.override(root, f.Path, v.GetString(f.Path), "env "+EnvName(f.Path))
	}
}

// unknownEnv reports each HPSEARCH_ variable of environ that names no
// config key and is not one of hpsearch's other variables.
func (d *decoder) unknownEnv(environ []string) {
	var keys []string
	known := map[string]bool{}
	for _, f := range fields {
		if f.Type != tSection {
			keys = append(keys, EnvName(f.Path))
			known[EnvName(f.Path)] = true
		}
	}
	for _, kv := range slices.Sorted(slices.Values(environ)) {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix+"_") || known[name] || slices.Contains(otherEnv, name) || strings.HasPrefix(name, otherEnvPrefix) {
			continue
		}
		hint := suggest(name, keys)
		if hint == "" {
			hint = " (an HPSEARCH_ variable sets the config key it spells: HPSEARCH_SEARCH_PARALLELISM sets search.parallelism)"
		}
		d.probs = append(d.probs, Problem{File: d.file, Source: "env " + name, Message: "not a config key" + hint})
	}
}

// setPin is a --set of a benchmark coordinate, applied once the parameters
// are known.
type setPin struct {
	name, value string
}

// applySets layers --set overrides over the file and the environment and
// returns the pins, applied once the parameters are decoded.
func (d *decoder) applySets(root *yaml.Node, sets []string) []setPin {
	var pins []setPin
	// With a command, every --set NAME=VALUE pins one of its parameters,
	// whatever the name: the program, not a trainer key, takes the value.
	command := commandGiven(root, sets)
	for _, kv := range sets {
		key, value, err := ParseSet(kv)
		if err != nil {
			d.probs = append(d.probs, Problem{File: d.file, Source: "--set", Message: err.Error()})
			continue
		}
		switch {
		case key == "parameters" || strings.HasPrefix(key, "parameters."):
			d.setProblem(key, "parameters cannot be set; pin one with --set NAME=VALUE")
		case fieldByPath[key] != nil:
			d.override(root, key, value, "--set")
		case searchable[key] != "" && !command:
			d.override(root, searchable[key], value, "--set")
			pins = append(pins, setPin{name: key})
		case benchmarkName.MatchString(key) || (command && commandParamName.MatchString(key)):
			pins = append(pins, setPin{name: key, value: value})
		default:
			d.unknownSet(key)
		}
	}
	return pins
}

func (d *decoder) setProblem(key, msg string, allowed ...string) {
	d.probs = append(d.probs, Problem{File: d.file, Source: "--set", Key: key, Message: msg, Allowed: allowed})
}

// unknownSet reports an unknown --set key against the keys of the deepest
// section it does name.
func (d *decoder) unknownSet(key string) {
	segs := strings.Split(key, ".")
	section := ""
	for i, seg := range segs {
		path := joinPath(section, seg)
		if f := fieldByPath[path]; f == nil || f.Type != tSection || i == len(segs)-1 {
			allowed := childKeys(section)
			if section == "" {
				allowed = append(allowed, Searchable()...)
			}
			d.setProblem(key, "unknown key"+suggest(seg, allowed), allowed...)
			return
		}
		section = path
	}
}

// override puts an overriding value into the tree at a key path, creating
// sections as needed, and remembers where its nodes came from.
func (d *decoder) override(root *yaml.Node, path, text, source string) {
	val := valueNode(text)
	d.markOrigin(val, source)
	m := root
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		idx := slices.IndexFunc(pairsKeys(m), func(k *yaml.Node) bool { return k.Value == seg })
		if i == len(segs)-1 {
			if idx >= 0 {
				m.Content[2*idx+1] = val
				return
			}
			k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg}
			d.origins[k] = source
			m.Content = append(m.Content, k, val)
			return
		}
		var next *yaml.Node
		if idx >= 0 {
			next = resolve(m.Content[2*idx+1])
		}
		if next == nil || next.Kind != yaml.MappingNode {
			// A missing or empty section ("data:"), or a bad value the
			// override replaces: the override brings its own section.
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			d.origins[next] = source
			if idx >= 0 {
				m.Content[2*idx+1] = next
			} else {
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg}
				d.origins[k] = source
				m.Content = append(m.Content, k, next)
			}
		}
		m = next
	}
}

// pairsKeys returns the key nodes of a mapping, in order.
func pairsKeys(m *yaml.Node) []*yaml.Node {
	keys := make([]*yaml.Node, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		keys = append(keys, m.Content[i])
	}
	return keys
}

func (d *decoder) markOrigin(n *yaml.Node, source string) {
	d.origins[n] = source
	for _, c := range n.Content {
		d.markOrigin(c, source)
	}
}

// applyPins takes pinned hyperparameters out of the search space: their base
// value was set by the override. A benchmark coordinate has no base value
// (the function needs every coordinate), so it becomes a fixed value.
func (d *decoder) applyPins(pins []setPin) {
	for _, pin := range pins {
		i := slices.IndexFunc(d.cfg.Parameters, func(p Parameter) bool { return p.Name == pin.name })
		if _, ok := searchable[pin.name]; ok && !d.isCommand() {
			if i >= 0 {
				d.cfg.Parameters = slices.Delete(d.cfg.Parameters, i, i+1)
			}
			continue
		}
		d.pinCoordinate(pin, i)
	}
}

func (d *decoder) pinCoordinate(pin setPin, i int) {
	f := benchmarkField
	if d.isCommand() {
		f = commandParamField
	}
	switch {
	case d.cfg.Benchmark == "" && !d.isCommand():
		d.unknownSet(pin.name)
	case i < 0:
		d.setProblem(pin.name, d.pinnedNotAParameter())
	default:
		v, msg := choiceValue(f, valueNode(pin.value))
		if msg != "" {
			d.setProblem(pin.name, msg)
			return
		}
		p := &d.cfg.Parameters[i]
		*p = Parameter{Name: p.Name, Dist: Choice, Choices: []any{v}, When: p.When, Line: p.Line}
	}
}
