package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const data = "--data=../../data/diabetes.csv"

// lastLine decodes the last JSON line the program printed.
func lastLine(t *testing.T, out string) map[string]float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var m map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	return m
}

func TestTrains(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{data, "--learning_rate=0.01", "--epochs=15", "--batch_size=16", "--seed=3"}, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 15 {
		t.Errorf("%d lines for 15 epochs", n)
	}
	last := lastLine(t, out.String())
	// A linear model explains about half the variance of the diabetes
	// progression: losses well below 1 (predicting the mean).
	if last["step"] != 15 || !(last["val_loss"] < 0.8) || !(last["train_loss"] < 0.6) {
		t.Errorf("after 15 epochs: %v", last)
	}
	var again bytes.Buffer
	run([]string{data, "--learning_rate=0.01", "--epochs=15", "--batch_size=16", "--seed=3"}, &again)
	if again.String() != out.String() {
		t.Error("the same seed gave other numbers")
	}
}

func TestDivergesLoudly(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{data, "--learning_rate=5", "--epochs=50", "--batch_size=8"}, &out)
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Errorf("error %v, want it to say the loss diverged", err)
	}
	if !strings.Contains(out.String(), `"val_loss": NaN`) && !strings.Contains(out.String(), `"val_loss": Infinity`) {
		t.Errorf("no NaN or Infinity printed:\n%s", out.String())
	}
}

func TestParamsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "params.json")
	os.WriteFile(path, []byte(`{"learning_rate": 0.02, "epochs": 3, "batch_size": 64}`), 0o644)
	var out bytes.Buffer
	if err := run([]string{data, "--params=" + path}, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 3 {
		t.Errorf("%d epochs, want the 3 of params.json", n)
	}
	if err := run([]string{data, "--learning_rate=-1"}, &out); err == nil {
		t.Error("a negative learning rate was accepted")
	}
}
