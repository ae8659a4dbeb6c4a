package results

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestMeasured(t *testing.T) {
	tests := []struct {
		name     string
		m        Measurement
		measured bool
		float    float64 // NaN: Float must be NaN
	}{
		{"zero Measurement", Measurement{}, false, nan},
		{"NaN is not measured", Measured(math.NaN()), false, nan},
		{"0 is measured", Measured(0), true, 0},
		{"-Inf is measured", Measured(math.Inf(-1)), true, math.Inf(-1)},
		{"a value", Measured(0.25), true, 0.25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Measured(); got != tc.measured {
				t.Errorf("Measured() = %v, want %v", got, tc.measured)
			}
			if got := tc.m.Float(); got != tc.float && !(math.IsNaN(got) && math.IsNaN(tc.float)) {
				t.Errorf("Float() = %v, want %v", got, tc.float)
			}
		})
	}
	// "None" has one representation, so trials without a value compare
	// equal however they were made.
	if !reflect.DeepEqual(Trial{Value: Measured(math.NaN())}, Trial{}) {
		t.Error("a trial with Measured(NaN) differs from a zero Trial")
	}
}

// A trial built as a zero Trial has no value: it ranks after the measured
// ones, as trials without a value always have, and is never the best; a
// measured 0 is a value like any other.
func TestZeroTrialRanksAsUnmeasured(t *testing.T) {
	trials := []Trial{
		{Number: 0, Status: StatusOK},
		{Number: 1, Status: StatusOK, Value: Measured(0.5)},
		{Number: 2, Status: StatusOK, Value: Measured(0)},
	}
	for _, tc := range []struct {
		goal Goal
		want []int
	}{{GoalMinimize, []int{2, 1, 0}}, {GoalMaximize, []int{1, 2, 0}}} {
		if got := numbers(Rank(trials, tc.goal)); !slices.Equal(got, tc.want) {
			t.Errorf("Rank(%s) = %v, want %v", tc.goal, got, tc.want)
		}
	}
	if b, ok := Best(trials[:1], GoalMinimize); ok {
		t.Errorf("Best of a trial without a value = trial %d, want none", b.Number)
	}
	if b, ok := Best([]Trial{trials[0], trials[2]}, GoalMaximize); !ok || b.Number != 2 {
		t.Errorf("Best(maximize) = trial %d (%v), want the measured 0, trial 2", b.Number, ok)
	}
}

// The writers keep "not measured" (empty cell, null) apart from a measured
// 0.
func TestWritersMeasuredOrNot(t *testing.T) {
	zero := Measured(0)
	none := Trial{Number: 0, Status: StatusOK}
	zeros := Trial{Number: 1, Status: StatusOK, Value: zero, TrainLoss: zero, Accuracy: zero}

	var b bytes.Buffer
	if err := WriteCSV(&b, []Trial{none, zeros}); err != nil {
		t.Fatal(err)
	}
	want := "number,round,status,value,train_loss,accuracy,iterations,best_iteration,stop_reason,seconds,seed,error\n" +
		"0,0,ok,,,,0,,,0,0,\n" +
		"1,0,ok,0,0,0,0,,,0,0,\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}

	for _, tc := range []struct {
		trial Trial
		want  string
	}{
		{none, `{"number":0,"round":0,"params":{},"status":"ok","value":null,"train_loss":null,"iterations":0,"stop_reason":"","seconds":0}`},
		{zeros, `{"number":1,"round":0,"params":{},"status":"ok","value":0,"train_loss":0,"accuracy":0,"iterations":0,"stop_reason":"","seconds":0}`},
	} {
		got, err := json.Marshal(TrialDocument(tc.trial))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("JSON of trial %d:\ngot  %s\nwant %s", tc.trial.Number, got, tc.want)
		}
	}
}
