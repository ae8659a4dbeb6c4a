package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchmarkReportsRegret runs the shipped benchmark example: the JSON
// document carries Branin's known minimum and the regret of the best
// trial, the tables end with the regret line, and validate names the
// objective.
func TestBenchmarkReportsRegret(t *testing.T) {
	config := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	out := t.TempDir()
	code, stdout, stderr := hpsearch(t, context.Background(), "run", config, "--json", "--storage", "memory:", "--set", "output.dir="+out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var doc struct {
		Best         *struct{ Value float64 } `json:"best"`
		KnownMinimum *float64                 `json:"known_minimum"`
		Regret       *float64                 `json:"regret"`
		Trials       []json.RawMessage        `json:"trials"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if doc.Best == nil || doc.KnownMinimum == nil || doc.Regret == nil {
		t.Fatalf("document lacks best, known_minimum or regret:\n%.600s", stdout)
	}
	if math.Abs(*doc.KnownMinimum-0.397887) > 1e-6 || *doc.Regret != doc.Best.Value-*doc.KnownMinimum {
		t.Fatalf("known minimum %v, regret %v for best %v", *doc.KnownMinimum, *doc.Regret, doc.Best.Value)
	}
	if len(doc.Trials) != 100 || *doc.Regret < 0 || *doc.Regret > 0.05 {
		t.Fatalf("%d trials, regret %v: want 100 trials and a regret below 0.05 (random search: about 0.4)", len(doc.Trials), *doc.Regret)
	}

	code, stdout, stderr = hpsearch(t, context.Background(), "run", config, "--storage", "memory:", "--set", "output.dir="+out, "--set", "search.trials=20")
	if code != exitOK || !strings.Contains(stdout, "Benchmark branin (2-D): best ") || !strings.Contains(stdout, "regret ") {
		t.Fatalf("exit %d; the tables lack the regret line:\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = hpsearch(t, context.Background(), "validate", config)
	if code != exitOK || !strings.Contains(stdout, "objective benchmark branin in 2 dimensions") || !strings.Contains(stdout, "28 in the coarse round 0, then 8 of 9") {
		t.Fatalf("exit %d; validate does not describe the benchmark and its rounds:\n%s", code, stdout)
	}
}

// show gives a stored benchmark study's regret as run did, rebuilt from
// the config stored with it; other studies get no regret line.
func TestShowBenchmarkRegret(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "s.db")
	config := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	code, runOut, stderr := hpsearch(t, context.Background(), "run", config, "--storage", db, "--set", "output.dir="+dir, "--set", "search.trials=20")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	regret := runOut[strings.LastIndex(runOut, "Benchmark branin"):]
	code, out, stderr := hpsearch(t, context.Background(), "show", "benchmark-branin", "--storage", db)
	if code != exitOK || !strings.HasSuffix(out, regret) {
		t.Fatalf("show: exit %d, want it to end with run's %q:\n%s\n%s", code, regret, out, stderr)
	}
	code, out, _ = hpsearch(t, context.Background(), "show", "benchmark-branin", "--storage", db, "--json")
	if code != exitOK || !strings.Contains(out, `"regret"`) || !strings.Contains(out, `"known_minimum"`) {
		t.Fatalf("show --json: exit %d, no regret:\n%.600s", code, out)
	}
	quick := filepath.Join("..", "..", "configs", "quickstart.yaml")
	if code, _, stderr := hpsearch(t, context.Background(), "run", quick, "--storage", db, "--set", "output.dir="+dir, "--set", "search.trials=4", "--set", "search.rounds=1", "--set", "search.trials_per_round=4"); code != exitOK {
		t.Fatalf("run quickstart: exit %d\n%s", code, stderr)
	}
	if code, out, _ = hpsearch(t, context.Background(), "show", "quickstart", "--storage", db); code != exitOK || strings.Contains(out, "Benchmark") {
		t.Fatalf("show quickstart: exit %d\n%s", code, out)
	}
}

// export --format json writes the same document as show --json: a
// benchmark study's keeps its known minimum and regret, in a file too.
func TestExportBenchmarkDocumentMatchesShow(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "s.db")
	config := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	if code, _, stderr := hpsearch(t, context.Background(), "run", config, "--storage", db, "--set", "output.dir="+dir, "--set", "search.trials=20"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	code, show, stderr := hpsearch(t, context.Background(), "show", "benchmark-branin", "--storage", db, "--json")
	if code != exitOK {
		t.Fatalf("show --json: exit %d\n%s", code, stderr)
	}
	code, export, stderr := hpsearch(t, context.Background(), "export", "benchmark-branin", "--storage", db, "--format", "json")
	if code != exitOK || export != show || !strings.Contains(export, `"regret"`) {
		t.Fatalf("export --format json: exit %d, want show --json's document:\n%.600s\n---\n%.600s\n%s", code, export, show, stderr)
	}
	file := filepath.Join(dir, "x.json")
	if code, _, stderr := hpsearch(t, context.Background(), "export", "benchmark-branin", "--storage", db, "-o", file); code != exitOK {
		t.Fatalf("export -o: exit %d\n%s", code, stderr)
	}
	if got, err := os.ReadFile(file); err != nil || string(got) != show {
		t.Fatalf("export -o %s (%v), want show --json's document:\n%.600s", file, err, got)
	}
}

// A study not in the store named by --storage: the hint lists that
// store's studies, for compare as for show and export.
func TestUnknownStudyHintNamesTheStorage(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "s.db")
	config := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	if code, _, stderr := hpsearch(t, context.Background(), "run", config, "--storage", db, "--set", "output.dir="+dir, "--set", "search.trials=4"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"compare", "benchmark-branin", "nope"},
		{"show", "nope"},
		{"export", "nope"},
	} {
		code, _, stderr := hpsearch(t, context.Background(), append(args, "--storage", db)...)
		if want := "(list them with: hpsearch studies --storage " + db + ")"; code != exitUsage || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, want %d and the hint %q:\n%s", args[0], code, exitUsage, want, stderr)
		}
	}
}
