package results

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestFloorOfMetricAndGap(t *testing.T) {
	f := &Floor{TrainLoss: 0.5, ValidationLoss: 0.7}
	cases := []struct {
		metric string
		want   float64
		ok     bool
	}{
		{"validation_loss", 0.7, true},
		{"train_loss", 0.5, true},
		{"accuracy", 0, false},
		{"val_loss", 0, false}, // a command's metric: no floor known
	}
	for _, c := range cases {
		got, ok := f.Of(c.metric)
		if got != c.want || ok != c.ok {
			t.Errorf("Of(%s) = %g, %v; want %g, %v", c.metric, got, ok, c.want, c.ok)
		}
	}
	noVal := &Floor{TrainLoss: 0.5, ValidationLoss: math.NaN()}
	if got, ok := noVal.Of("validation_loss"); !ok || got != 0.5 {
		t.Errorf("without a validation split the value is the training loss: Of = %g, %v", got, ok)
	}
	var none *Floor
	if _, ok := none.Of("validation_loss"); ok {
		t.Error("a nil floor has a value")
	}
	if g, ok := f.Gap("validation_loss", Trial{Value: Measured(0.75)}); !ok || math.Abs(g-0.05) > 1e-12 {
		t.Errorf("Gap = %g, %v; want 0.05", g, ok)
	}
	if _, ok := f.Gap("validation_loss", Trial{Value: Measured(math.Inf(1))}); ok {
		t.Error("a diverged value has a gap")
	}
}

func TestFloorStoredFormRoundTrips(t *testing.T) {
	for _, f := range []*Floor{nil, {TrainLoss: 1.25, ValidationLoss: 2.5}, {TrainLoss: 0, ValidationLoss: math.NaN()}} {
		s, err := EncodeFloor(f)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeFloor(s)
		if err != nil {
			t.Fatal(err)
		}
		if (f == nil) != (back == nil) || f != nil && (back.TrainLoss != f.TrainLoss || !sameFloat(back.ValidationLoss, f.ValidationLoss)) {
			t.Errorf("%+v → %q → %+v", f, s, back)
		}
	}
	if _, err := EncodeFloor(&Floor{TrainLoss: math.NaN()}); err == nil {
		t.Error("a NaN train loss was encoded")
	}
	if _, err := DecodeFloor("{bad"); err == nil {
		t.Error("bad JSON decoded")
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// A study with a floor shows it in its summary, a column of each trial's
// distance above it in the ranked table, and a floor object in its
// document; one without shows none of them (its outputs are as before).
func TestFloorInTablesAndDocument(t *testing.T) {
	trials := []Trial{
		mkTrial(0, StatusOK, 0.3, 1, Param{Name: "learning_rate", Value: 0.01}),
		mkTrial(1, StatusOK, 0.25, 1, Param{Name: "learning_rate", Value: 0.1}),
		mkTrial(2, StatusDiverged, math.Inf(1), 1, Param{Name: "learning_rate", Value: 10.0}),
	}
	s := Study{Name: "quickstart", Metric: "validation_loss", Goal: GoalMinimize, Total: 3}
	var plain bytes.Buffer
	if err := WriteSummary(&plain, s, trials); err != nil {
		t.Fatal(err)
	}
	header, _ := RankedRows(s, trials, 0)
	if strings.Contains(plain.String(), "floor") || strings.Contains(strings.Join(header, " "), "floor") {
		t.Fatalf("a study without a floor shows one:\n%s\n%v", plain.String(), header)
	}

	s.Floor = &Floor{TrainLoss: 0.18, ValidationLoss: 0.2}
	var sum bytes.Buffer
	if err := WriteSummary(&sum, s, trials); err != nil {
		t.Fatal(err)
	}
	want := plain.String() + "least-squares floor: validation_loss 0.2; the best is 0.05 above it\n" +
		"  (its train_loss, 0.18, is the lowest any weights reach)\n"
	if sum.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", sum.String(), want)
	}
	header, rows := RankedRows(s, trials, 0)
	col := -1
	for i, h := range header {
		if h == floorGapColumn {
			col = i
		}
	}
	if col < 0 || header[col-1] != "validation_loss" {
		t.Fatalf("header %v: want %q after the metric", header, floorGapColumn)
	}
	var gaps []string
	for _, r := range rows {
		gaps = append(gaps, r[col])
	}
	if strings.Join(gaps, " ") != "0.05 0.1 -" {
		t.Errorf("gaps %v, want 0.05 0.1 - (best first, the diverged trial none)", gaps)
	}

	var doc map[string]any
	b, err := json.Marshal(NewDocument(s, trials))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	fl, ok := doc["floor"].(map[string]any)
	if !ok || fl["train_loss"] != 0.18 || fl["validation_loss"] != 0.2 {
		t.Errorf("document floor %v, want train_loss 0.18, validation_loss 0.2", doc["floor"])
	}
	s.Floor = nil
	if b, _ := json.Marshal(NewDocument(s, trials)); strings.Contains(string(b), "floor") {
		t.Errorf("a document without a floor names one: %s", b)
	}
}
