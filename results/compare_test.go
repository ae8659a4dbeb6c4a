package results

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

func TestRangeMove(t *testing.T) {
	lr := func(lo, hi float64) Range { return Range{Name: "learning_rate", Low: lo, High: hi, Log: true} }
	ch := func(v ...any) Range { return Range{Name: "optimizer", Choices: v} }
	tests := []struct {
		name string
		x, y Range
		want string
	}{
		{"same", lr(1e-3, 1e-2), lr(1e-3, 1e-2), "same"},
		{"noise is not a move", lr(1e-3, 1e-2), lr(1.1e-3, 1.05e-2), "same"},
		{"up a decade in log space", lr(1e-3, 1e-2), lr(1e-2, 1e-1), "up"},
		{"down", lr(1e-3, 1e-2), lr(1e-4, 1e-3), "down"},
		{"narrower", lr(1e-4, 1e-1), lr(1e-3, 1e-2), "narrower"},
		{"up and wider", lr(1e-3, 1e-2), lr(1e-3, 1), "up, wider"},
		{"linear range", Range{Low: 0, High: 1}, Range{Low: 0.5, High: 1.5}, "up"},
		{"choices gained and lost", ch("gd", "adam"), ch("adam", "momentum"), "+momentum -gd"},
		{"same choices", ch("gd"), ch("gd"), "same"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RangeMove(tc.x, true, tc.y, true); got != tc.want {
				t.Fatalf("RangeMove(%v, %v) = %q, want %q", FormatRange(tc.x), FormatRange(tc.y), got, tc.want)
			}
		})
	}
	if got := RangeMove(Range{}, false, lr(1, 2), true); got != "new" {
		t.Errorf("a parameter only the second study has: %q, want new", got)
	}
}

func TestSummariesFallback(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	s.PutStudy(ctx, Study{Name: "a", Goal: "minimize", Total: 4, Created: time.Unix(1, 0)})
	for i, v := range []float64{3, 1, math.NaN(), 2} {
		st := StatusOK
		if math.IsNaN(v) {
			st = StatusDiverged
		}
		s.PutTrial(ctx, Trial{Study: "a", Number: i, Status: st, Value: Measured(v)})
	}
	s.PutTrial(ctx, Trial{Study: "a", Number: 4, Status: StatusRunning})
	sums, err := Summaries(ctx, s)
	if err != nil || len(sums) != 1 {
		t.Fatalf("%v %v", sums, err)
	}
	if got := sums[0]; got.Done != 4 || got.OK != 3 || got.Best != 1 || got.BestTrial != 1 {
		t.Fatalf("summary %+v, want 4 done, 3 ok, best 1 at trial 1", got)
	}
	var b bytes.Buffer
	if err := WriteStudies(&b, sums); err != nil || !strings.Contains(b.String(), "4/4") {
		t.Fatalf("WriteStudies: %v\n%s", err, b.String())
	}
}

// A parameter that does not apply to a study's best trial (momentum of
// plain gradient descent) is "—", as in the trial tables; a study with no
// successful trial has no best value at all: "-".
func TestCompareMarksParametersThatDoNotApply(t *testing.T) {
	a := Study{Name: "a", Goal: "minimize", Metric: "validation_loss"}
	b := Study{Name: "b", Goal: "minimize", Metric: "validation_loss"}
	at := []Trial{mkTrial(0, StatusOK, 0.5, 1, lr(0.1), act("momentum"), momentum(0.9))}
	bt := []Trial{mkTrial(0, StatusOK, 0.4, 1, lr(0.01), act("gd"))}
	var buf bytes.Buffer
	if err := WriteCompare(&buf, a, at, b, bt); err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, " best momentum ") {
			row = line
		}
	}
	if f := strings.Fields(strings.ReplaceAll(row, "│", " ")); len(f) != 4 || f[2] != "0.9" || f[3] != notApplied {
		t.Fatalf("best momentum row %q, want 0.9 for a and %s for b:\n%s", row, notApplied, buf.String())
	}
}
