package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// TestBestIterationIsExported: with trainer.monitor validation_loss (the
// iris example) every trial says which iteration its value comes from, in
// --json, trials.csv, best.yaml and show --json; eval --params accepts the
// best.yaml back and retrains to the same value at the same iteration.
func TestBestIterationIsExported(t *testing.T) {
	out := t.TempDir()
	cfg := filepath.Join("..", "..", "configs", "iris-mlp.yaml")
	sets := []string{"--set", "output.dir=" + out, "--set", "search.rounds=1", "--set", "search.trials_per_round=4",
		"--set", "trainer.max_iterations=200"}
	code, stdout, stderr := hpsearch(t, context.Background(), append([]string{"run", cfg, "--json"}, sets...)...)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	type trial struct {
		Number        int     `json:"number"`
		Status        string  `json:"status"`
		Value         float64 `json:"value"`
		Iterations    int     `json:"iterations"`
		BestIteration int     `json:"best_iteration"`
	}
	var d struct {
		Trials []trial `json:"trials"`
		Best   *struct {
			Number        int     `json:"number"`
			Value         float64 `json:"value"`
			BestIteration int     `json:"best_iteration"`
		} `json:"best"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || d.Best == nil {
		t.Fatalf("run --json: %v\n%s", err, stdout)
	}
	earlier := 0
	for _, tr := range d.Trials {
		if tr.Status == "ok" && !(tr.BestIteration > 0 && tr.BestIteration <= tr.Iterations) {
			t.Errorf("trial %d: best iteration %d of %d", tr.Number, tr.BestIteration, tr.Iterations)
		}
		if tr.BestIteration < tr.Iterations {
			earlier++
		}
	}
	if earlier == 0 {
		t.Error("no trial's value comes from before its last iteration: the test shows nothing")
	}
	best := d.Trials[d.Best.Number]
	if d.Best.BestIteration != best.BestIteration {
		t.Errorf("best: iteration %d, its trial says %d", d.Best.BestIteration, best.BestIteration)
	}

	bestFile := filepath.Join(out, "iris-mlp", "best.yaml")
	raw, err := os.ReadFile(bestFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\niteration: " + strconv.Itoa(best.BestIteration) + "\n"; !strings.Contains(string(raw), want) {
		t.Errorf("best.yaml lacks %q:\n%s", want, raw)
	}
	if b, err := results.LoadBestYAML(bestFile); err != nil || b.Iteration != best.BestIteration || b.Trial != best.Number {
		t.Errorf("best.yaml read back: %+v, %v", b, err)
	}

	f, err := os.Open(filepath.Join(out, "iris-mlp", "trials.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != len(d.Trials)+1 {
		t.Fatalf("trials.csv: %d rows, %v", len(rows), err)
	}
	col := slices.Index(rows[0], "best_iteration")
	if col < 0 || rows[0][col-1] != "iterations" {
		t.Fatalf("trials.csv header %v: want best_iteration after iterations", rows[0])
	}
	for i, tr := range d.Trials {
		if rows[i+1][col] != strconv.Itoa(tr.BestIteration) {
			t.Errorf("trials.csv trial %d: best_iteration %q, want %d", tr.Number, rows[i+1][col], tr.BestIteration)
		}
	}

	// show reads the stored study: the stored trials keep it.
	code, stdout, stderr = hpsearch(t, context.Background(), "show", "iris-mlp", "--json", "--storage", "sqlite://"+filepath.Join(out, "hpsearch.db"))
	if code != exitOK {
		t.Fatalf("show: exit %d\n%s", code, stderr)
	}
	var shown struct {
		Trials []trial `json:"trials"`
	}
	if err := json.Unmarshal([]byte(stdout), &shown); err != nil || !slices.Equal(shown.Trials, d.Trials) {
		t.Errorf("show --json trials %+v (%v), want %+v", shown.Trials, err, d.Trials)
	}

	code, stdout, stderr = hpsearch(t, context.Background(), append([]string{"eval", cfg, "--params", bestFile, "--json"}, sets...)...)
	if code != exitOK {
		t.Fatalf("eval --params best.yaml: exit %d\n%s", code, stderr)
	}
	var again trial
	if err := json.Unmarshal([]byte(stdout), &again); err != nil || again != best {
		t.Errorf("eval gave %+v (%v), want the best trial again, %+v", again, err, best)
	}
}
