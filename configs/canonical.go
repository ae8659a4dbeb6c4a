package configs

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Setting is one resolved key of a config and its value as text.
type Setting struct {
	Key, Value string
}

// Canonical lists every resolved setting that decides which trials a study
// runs and what they score: seed, data, model, trainer, search plan and
// parameters. It leaves out what only changes where or how fast a study
// runs (name, output.dir, search.parallelism), so a study can be resumed
// with another name for its output or on a machine with more cores.
func (c *Config) Canonical() []Setting {
	var s []Setting
	add := func(k string, v any) { s = append(s, Setting{k, fmt.Sprint(v)}) }
	add("seed", c.Seed)
	add("benchmark", c.Benchmark)
	if d := c.Data.Synthetic; d != nil {
		add("data.synthetic", fmt.Sprintf("kind=%s samples=%d features=%d noise=%g degree=%d classes=%d",
			d.Kind, d.Samples, d.Features, d.Noise, d.Degree, d.Classes))
	}
	if d := c.Data.CSV; d != nil {
		add("data.csv", fmt.Sprintf("path=%s target=%s features=%s", d.Path, d.Target, strings.Join(d.Features, ",")))
	}
	add("data.validation", c.Data.Validation)
	add("data.standardize", c.Data.Standardize)
	m := c.Model
	add("model", fmt.Sprintf("kind=%s hidden=%v activation=%s degree=%d function=%s dimension=%d loss=%s",
		m.Kind, m.Hidden, m.Activation, m.Degree, m.Function, m.Dimension, m.Loss))
	t := c.Trainer
	add("trainer.optimizer", t.Optimizer)
	add("trainer.learning_rate", t.LearningRate)
	add("trainer.momentum", t.Momentum)
	add("trainer.batch_size", t.BatchSize)
	add("trainer.max_iterations", t.MaxIterations)
	add("trainer.gradient_threshold", t.GradientThreshold)
	add("trainer.patience", t.Patience)
	add("trainer.min_delta", t.MinDelta)
	if t.Monitor != "training_loss" {
		// Only when changed, so that studies stored before the key
		// existed still resume.
		add("trainer.monitor", t.Monitor)
	}
	add("trainer.time_limit", t.TimeLimit)
	add("trainer.init", fmt.Sprintf("mean=%g std=%g", t.Init.Mean, t.Init.Std))
	add("trainer.restarts", t.Restarts)
	if len(t.Command) > 0 {
		// Only with a command, so that studies stored before these keys
		// existed still resume. Devices only say where trials run.
		add("trainer.command", fmt.Sprintf("%q", t.Command))
		add("trainer.workdir", t.Workdir)
		add("trainer.env", envText(t.Env))
		add("trainer.timeout", t.Timeout)
		add("search.metric_strategy", c.Search.MetricStrategy)
		add("search.metric_regex", strconv.Quote(c.Search.MetricRegex))
	}
	q := c.Search
	add("search.strategy", q.Strategy)
	add("search.rounds", q.Rounds)
	add("search.trials_per_round", q.TrialsPerRound)
	add("search.trials", q.Trials)
	add("search.keep", q.Keep)
	add("search.metric", q.Metric)
	add("search.goal", q.Goal)
	add("search.grid_points", q.GridPoints)
	if q.Strategy == "coarse-to-fine-gp" || q.Strategy == "bayes" {
		// Only for these, so that studies stored before the key existed
		// still resume.
		add("search.batch", q.Batch)
	}
	add("search.warm_start", q.WarmStart)
	for _, p := range c.Parameters {
		add("parameters."+p.Name, p.describe())
	}
	return s
}

// envText writes variables sorted, so the text does not depend on map order.
func envText(env map[string]string) string {
	keys := slices.Sorted(maps.Keys(env))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(env[k])
	}
	return strings.Join(parts, " ")
}

// describe writes a parameter's distribution, and its condition when it
// has one; a parameter without one reads as before conditions existed, so
// older studies still resume.
func (p Parameter) describe() string {
	if p.When == nil {
		return p.describeDist()
	}
	return fmt.Sprintf("%s when %s in [%s]", p.describeDist(), p.When.Parent, strings.Join(choiceTexts(p.When.Values), ", "))
}

func (p Parameter) describeDist() string {
	switch p.Dist {
	case Choice:
		vs := make([]string, len(p.Choices))
		for i, v := range p.Choices {
			vs[i] = fmt.Sprintf("%v", v)
		}
		return "choice [" + strings.Join(vs, ", ") + "]"
	case Int:
		if p.Log {
			return fmt.Sprintf("int [%g, %g] log", p.Low, p.High)
		}
	}
	return fmt.Sprintf("%s [%s, %s]", p.Dist, strconv.FormatFloat(p.Low, 'g', -1, 64), strconv.FormatFloat(p.High, 'g', -1, 64))
}

// FormatCanonical writes settings one "key: value" line each, the form
// stored with a study.
func FormatCanonical(s []Setting) string {
	var b strings.Builder
	for _, kv := range s {
		b.WriteString(kv.Key)
		b.WriteString(": ")
		b.WriteString(kv.Value)
		b.WriteByte('\n')
	}
	return b.String()
}

// DiffCanonical compares a study's stored settings (FormatCanonical text)
// with a config's, and describes each difference as
// `key: stored X, config Y`; nil when they agree.
func DiffCanonical(stored string, now []Setting) []string {
	old := map[string]string{}
	var order []string
	for _, line := range strings.Split(strings.TrimRight(stored, "\n"), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		old[k] = v
		order = append(order, k)
	}
	var diffs []string
	seen := map[string]bool{}
	for _, kv := range now {
		seen[kv.Key] = true
		v, ok := old[kv.Key]
		switch {
		case kv.Key == envKey && (!ok || v != kv.Value):
			diffs = append(diffs, envDiff(v, ok, kv.Value))
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: not in the stored study, config has %s", kv.Key, kv.Value))
		case v != kv.Value:
			diffs = append(diffs, fmt.Sprintf("%s: stored %s, config %s", kv.Key, v, kv.Value))
		}
	}
	for _, k := range order {
		switch {
		case seen[k]:
		case k == envKey:
			diffs = append(diffs, fmt.Sprintf("%s: stored %s, not in the config", k, strings.Join(slices.Sorted(maps.Keys(parseEnvText(old[k]))), " ")))
		default:
			diffs = append(diffs, fmt.Sprintf("%s: stored %s, not in the config", k, old[k]))
		}
	}
	return diffs
}

// envKey's values are often secrets (API keys): a difference names the
// variables, never their values, since it is printed and logged.
const envKey = "trainer.env"

// envDiff describes how two envText forms differ by variable name.
func envDiff(stored string, ok bool, now string) string {
	before, after := parseEnvText(stored), parseEnvText(now)
	if !ok {
		return fmt.Sprintf("%s: not in the stored study, config has %s (values not shown)", envKey, strings.Join(slices.Sorted(maps.Keys(after)), " "))
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(before)) {
		v, in := after[k]
		switch {
		case !in:
			parts = append(parts, k+" only stored")
		case v != before[k]:
			parts = append(parts, k+" differs")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if _, in := before[k]; !in {
			parts = append(parts, k+" only in the config")
		}
	}
	if len(parts) == 0 { // the text differs but not the variables: say so without values
		parts = []string{"the values differ"}
	}
	return fmt.Sprintf("%s: %s (values not shown)", envKey, strings.Join(parts, ", "))
}

// parseEnvText reads envText's form, NAME="quoted" separated by spaces.
// What does not parse is one entry under its text up to '=', so that a
// damaged stored value is still told apart without being printed.
func parseEnvText(text string) map[string]string {
	env := map[string]string{}
	for rest := strings.TrimSpace(text); rest != ""; rest = strings.TrimLeft(rest, " ") {
		name, value, found := strings.Cut(rest, "=")
		if !found {
			env[name] = ""
			break
		}
		q, err := strconv.QuotedPrefix(value)
		if err != nil {
			env[name] = value
			break
		}
		env[name] = q
		rest = value[len(q):]
	}
	return env
}
