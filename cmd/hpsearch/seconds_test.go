package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The trials.csv a run writes and the one export writes from the store
// are the same file: a trial's seconds were measured on the monotonic
// clock in the run and on the stored wall-clock times afterwards, and
// differed in the last digits.
func TestRunAndExportWriteTheSameTrials(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "hp.db")
	code, _, stderr := hpsearch(t, context.Background(), "run", filepath.Join("..", "..", "configs", "quickstart.yaml"),
		"--storage", db, "--set", "output.dir="+dir, "--set", "search.trials=16")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	written, err := os.ReadFile(filepath.Join(dir, "quickstart", "trials.csv"))
	if err != nil {
		t.Fatal(err)
	}
	code, exported, stderr := hpsearch(t, context.Background(), "export", "quickstart", "--storage", db, "--format", "csv")
	if code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	if string(written) != exported {
		t.Errorf("run's trials.csv and export's differ:\n%s\n---\n%s", written, exported)
	}
}
