package configs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hpsearch/hpsearch/internal/regular"
)

// commandMetric is the metric read from a command when search.metric is
// not given.
const commandMetric = "val_loss"

// commandPlaceholders are the fixed placeholders of trainer.command besides
// the parameter names. They mirror trainer.CommandPlaceholders (a test in
// search keeps the two in step; configs does not import trainer).
var commandPlaceholders = []string{"args", "params_file", "trial", "seed", "study", "trial_dir", "device"}

// commandOnly are the keys that mean something only with trainer.command.
var commandOnly = []string{"trainer.workdir", "trainer.env", "trainer.timeout", "trainer.devices",
	"search.metric_strategy", "search.metric_regex"}

var (
	// commandParamName is what a command's parameter may be called: it
	// becomes a placeholder, a --name=value flag and HPSEARCH_PARAM_NAME.
	commandParamName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// argvPlaceholder finds {name} in an argv element; other braces, as in
	// a JSON argument, are text.
	argvPlaceholder = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// commandParamField types a command's parameter: any number or name.
var commandParamField = &field{Path: "a command parameter", Type: tAny}

// isCommand reports whether trials run an external program, also when
// trainer.command was given with a bad value, so that its problem does not
// bring a cascade about missing data.
func (d *decoder) isCommand() bool {
	return len(d.cfg.Trainer.Command) > 0 || d.has("trainer.command")
}

// commandGiven reports, before the keys are decoded, whether the file, the
// environment or a --set gives trainer.command: --set NAME=VALUE then pins
// a parameter of the command rather than a trainer key.
func commandGiven(root *yaml.Node, sets []string) bool {
	for _, kv := range sets {
		if k, _, err := ParseSet(kv); err == nil && k == "trainer.command" {
			return true
		}
	}
	return mappingValue(mappingValue(root, "trainer"), "command") != nil
}

// mappingValue is the value of key in mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolve(m.Content[i+1])
		}
	}
	return nil
}

// commandParameter checks the name of a command's parameter.
func (d *decoder) commandParameter(k *yaml.Node, key string) (*field, bool) {
	switch {
	case !commandParamName.MatchString(k.Value):
		d.problem(k, key, "a command's parameter is named with letters, digits and _, not starting with a digit")
	case slices.Contains(commandPlaceholders, k.Value):
		d.problem(k, key, fmt.Sprintf("{%s} is a placeholder of trainer.command already; name the parameter otherwise", k.Value))
	default:
		for _, p := range d.cfg.Parameters {
			if strings.EqualFold(p.Name, k.Value) {
				d.problem(k, key, fmt.Sprintf("%s and %s would share the variable HPSEARCH_PARAM_%s", p.Name, k.Value, strings.ToUpper(k.Value)))
				return nil, false
			}
		}
		return commandParamField, true
	}
	return nil, false
}

// validateCommand checks trainer.command and the keys that go with it:
// the program exists, every placeholder can be filled, the metric can be
// read. Without a command, those keys are reported as misplaced.
func (d *decoder) validateCommand(baseDir string) {
	d.validateLauncher()
	if !d.isCommand() {
		for _, k := range commandOnly {
			if d.has(k) {
				d.at(k, "applies to trainer.command only (the built-in trainer ignores it)")
			}
		}
		return
	}
	c := d.cfg
	t := &c.Trainer
	if c.Benchmark != "" {
		d.at("trainer.command", "give benchmark or trainer.command, not both")
	}
	if t.Command != nil && len(t.Command) == 0 {
		d.at("trainer.command", "needs at least the program to run, e.g. [python3, train.py, \"{args}\"]")
	}
	if !filepath.IsAbs(t.Workdir) {
		t.Workdir = filepath.Join(baseDir, t.Workdir)
	}
	if info, err := os.Stat(t.Workdir); err != nil || !info.IsDir() {
		d.at("trainer.workdir", fmt.Sprintf("%s is not a directory", t.Workdir))
	} else if len(t.Command) > 0 {
		d.checkProgram(t.Command[0], t.Workdir)
	}
	d.checkPlaceholders()
	d.checkDevices()
	if re := c.Search.MetricRegex; re != "" {
		if compiled, err := regexp.Compile(re); err != nil {
			d.at("search.metric_regex", fmt.Sprintf("not a regular expression: %v", err))
		} else if compiled.SubexpIndex("value") < 0 {
			d.at("search.metric_regex", `needs a group named value holding the number, e.g. val_loss: (?P<value>\S+)`)
		}
	}
}

// checkProgram makes sure the program can be found, so that a typo is one
// config problem rather than every trial failing.
func (d *decoder) checkProgram(prog, workdir string) {
	switch {
	case argvPlaceholder.MatchString(prog):
		return // a parameter names the program: only a trial's value tells
	case strings.ContainsRune(prog, filepath.Separator):
		path := prog
		if !filepath.IsAbs(path) {
			path = filepath.Join(workdir, path)
		}
		info, err := os.Stat(path)
		switch {
		case err != nil:
			d.at("trainer.command", fmt.Sprintf("program %s not found (relative to trainer.workdir %s)", prog, workdir))
		case info.IsDir():
			d.at("trainer.command", fmt.Sprintf("program %s is a directory, not a program", prog))
		case !info.Mode().IsRegular():
			d.at("trainer.command", "program "+(&regular.NotRegularError{Path: prog, Mode: info.Mode()}).Error())
		case runtime.GOOS != "windows" && info.Mode().Perm()&0o111 == 0:
			// Every trial would fail "permission denied".
			d.at("trainer.command", fmt.Sprintf("program %s is not executable (chmod +x %s, or name its interpreter first: [python3, %s, …])", prog, prog, prog))
		}
	default:
		if _, err := exec.LookPath(prog); err != nil {
			d.at("trainer.command", fmt.Sprintf("program %q not found in PATH", prog))
		}
	}
}

// checkPlaceholders makes sure every trial's argv can be expanded.
func (d *decoder) checkPlaceholders() {
	c := d.cfg
	allowed := make([]string, 0, len(c.Parameters)+len(commandPlaceholders))
	for _, p := range c.Parameters {
		allowed = append(allowed, p.Name)
	}
	allowed = append(allowed, commandPlaceholders...)
	for i, el := range c.Trainer.Command {
		for _, m := range argvPlaceholder.FindAllStringSubmatch(el, -1) {
			name := m[1]
			switch {
			case name == "args" && el != "{args}":
				d.at("trainer.command", fmt.Sprintf("item %d %q: {args} becomes several arguments, so it must be an item of its own", i, el))
			case name == "device" && len(c.Trainer.Devices) == 0:
				d.at("trainer.command", fmt.Sprintf("item %d %q: {device} needs trainer.devices", i, el))
			case !slices.Contains(allowed, name):
				d.at("trainer.command", fmt.Sprintf("item %d %q: unknown placeholder {%s}%s", i, el, name, suggest(name, allowed)), allowed...)
			}
		}
	}
}

func (d *decoder) checkDevices() {
	seen := map[string]bool{}
	for _, dev := range d.cfg.Trainer.Devices {
		switch {
		case strings.TrimSpace(dev) == "":
			d.at("trainer.devices", "holds an empty device id")
		case seen[dev]:
			d.at("trainer.devices", fmt.Sprintf("lists device %s twice: two trials would share it", dev))
		}
		seen[dev] = true
	}
}

// pinnedNotAParameter says that --set NAME=VALUE names no parameter.
func (d *decoder) pinnedNotAParameter() string {
	if d.isCommand() {
		return "not a parameter of this config (trainer.command)"
	}
	return fmt.Sprintf("not a parameter of this config (benchmark %s)", d.cfg.Benchmark)
}
