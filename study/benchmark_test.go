package study

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

func mustBenchmark(t *testing.T, yaml string) *Benchmark {
	t.Helper()
	cfg, err := configs.Parse(strings.NewReader(yaml), "b.yaml", ".", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBenchmark(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBenchmarkEvaluates(t *testing.T) {
	// x1 before x0 in the document: coordinates are found by name.
	b := mustBenchmark(t, "benchmark: rosenbrock\nparameters: {x1: {uniform: [-2, 2]}, x0: {uniform: [-2, 2]}}")
	tests := []struct {
		name   string
		params results.Params
		status results.Status
		value  float64
	}{
		{"at the minimum", results.Params{{Name: "x1", Value: 1.0}, {Name: "x0", Value: 1.0}}, results.StatusOK, 0},
		{"by name", results.Params{{Name: "x1", Value: 0.0}, {Name: "x0", Value: 1.0}}, results.StatusOK, 100},
		{"integer value", results.Params{{Name: "x0", Value: int64(0)}, {Name: "x1", Value: 0.0}}, results.StatusOK, 1},
		{"missing coordinate", results.Params{{Name: "x0", Value: 1.0}}, results.StatusFailed, math.NaN()},
		{"not a number", results.Params{{Name: "x0", Value: "one"}, {Name: "x1", Value: 1.0}}, results.StatusFailed, math.NaN()},
		{"infinite", results.Params{{Name: "x0", Value: math.Inf(1)}, {Name: "x1", Value: 1.0}}, results.StatusDiverged, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := b.Evaluate(context.Background(), search.Task{Params: tc.params})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Status != tc.status || !(tr.Value.Float() == tc.value || !tr.Value.Measured() && math.IsNaN(tc.value)) {
				t.Fatalf("got %s %v (%s), want %s %v", tr.Status, tr.Value.Float(), tr.Error, tc.status, tc.value)
			}
			if tc.status != results.StatusOK && tr.Error == "" {
				t.Error("a trial that is not ok must say why")
			}
		})
	}
	if b.Name() != "rosenbrock" || b.Dim() != 2 || b.Minimum.Value != 0 || b.Regret(0.25) != 0.25 {
		t.Errorf("name %s, dim %d, minimum %v, regret(0.25) %v", b.Name(), b.Dim(), b.Minimum.Value, b.Regret(0.25))
	}
}

func TestBenchmarkDimension(t *testing.T) {
	// configs refuses a wrong dimension first; NewBenchmark must too, for
	// callers that build a Config by hand.
	cfg := &configs.Config{Benchmark: "hartmann6", Parameters: []configs.Parameter{{Name: "x0", Dist: configs.Uniform, High: 1}}}
	if _, err := NewBenchmark(cfg); err == nil || !strings.Contains(err.Error(), "6-dimensional") {
		t.Fatalf("hartmann6 with one parameter: %v, want a dimension error", err)
	}
	cfg.Benchmark = "nosuch"
	if _, err := NewBenchmark(cfg); err == nil {
		t.Fatal("an unknown benchmark was accepted")
	}
}
