package results

import (
	"math"
	"testing"
)

func TestSetKnownMinimum(t *testing.T) {
	trials := []Trial{
		{Number: 0, Status: StatusOK, Value: Measured(1.5)},
		{Number: 1, Status: StatusOK, Value: Measured(0.5)},
		{Number: 2, Status: StatusDiverged},
	}
	tests := []struct {
		name       string
		goal       Goal
		trials     []Trial
		minimum    float64
		wantMin    bool
		wantRegret *float64
	}{
		{"regret of the best", "minimize", trials, 0.25, true, regretPtr(0.25)},
		{"no success, no regret", "minimize", trials[2:], 0.25, true, nil},
		{"maximizing has no regret", "maximize", trials, 0.25, true, nil},
		{"infinite minimum is left out", "minimize", trials, math.Inf(-1), false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDocument(Study{Name: "b", Goal: tc.goal}, tc.trials)
			d.SetKnownMinimum(tc.minimum)
			if (d.KnownMinimum != nil) != tc.wantMin {
				t.Fatalf("known minimum %v, want set: %v", d.KnownMinimum, tc.wantMin)
			}
			switch {
			case tc.wantRegret == nil && d.Regret != nil:
				t.Fatalf("regret %v, want none", *d.Regret)
			case tc.wantRegret != nil && (d.Regret == nil || *d.Regret != *tc.wantRegret):
				t.Fatalf("regret %v, want %v", d.Regret, *tc.wantRegret)
			}
		})
	}
}

func regretPtr(v float64) *float64 { return &v }
