package trainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// MetricPoint is one line of a program's output that carried metrics.
type MetricPoint struct {
	Step    int                // the line's step, iteration or epoch; else its number among metric lines, from 1
	Value   float64            // the objective metric on this line; NaN when the line did not print it
	Metrics map[string]float64 // every metric the line printed, by name, the objective included
}

// How the objective is picked from the series of values a program prints.
const (
	MetricLast = "last" // the final value: where training ended
	MetricMin  = "min"  // the lowest finite value: the best checkpoint of a loss
	MetricMax  = "max"  // the highest finite value: the best checkpoint of an accuracy
)

// DefaultMetric is the metric read when Command.Metric is empty.
const DefaultMetric = "val_loss"

// historyLimit bounds the points a command trial keeps, so that a program
// printing a line per step for days cannot exhaust memory: every point up
// to this many, evenly thinned beyond (the objective is still computed from
// every value).
const historyLimit = 100_000

// stepKeys name a line's step, the first one present winning.
var stepKeys = []string{"step", "iteration", "epoch"}

// metricName is what counts as a metric's name in name=value pairs; slashes
// and dots allow TensorBoard-style names such as val/loss.
var metricName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)

// metricReader turns a program's stdout, line by line, into the objective
// and the history. It is used by one goroutine.
type metricReader struct {
	name     string
	strategy string
	re       *regexp.Regexp
	onMetric func(step int, value float64) bool
	onPoint  func(p MetricPoint)

	lines      int     // metric lines so far
	lastStep   int     // step of the last metric line
	n          int     // values of the objective so far
	value      float64 // the objective by strategy; NaN while there is none
	valueStep  int     // the step of the line value was printed on; 0 while there is none
	bad        bool    // a NaN or ±Inf objective was printed
	badValue   float64
	badStep    int
	pruned     bool // onMetric asked to stop
	prunedStep int
	history    pointLog
}

// newMetricReader checks the command's metric settings.
func newMetricReader(c *Command) (*metricReader, error) {
	m := &metricReader{name: c.Metric, strategy: c.MetricStrategy, onMetric: c.OnMetric, onPoint: c.OnPoint, value: math.NaN(),
		history: pointLog{limit: historyLimit, stride: 1}}
	if m.name == "" {
		m.name = DefaultMetric
	}
	switch m.strategy {
	case "":
		m.strategy = MetricLast
	case MetricLast, MetricMin, MetricMax:
	default:
		return nil, fmt.Errorf("command: metric strategy %q (allowed: last, min, max)", c.MetricStrategy)
	}
	if c.MetricRegex != "" {
		re, err := CompileMetricRegex(c.MetricRegex)
		if err != nil {
			return nil, err
		}
		m.re = re
	}
	return m, nil
}

// CompileMetricRegex compiles a metric regular expression, which must name
// the metric's value with a group (?P<value>…); a group (?P<step>…) gives
// the step, and any other named group a further metric by its name.
func CompileMetricRegex(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("metric regex: %w", err)
	}
	if re.SubexpIndex("value") < 0 {
		return nil, fmt.Errorf("metric regex %q has no group named value: write it as (?P<value>…)", expr)
	}
	return re, nil
}

// line reads one line of stdout. It returns true when the program should be
// stopped: the objective became NaN or infinite (diverged), or onMetric
// said so (pruned).
func (m *metricReader) line(b []byte) bool {
	if m.pruned || m.bad {
		// Stopping was asked for already: what the program still prints
		// before the signal lands is not the trial's (it would make the
		// step and value of a pruned or diverged trial depend on timing).
		return false
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return false
	}
	var (
		metrics map[string]float64
		step    int
		hasStep bool
	)
	switch {
	case m.re != nil:
		metrics, step, hasStep = m.parseRegex(b)
	case b[0] == '{':
		metrics, step, hasStep = parseJSONLine(b)
	default:
		metrics, step, hasStep = parseKVLine(b)
	}
	if len(metrics) == 0 {
		return false // a log line, not a metric line
	}
	m.lines++
	if !hasStep {
		step = m.lines
	}
	m.lastStep = step
	v, has := metrics[m.name]
	p := MetricPoint{Step: step, Value: math.NaN(), Metrics: metrics}
	if has {
		p.Value = v
	}
	m.history.add(p)
	if m.onPoint != nil {
		m.onPoint(p)
	}
	return has && m.objective(step, v)
}

// objective takes one value of the objective metric.
func (m *metricReader) objective(step int, v float64) (stop bool) {
	m.n++
	finite := !math.IsNaN(v) && !math.IsInf(v, 0)
	switch {
	case m.strategy == MetricLast:
		m.value, m.valueStep = v, step
	case !finite:
	case math.IsNaN(m.value) || (m.strategy == MetricMin && v < m.value) || (m.strategy == MetricMax && v > m.value):
		m.value, m.valueStep = v, step
	}
	if !finite {
		if !m.bad {
			m.bad, m.badValue, m.badStep = true, v, step
		}
		return true
	}
	// The pruner judges what the trial would give if it stopped here: the
	// value by the metric strategy so far (the best one, for min and max).
	if m.onMetric != nil && !m.pruned && !m.onMetric(step, m.value) {
		m.pruned, m.prunedStep = true, step
		return true
	}
	return false
}

func (m *metricReader) parseRegex(b []byte) (map[string]float64, int, bool) {
	match := m.re.FindSubmatch(b)
	if match == nil {
		return nil, 0, false
	}
	metrics := map[string]float64{}
	step, hasStep := 0, false
	for i, name := range m.re.SubexpNames() {
		if name == "" || match[i] == nil {
			continue
		}
		x, ok := parseNumber(string(bytes.TrimSpace(match[i])))
		switch {
		case !ok:
		case name == "step":
			step, hasStep = stepOf(x)
		case name == "value":
			metrics[m.name] = x
		default:
			metrics[name] = x
		}
	}
	return metrics, step, hasStep
}

// parseJSONLine reads a JSON object's numeric top-level values. NaN and
// Infinity, which Python's json module writes although JSON has no
// spelling for them, count as numbers: they are how divergence shows.
func parseJSONLine(b []byte) (map[string]float64, int, bool) {
	var obj map[string]any
	if json.Unmarshal(b, &obj) != nil {
		fixed, changed := quoteNonFinite(b)
		if !changed || json.Unmarshal(fixed, &obj) != nil {
			return nil, 0, false
		}
	}
	metrics := make(map[string]float64, len(obj))
	for k, v := range obj {
		switch x := v.(type) {
		case float64:
			metrics[k] = x
		case string:
			if f, ok := nonFinite(x); ok {
				metrics[k] = f
			}
		}
	}
	step, hasStep := takeStep(metrics)
	return metrics, step, hasStep
}

// parseKVLine reads name=value pairs separated by spaces or commas; words
// that are not such pairs are ignored.
func parseKVLine(b []byte) (map[string]float64, int, bool) {
	var metrics map[string]float64
	fields := strings.FieldsFunc(string(b), func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
	for _, f := range fields {
		name, val, ok := strings.Cut(f, "=")
		if !ok || !metricName.MatchString(name) {
			continue
		}
		x, ok := parseNumber(val)
		if !ok {
			continue
		}
		if metrics == nil {
			metrics = map[string]float64{}
		}
		metrics[name] = x
	}
	step, hasStep := takeStep(metrics)
	return metrics, step, hasStep
}

// takeStep removes the step from a line's metrics and returns it.
func takeStep(metrics map[string]float64) (int, bool) {
	for _, k := range stepKeys {
		if x, ok := metrics[k]; ok {
			delete(metrics, k)
			return stepOf(x)
		}
	}
	return 0, false
}

func stepOf(x float64) (int, bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1<<53 {
		return 0, false
	}
	return int(x), true
}

// parseNumber reads a number, including nan, inf and infinity in any case;
// a value beyond float64's range is ±Inf.
func parseNumber(s string) (float64, bool) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return x, true
}

// nonFinite reads the spellings of NaN and ±Inf that quoteNonFinite makes
// strings of (and a program may print as strings itself).
func nonFinite(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case "nan", "-nan", "+nan":
		return math.NaN(), true
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), true
	case "-inf", "-infinity":
		return math.Inf(-1), true
	}
	return 0, false
}

// quoteNonFinite puts quotes around the bare NaN, Infinity and -Infinity
// tokens outside strings, turning Python's JSON into JSON.
func quoteNonFinite(b []byte) ([]byte, bool) {
	var out []byte
	inString, escaped, changed := false, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inString = true
			out = append(out, c)
			continue
		}
		if tok := bareNonFinite(b[i:]); tok != "" {
			out = append(out, '"')
			out = append(out, tok...)
			out = append(out, '"')
			i += len(tok) - 1
			changed = true
			continue
		}
		out = append(out, c)
	}
	return out, changed
}

func bareNonFinite(b []byte) string {
	for _, tok := range []string{"NaN", "Infinity", "-Infinity"} {
		if bytes.HasPrefix(b, []byte(tok)) {
			return tok
		}
	}
	return ""
}

// pointLog keeps at most limit evenly spaced points however long a program
// prints: when full it drops every other point and doubles its stride. The
// last point offered is always kept, since that is where the run ended.
type pointLog struct {
	points  []MetricPoint
	limit   int
	stride  int
	seen    int
	last    MetricPoint
	pending bool // last was not kept by the stride
}

func (l *pointLog) add(p MetricPoint) {
	n := l.seen
	l.seen++
	l.last, l.pending = p, true
	if n%l.stride != 0 {
		return
	}
	if len(l.points) == l.limit {
		kept := l.points[:0]
		for i := 0; i < len(l.points); i += 2 {
			kept = append(kept, l.points[i])
		}
		l.points = kept
		l.stride *= 2
		if n%l.stride != 0 {
			return
		}
	}
	l.points = append(l.points, p)
	l.pending = false
}

// result returns the kept points, ending with the last one offered.
func (l *pointLog) result() []MetricPoint {
	if !l.pending {
		return l.points
	}
	if len(l.points) == l.limit {
		l.points[len(l.points)-1] = l.last
	} else {
		l.points = append(l.points, l.last)
	}
	l.pending = false
	return l.points
}
