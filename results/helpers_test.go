package results

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

var nan = math.NaN()

// t0 is a fixed start time, so seconds in golden files do not move.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// mkTrial builds a finished trial that took secs seconds.
func mkTrial(n int, st Status, value float64, secs float64, params ...Param) Trial {
	return Trial{
		Study:      "quickstart",
		Number:     n,
		Round:      n / 3,
		Params:     params,
		Seed:       uint64(1000 + n),
		Status:     st,
		Value:      Measured(value),
		TrainLoss:  Measured(value * 0.9),
		Iterations: 100 * (n + 1),
		StopReason: "gradient_threshold",
		Started:    t0,
		Finished:   t0.Add(time.Duration(secs * float64(time.Second))),
	}
}

func lr(v float64) Param       { return Param{Name: "learning_rate", Value: v} }
func batch(v int64) Param      { return Param{Name: "batch_size", Value: v} }
func act(v string) Param       { return Param{Name: "activation", Value: v} }
func momentum(v float64) Param { return Param{Name: "momentum", Value: v} }

// fixtureStudy is a small coarse-to-fine study with every kind of outcome.
func fixtureStudy() (Study, []Trial) {
	s := Study{
		Name:     "quickstart",
		Strategy: "coarse-to-fine",
		Metric:   "validation_loss",
		Goal:     "minimize",
		Total:    9,
		Rounds: []Round{
			{Round: 0, Ranges: []Range{
				{Name: "learning_rate", Low: 1e-5, High: 1, Log: true},
				{Name: "batch_size", Choices: []any{int64(16), int64(32), int64(64)}},
				{Name: "momentum", Low: 0, High: 0.99},
			}, Best: 0.0123, Median: 0.25},
			{Round: 1, Ranges: []Range{
				{Name: "learning_rate", Low: 1e-3, High: 0.1, Log: true},
				{Name: "batch_size", Choices: []any{int64(32)}},
				{Name: "momentum", Low: 0.5, High: 0.95},
			}, Best: 0.00981, Median: nan},
		},
	}
	diverged := mkTrial(2, StatusDiverged, nan, 0.5, lr(3), batch(16), momentum(0.9))
	diverged.TrainLoss = Measured(math.Inf(1))
	diverged.StopReason = "diverged"
	failed := mkTrial(4, StatusFailed, nan, 0.01, lr(0.02), batch(64), momentum(0.1))
	failed.TrainLoss = Measurement{}
	failed.Iterations = 0
	failed.StopReason = ""
	failed.Error = "command python3 train.py exited with status 1: ModuleNotFoundError: No module named torch\nTraceback…"
	pruned := mkTrial(5, StatusPruned, 0.4, 0.2, lr(0.0005), batch(32), momentum(0.3))
	pruned.StopReason = "pruned"
	running := Trial{Study: "quickstart", Number: 8, Round: 2, Status: StatusRunning,
		Params: Params{lr(0.004), batch(32), momentum(0.7)}}
	patience := mkTrial(6, StatusOK, 0.00981, 2.25, lr(0.0031622776601683794), batch(32), momentum(0.8))
	patience.StopReason = "patience"
	patience.BestIteration = 650 // patience 50 after the best validation loss
	trials := []Trial{
		mkTrial(0, StatusOK, 0.25, 1.5, lr(1e-5), batch(16), momentum(0)),
		mkTrial(1, StatusOK, 0.0123, 0.75, lr(0.001), batch(32), momentum(0.5)),
		diverged,
		mkTrial(3, StatusOK, 0.0123, 0.125, lr(0.01), batch(32), momentum(0.95)),
		failed,
		pruned,
		patience,
		mkTrial(7, StatusOK, 12345.678, 3, lr(1e-5), batch(64), momentum(0.2)),
		running,
	}
	return s, trials
}
