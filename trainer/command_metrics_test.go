package trainer

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// read feeds lines to a reader made from c and returns it.
func read(t *testing.T, c Command, lines ...string) *metricReader {
	t.Helper()
	m, err := newMetricReader(&c)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		m.line([]byte(l + "\n"))
	}
	return m
}

func TestMetricLines(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		cmd       Command
		lines     []string
		value     float64
		valueStep int       // the step of the line the value was printed on
		steps     []int     // step of every history point
		values    []float64 // objective of every history point (NaN: not printed)
		lastStep  int
		diverged  bool
		objective int // values of the objective read
	}{
		{name: "json lines, last", lines: []string{
			`{"step": 0, "train_loss": 1.5, "val_loss": 0.9}`,
			`loading checkpoint`,
			`{"step": 5, "train_loss": 0.5, "val_loss": 0.3}`,
			`{"step": 10, "val_loss": 0.4}`,
		}, value: 0.4, valueStep: 10, steps: []int{0, 5, 10}, values: []float64{0.9, 0.3, 0.4}, lastStep: 10, objective: 3},
		{name: "last is the last line that printed the objective", lines: []string{
			`{"step": 5, "val_loss": 0.3}`, `{"step": 6, "train_loss": 0.2}`,
		}, value: 0.3, valueStep: 5, steps: []int{5, 6}, values: []float64{0.3, nan}, lastStep: 6, objective: 1},
		{name: "min: the step of the lowest, not of the last", cmd: Command{MetricStrategy: MetricMin}, lines: []string{
			`step=10 val_loss=0.5`, `step=20 val_loss=0.2`, `step=30 val_loss=0.2`, `step=40 val_loss=0.7`,
		}, value: 0.2, valueStep: 20, steps: []int{10, 20, 30, 40}, values: []float64{0.5, 0.2, 0.2, 0.7}, lastStep: 40, objective: 4},
		{name: "json lines, min", cmd: Command{MetricStrategy: MetricMin}, lines: []string{
			`{"epoch": 1, "val_loss": 0.9}`, `{"epoch": 2, "val_loss": 0.3}`, `{"epoch": 3, "val_loss": 0.4}`,
		}, value: 0.3, valueStep: 2, steps: []int{1, 2, 3}, values: []float64{0.9, 0.3, 0.4}, lastStep: 3, objective: 3},
		{name: "json lines, max of another metric", cmd: Command{Metric: "acc", MetricStrategy: MetricMax}, lines: []string{
			`{"iteration": 10, "acc": 0.7, "val_loss": 2}`, `{"iteration": 20, "acc": 0.9}`, `{"iteration": 30, "acc": 0.8}`,
		}, value: 0.9, valueStep: 20, steps: []int{10, 20, 30}, values: []float64{0.7, 0.9, 0.8}, lastStep: 30, objective: 3},
		{name: "no step: metric lines are counted", lines: []string{
			`{"val_loss": 3}`, `epoch done`, `{"train_loss": 2}`, `{"val_loss": 1}`,
		}, value: 1, valueStep: 3, steps: []int{1, 2, 3}, values: []float64{3, nan, 1}, lastStep: 3, objective: 2},
		{name: "name=value pairs, spaces and commas", lines: []string{
			`step=1 train_loss=0.8 val_loss=0.7`, `step=2, train_loss=0.6, val_loss=0.5`, `note: lr=high`, `step=3 val_loss=0.45 extra words`,
		}, value: 0.45, valueStep: 3, steps: []int{1, 2, 3}, values: []float64{0.7, 0.5, 0.45}, lastStep: 3, objective: 3},
		{name: "slashes in names", cmd: Command{Metric: "val/loss"}, lines: []string{`val/loss=0.25 train/loss=0.2`},
			value: 0.25, valueStep: 1, steps: []int{1}, values: []float64{0.25}, lastStep: 1, objective: 1},
		{name: "python NaN diverges", lines: []string{
			`{"step": 1, "val_loss": 0.5}`, `{"step": 2, "val_loss": NaN, "note": "NaN in a string"}`,
		}, value: nan, valueStep: 2, steps: []int{1, 2}, values: []float64{0.5, nan}, lastStep: 2, diverged: true, objective: 2},
		{name: "python Infinity diverges, min keeps the finite best", cmd: Command{MetricStrategy: MetricMin}, lines: []string{
			`{"step": 1, "val_loss": 0.5}`, `{"step": 2, "val_loss": Infinity}`,
		}, value: 0.5, valueStep: 1, steps: []int{1, 2}, values: []float64{0.5, math.Inf(1)}, lastStep: 2, diverged: true, objective: 2},
		{name: "kv nan diverges", lines: []string{`val_loss=nan`},
			value: nan, valueStep: 1, steps: []int{1}, values: []float64{nan}, lastStep: 1, diverged: true, objective: 1},
		{name: "kv overflow is infinite", lines: []string{`val_loss=1e999`},
			value: math.Inf(1), valueStep: 1, steps: []int{1}, values: []float64{math.Inf(1)}, lastStep: 1, diverged: true, objective: 1},
		{name: "regex", cmd: Command{MetricRegex: `Epoch (?P<step>\d+).*val_loss: (?P<value>[0-9.eE+-]+)(?: - acc: (?P<acc>[0-9.]+))?`}, lines: []string{
			`Epoch 1/3 - loss: 0.9 - val_loss: 0.8 - acc: 0.5`, `{"val_loss": 0.1}`, `Epoch 2/3 - loss: 0.5 - val_loss: 0.4`,
		}, value: 0.4, valueStep: 2, steps: []int{1, 2}, values: []float64{0.8, 0.4}, lastStep: 2, objective: 2},
		{name: "no metric at all", lines: []string{`hello`, `{"status": "starting"}`, `x=abc`, `{not json`},
			value: nan, valueStep: 0, lastStep: 0, objective: 0},
		{name: "json that is not an object of numbers", lines: []string{`{"val_loss": [1, 2]}`, `{"val_loss": "0.5"}`, `{"val_loss": null}`},
			value: nan, valueStep: 0, objective: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := read(t, tt.cmd, tt.lines...)
			if !same(m.value, tt.value) || m.valueStep != tt.valueStep {
				t.Errorf("value %v at step %d, want %v at %d", m.value, m.valueStep, tt.value, tt.valueStep)
			}
			hist := m.history.result()
			var steps []int
			var values []float64
			for _, p := range hist {
				steps = append(steps, p.Step)
				values = append(values, p.Value)
			}
			if !reflect.DeepEqual(steps, tt.steps) {
				t.Errorf("steps %v, want %v", steps, tt.steps)
			}
			if len(values) != len(tt.values) {
				t.Fatalf("values %v, want %v", values, tt.values)
			}
			for i := range values {
				if !same(values[i], tt.values[i]) {
					t.Errorf("values %v, want %v", values, tt.values)
					break
				}
			}
			if m.lastStep != tt.lastStep || m.bad != tt.diverged || m.n != tt.objective {
				t.Errorf("last step %d, diverged %v, %d values; want %d, %v, %d", m.lastStep, m.bad, m.n, tt.lastStep, tt.diverged, tt.objective)
			}
		})
	}
}

func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func TestMetricLineKeepsOtherMetrics(t *testing.T) {
	m := read(t, Command{}, `{"step": 3, "train_loss": 0.5, "val_loss": 0.25, "grad_norm": 1e-3, "phase": "train", "ok": true}`)
	got := m.history.result()[0].Metrics
	want := map[string]float64{"train_loss": 0.5, "val_loss": 0.25, "grad_norm": 1e-3}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metrics %v, want %v", got, want)
	}
}

func TestOnMetricPrunes(t *testing.T) {
	var seen []int
	c := Command{OnMetric: func(step int, v float64) bool {
		seen = append(seen, step)
		return v < 0.5 // stop once the loss is no longer falling below 0.5
	}}
	m, _ := newMetricReader(&c)
	stops := []bool{}
	for _, l := range []string{"step=1 val_loss=0.4", "step=2 train_loss=1", "step=3 val_loss=0.6", "step=4 val_loss=0.1"} {
		stops = append(stops, m.line([]byte(l)))
	}
	if !reflect.DeepEqual(stops, []bool{false, false, true, false}) {
		t.Errorf("stop requests %v", stops)
	}
	if !reflect.DeepEqual(seen, []int{1, 3}) || !m.pruned || m.prunedStep != 3 {
		t.Errorf("OnMetric saw steps %v; pruned %v at %d, want [1 3] pruned at 3", seen, m.pruned, m.prunedStep)
	}
	// Step 4 was printed after the decision: not the trial's.
	if m.lastStep != 3 || m.value != 0.6 || len(m.history.result()) != 3 {
		t.Errorf("after pruning at step 3: last step %d, value %v, %d history points; want 3, 0.6, 3", m.lastStep, m.value, len(m.history.result()))
	}
}

// TestOnMetricSeesTheTrialsValue: OnMetric is told what the trial would
// give if it stopped there: the last value, or the best so far with
// strategy min or max.
func TestOnMetricSeesTheTrialsValue(t *testing.T) {
	lines := []string{"val_loss=0.5", "val_loss=0.3", "val_loss=0.4", "val_loss=0.2", "val_loss=0.6"}
	for strategy, want := range map[string][]float64{
		MetricLast: {0.5, 0.3, 0.4, 0.2, 0.6},
		MetricMin:  {0.5, 0.3, 0.3, 0.2, 0.2},
		MetricMax:  {0.5, 0.5, 0.5, 0.5, 0.6},
	} {
		var seen []float64
		c := Command{MetricStrategy: strategy, OnMetric: func(_ int, v float64) bool { seen = append(seen, v); return true }}
		m, err := newMetricReader(&c)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			m.line([]byte(l))
		}
		if !reflect.DeepEqual(seen, want) {
			t.Errorf("%s: OnMetric saw %v, want %v", strategy, seen, want)
		}
	}
}

func TestMetricSettingsErrors(t *testing.T) {
	tests := []struct {
		cmd  Command
		want string
	}{
		{Command{MetricStrategy: "median"}, `metric strategy "median" (allowed: last, min, max)`},
		{Command{MetricRegex: `loss: ([0-9.]+)`}, "has no group named value"},
		{Command{MetricRegex: `(?P<value>[0-9.]+`}, "metric regex: error parsing regexp"},
	}
	for _, tt := range tests {
		_, err := newMetricReader(&tt.cmd)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want it to say %q", tt.cmd, err, tt.want)
		}
	}
}

func TestQuoteNonFinite(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": NaN, "b": -Infinity, "c": Infinity}`, `{"a": "NaN", "b": "-Infinity", "c": "Infinity"}`},
		{`{"s": "NaN \" Infinity", "a": NaN}`, `{"s": "NaN \" Infinity", "a": "NaN"}`},
		{`{"a": 1}`, `{"a": 1}`},
	}
	for _, tt := range tests {
		got, _ := quoteNonFinite([]byte(tt.in))
		if string(got) != tt.want {
			t.Errorf("quoteNonFinite(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestPointLogThins(t *testing.T) {
	l := pointLog{limit: 8, stride: 1}
	for i := 0; i < 100; i++ {
		l.add(MetricPoint{Step: i})
	}
	got := l.result()
	if len(got) > 8 || got[0].Step != 0 || got[len(got)-1].Step != 99 {
		t.Fatalf("kept %v: want at most 8 points from step 0 to the last, 99", got)
	}
	for i := 1; i < len(got)-1; i++ {
		if d := got[i].Step - got[i-1].Step; d != got[1].Step-got[0].Step {
			t.Errorf("uneven spacing at %d: %v", i, got)
		}
	}
	short := pointLog{limit: 8, stride: 1}
	for i := 0; i < 5; i++ {
		short.add(MetricPoint{Step: i})
	}
	if n := len(short.result()); n != 5 {
		t.Errorf("a short run kept %d of 5 points", n)
	}
}

func TestFormatParam(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{1e-5, "1e-05"}, {0.1, "0.1"}, {2.0, "2"}, {1.0 / 3, "0.3333333333333333"}, {int64(32), "32"}, {7, "7"},
		{"adam", "adam"}, {"1; rm -rf /", "1; rm -rf /"}, {true, "true"},
	}
	for _, tt := range tests {
		if got := FormatParam(tt.v); got != tt.want {
			t.Errorf("FormatParam(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestExpandArgv(t *testing.T) {
	r := CommandRun{Study: "s", Trial: 4, Seed: 99, Dir: "/runs/s/trials/4", Device: "1",
		Params: []CommandParam{{"lr", 0.001}, {"layers", int64(3)}, {"name", "a b"}}}
	got, err := expandArgv([]string{"python3", "train.py", "--lr", "{lr}", "{args}", "--out={trial_dir}/model-{trial}.pt",
		"{params_file}", "{seed}", "{study}", "--gpu={device}", `{"literal": {1}}`}, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"python3", "train.py", "--lr", "0.001", "--lr=0.001", "--layers=3", "--name=a b",
		"--out=/runs/s/trials/4/model-4.pt", "/runs/s/trials/4/params.json", "99", "s", "--gpu=1", `{"literal": {1}}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("argv\n%q\nwant\n%q", got, want)
	}
	errs := []struct {
		argv []string
		run  CommandRun
		want string
	}{
		{nil, r, "empty argv"},
		{[]string{"train", "{lr2}"}, r, "unknown placeholder {lr2} (allowed: lr, layers, name, args, params_file, trial, seed, study, trial_dir, device)"},
		{[]string{"train", "x{args}"}, r, "{args} expands to several arguments"},
		{[]string{"train", "{device}"}, CommandRun{}, "{device} needs a device pool"},
		{[]string{"{name}"}, CommandRun{Params: []CommandParam{{"name", ""}}}, "expands to an empty program name"},
	}
	for _, tt := range errs {
		if _, err := expandArgv(tt.argv, tt.run); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("expandArgv(%q): error %v, want it to say %q", tt.argv, err, tt.want)
		}
	}
	if err := CheckCommandArgv([]string{"train", "{lr}", "{device}"}, []string{"lr"}, true); err != nil {
		t.Errorf("CheckCommandArgv with a device pool: %v", err)
	}
	if err := CheckCommandArgv([]string{"train", "{device}"}, []string{"lr"}, false); err == nil {
		t.Error("CheckCommandArgv accepted {device} without a device pool")
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	var tb tailBuffer
	long := strings.Repeat("x", 1000)
	for i := range 500 { // 500 KB: far past the window
		fmt.Fprintf(&tb, "%s line %d\n", long, i)
	}
	got := tb.lines(3)
	want := []string{long + " line 497", long + " line 498", long + " line 499"}
	if !reflect.DeepEqual(got, want) || len(tb.b) > 2*tailWindow {
		t.Errorf("kept %d bytes, last lines %.20q…", len(tb.b), got)
	}
	var short tailBuffer
	short.Write([]byte("only\npartial"))
	if got := short.lines(5); !reflect.DeepEqual(got, []string{"only", "partial"}) {
		t.Errorf("lines %q", got)
	}
	if got := (&tailBuffer{}).lines(5); got != nil {
		t.Errorf("empty stderr gave %q", got)
	}
}
