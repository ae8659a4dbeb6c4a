package trainer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Fixed placeholders of a command's argv, besides the parameter names. A
// parameter may not take one of these names.
const (
	PlaceholderArgs       = "args"        // an element of its own: --name=value for every parameter, one element each
	PlaceholderParamsFile = "params_file" // the trial's params.json, every parameter as a JSON object; written only when named
	PlaceholderTrial      = "trial"       // the trial number
	PlaceholderSeed       = "seed"        // the trial's seed
	PlaceholderStudy      = "study"       // the study name
	PlaceholderTrialDir   = "trial_dir"   // the trial's directory (stdout, stderr, params.json)
	PlaceholderDevice     = "device"      // the device handed to the trial; needs a device pool
)

// CommandPlaceholders lists the fixed placeholders, in the order the
// reference documents them.
func CommandPlaceholders() []string {
	return []string{PlaceholderArgs, PlaceholderParamsFile, PlaceholderTrial, PlaceholderSeed,
		PlaceholderStudy, PlaceholderTrialDir, PlaceholderDevice}
}

// placeholderRE finds {name} in an argv element. Only identifier-like names
// are placeholders, so an argument such as '{"a": 1}' passes through as text.
var placeholderRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// ParamsFileName is the name of the JSON file holding a trial's parameters
// in its directory.
const ParamsFileName = "params.json"

// FormatParam writes a parameter value as a command receives it: floats
// in the shortest form that reads back to the same float64 (1e-05, 0.25),
// integers as integers, names as they are.
func FormatParam(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// expandArgv fills the placeholders of argv for one trial. Each parameter
// value becomes (part of) exactly one argv element and no shell ever sees
// it, so a value such as "1; rm -rf /" reaches the program as that text.
func expandArgv(argv []string, r CommandRun) ([]string, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("command: empty argv: name a program to run")
	}
	out := make([]string, 0, len(argv)+len(r.Params))
	for i, el := range argv {
		if el == "{"+PlaceholderArgs+"}" {
			for _, p := range r.Params {
				out = append(out, "--"+p.Name+"="+FormatParam(p.Value))
			}
			continue
		}
		var bad error
		s := placeholderRE.ReplaceAllStringFunc(el, func(m string) string {
			v, err := placeholderValue(m[1:len(m)-1], r)
			if err != nil && bad == nil {
				bad = fmt.Errorf("command: argv[%d] %q: %w", i, el, err)
			}
			return v
		})
		if bad != nil {
			return nil, bad
		}
		out = append(out, s)
	}
	if out[0] == "" {
		return nil, fmt.Errorf("command: argv[0] %q expands to an empty program name", argv[0])
	}
	return out, nil
}

// placeholderValue is the text of one placeholder for trial r.
func placeholderValue(name string, r CommandRun) (string, error) {
	switch name {
	case PlaceholderArgs:
		return "", fmt.Errorf("{args} expands to several arguments, so it must be an argv element of its own")
	case PlaceholderParamsFile:
		return filepath.Join(r.Dir, ParamsFileName), nil
	case PlaceholderTrial:
		return strconv.Itoa(r.Trial), nil
	case PlaceholderSeed:
		return strconv.FormatUint(r.Seed, 10), nil
	case PlaceholderStudy:
		return r.Study, nil
	case PlaceholderTrialDir:
		return r.Dir, nil
	case PlaceholderDevice:
		if r.Device == "" {
			return "", fmt.Errorf("{device} needs a device pool, and this trial has no device")
		}
		return r.Device, nil
	}
	for _, p := range r.Params {
		if p.Name == name {
			return FormatParam(p.Value), nil
		}
	}
	names := make([]string, len(r.Params))
	for i, p := range r.Params {
		names[i] = p.Name
	}
	allowed := append(names, CommandPlaceholders()...)
	return "", fmt.Errorf("unknown placeholder {%s} (allowed: %s)", name, strings.Join(allowed, ", "))
}

// CheckCommandArgv reports the first placeholder of argv that no trial
// could fill, given the parameter names and whether there is a device pool;
// nil when every trial can be expanded.
func CheckCommandArgv(argv []string, params []string, devices bool) error {
	r := CommandRun{Dir: "."}
	if devices {
		r.Device = "0"
	}
	for _, name := range params {
		r.Params = append(r.Params, CommandParam{Name: name, Value: "x"})
	}
	_, err := expandArgv(argv, r)
	return err
}

// paramEnvName is the environment variable carrying a parameter:
// learning_rate is HPSEARCH_PARAM_LEARNING_RATE.
func paramEnvName(name string) string {
	return "HPSEARCH_PARAM_" + strings.ToUpper(name)
}

// environ is the program's environment: hpsearch's own, then Command.Env,
// then the trial's variables, later ones winning.
func (c *Command) environ(r CommandRun) []string {
	env := os.Environ()
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same environment every time, whatever the map order
	for _, k := range keys {
		env = append(env, k+"="+c.Env[k])
	}
	env = append(env,
		"HPSEARCH_STUDY="+r.Study,
		"HPSEARCH_TRIAL="+strconv.Itoa(r.Trial),
		"HPSEARCH_SEED="+strconv.FormatUint(r.Seed, 10),
	)
	for _, p := range r.Params {
		env = append(env, paramEnvName(p.Name)+"="+FormatParam(p.Value))
	}
	if r.Device != "" {
		env = append(env, "CUDA_VISIBLE_DEVICES="+r.Device, "HPSEARCH_DEVICE="+r.Device)
	}
	return env
}

// names reports whether an element of argv holds {placeholder}.
func names(argv []string, placeholder string) bool {
	for _, el := range argv {
		if strings.Contains(el, "{"+placeholder+"}") {
			return true
		}
	}
	return false
}

// paramJSON writes a value as JSON, a float in the same form as on the
// command line (1e-05, not 0.00001).
func paramJSON(v any) ([]byte, error) {
	if x, ok := v.(float64); ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
		return []byte(FormatParam(x)), nil
	}
	return json.Marshal(v)
}

// writeParamsFile writes the trial's parameters as one JSON object, keys in
// the config's order.
func writeParamsFile(r CommandRun) error {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range r.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(p.Name)
		v, err := paramJSON(p.Value)
		if err != nil {
			return fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteString("}\n")
	path := filepath.Join(r.Dir, ParamsFileName)
	if err := writeTrialFile(path, b.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
