package trainer

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// pythonFloat spells x as Python's json module does.
func pythonFloat(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// FuzzMetricLines: a metric line in each syntax carries any float64 through
// exactly (1e-320 stays 1e-320, NaN and ±Inf mark divergence), and any
// output at all is read without a panic, keeping the reader's invariants:
// a bounded history, an objective that is NaN or what a strategy allows,
// steps within ±2^53 or counted.
func FuzzMetricLines(f *testing.F) {
	for _, seed := range []struct {
		text     string
		x        float64
		strategy uint8
	}{
		{`{"step":3,"val_loss":1e-320}`, 1e-320, 0},
		{"step=1 val_loss=0.5\nstep=2 val_loss=NaN\n", math.NaN(), 1},
		{`{"step": 1e400, "val_loss": Infinity}`, math.Inf(1), 2},
		{`{"step": -9007199254740993, "val_loss": -Infinity, "acc": NaN}`, math.Inf(-1), 0},
		{"val_loss=5e-324 step=9007199254740992\nval/loss=1 step=x\n", 5e-324, 1},
		{"{\"val_loss\": 1, \"step\": \"NaN\"}\n{\"a\\\"NaN\": NaN}\n{\"val_loss\": \"-infinity\"}", math.MaxFloat64, 2},
		{"\x00val_loss=1\x00\n{\x00}\n" + strings.Repeat("val_loss=1,", 1000), -math.MaxFloat64, 0},
		{"epoch=1 val_loss=1_000\nepoch=2 val_loss=0x1p-1074\n", 0, 1},
		{`{"step":1,"val_loss":1}{"step":2}`, -0.0, 2},
	} {
		f.Add(seed.text, seed.x, seed.strategy)
	}
	strategies := []string{MetricLast, MetricMin, MetricMax}
	f.Fuzz(func(t *testing.T, text string, x float64, strategy uint8) {
		cmd := Command{MetricStrategy: strategies[int(strategy)%len(strategies)]}
		for _, line := range []string{`{"step": 7, "val_loss": ` + pythonFloat(x) + `}`, "step=7 val_loss=" + pythonFloat(x)} {
			m, err := newMetricReader(&cmd)
			if err != nil {
				t.Fatal(err)
			}
			m.line([]byte(line))
			finite := !math.IsNaN(x) && !math.IsInf(x, 0)
			switch {
			case m.lastStep != 7 || m.n != 1:
				t.Fatalf("%s: step %d, %d values read; want step 7, 1 value", line, m.lastStep, m.n)
			case finite && (m.bad || math.Float64bits(m.value) != math.Float64bits(x)):
				t.Fatalf("%s: read %v (diverged %v), want %v", line, m.value, m.bad, x)
			case !finite && (!m.bad || pythonFloat(m.badValue) != pythonFloat(x)):
				t.Fatalf("%s: read %v (diverged %v), want it diverged at %v", line, m.badValue, m.bad, x)
			}
		}

		m, err := newMetricReader(&cmd)
		if err != nil {
			t.Fatal(err)
		}
		m.history.limit = 8 // thinning is exercised by short inputs too
		for line := range strings.Lines(text) {
			m.line([]byte(line))
		}
		points := m.history.result()
		if len(points) > 8 || m.n > m.lines {
			t.Fatalf("%d points kept of at most 8; %d objective values on %d metric lines", len(points), m.n, m.lines)
		}
		for _, p := range points {
			if p.Step > 1<<53 || p.Step < -(1<<53) {
				t.Fatalf("step %d", p.Step)
			}
		}
		if !math.IsNaN(m.value) && cmd.MetricStrategy != MetricLast && math.IsInf(m.value, 0) {
			t.Fatalf("strategy %s kept %v", cmd.MetricStrategy, m.value)
		}
	})
}
