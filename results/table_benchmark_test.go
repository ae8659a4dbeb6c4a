package results

import (
	"math"
	"slices"
	"testing"
)

// A benchmark trial evaluates a test function and trains nothing: its
// ranked table must not carry columns that can only say NaN, 0 and ok.
func TestRankedRowsOfABenchmark(t *testing.T) {
	s := Study{Name: "branin", Metric: "value", Goal: "minimize"}
	trial := func(n int, v float64, status Status, err string) Trial {
		return Trial{Number: n, Params: Params{{Name: "x0", Value: v}}, Status: status,
			Value: Measured(v), Error: err}
	}
	cases := []struct {
		name   string
		trials []Trial
		want   []string
	}{
		{"all ok", []Trial{trial(0, 1.5, StatusOK, ""), trial(1, 0.5, StatusOK, "")},
			[]string{"rank", "trial", "x0", "value", "seconds"}},
		{"one failed keeps its reason", []Trial{trial(0, 1.5, StatusOK, ""), trial(1, math.NaN(), StatusFailed, "boom")},
			[]string{"rank", "trial", "x0", "value", "stop", "seconds"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			header, rows := RankedRows(s, c.trials, 0)
			if !slices.Equal(header, c.want) {
				t.Fatalf("header %q, want %q", header, c.want)
			}
			for _, r := range rows {
				if len(r) != len(header) {
					t.Fatalf("row %q has %d cells for %d columns", r, len(r), len(header))
				}
			}
		})
	}
}

// A trained trial keeps every column, even a diverged one whose training
// loss is NaN.
func TestRankedRowsOfTrainedTrialsKeepEveryColumn(t *testing.T) {
	s := Study{Name: "lr", Metric: "validation_loss", Goal: "minimize"}
	trials := []Trial{
		{Number: 0, Status: StatusOK, Value: Measured(0.1), TrainLoss: Measured(0.09), Iterations: 40, StopReason: "patience"},
		{Number: 1, Status: StatusDiverged, Iterations: 3, StopReason: "diverged"},
	}
	header, _ := RankedRows(s, trials, 0)
	want := []string{"rank", "trial", "validation_loss", "train loss", "iterations", "stop", "seconds"}
	if !slices.Equal(header, want) {
		t.Fatalf("header %q, want %q", header, want)
	}
}
