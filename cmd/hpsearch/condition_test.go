package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// The quickstart searches momentum only for the optimisers that use it:
// a gd trial has no momentum in --json, an empty cell in trials.csv, a —
// in the table, and none in best.yaml when it is the best.
func TestConditionalParameterIsAbsentWhereItDoesNotApply(t *testing.T) {
	out := t.TempDir()
	config := filepath.Join("..", "..", "configs", "quickstart.yaml")
	code, stdout, stderr := hpsearch(t, context.Background(), "run", config, "--json", "--set", "output.dir="+out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "warning:") {
		t.Errorf("the quickstart warns:\n%s", stderr)
	}
	d := decode(t, stdout)
	gd := map[int]bool{}
	for _, tr := range d.Trials {
		var p map[string]any
		if err := json.Unmarshal(tr.Params, &p); err != nil {
			t.Fatal(err)
		}
		_, has := p["momentum"]
		gd[tr.Number] = p["optimizer"] == "gd"
		if has == gd[tr.Number] {
			t.Errorf("trial %d: params %s: momentum present %v with optimizer %v", tr.Number, tr.Params, has, p["optimizer"])
		}
	}
	if !slices.Contains(mapValues(gd), true) || !slices.Contains(mapValues(gd), false) {
		t.Fatalf("want gd and other trials, got %v", gd)
	}

	f, err := os.Open(filepath.Join(out, d.Study, "trials.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "momentum")
	if col < 0 {
		t.Fatalf("trials.csv has no momentum column: %v", rows[0])
	}
	for _, r := range rows[1:] {
		if gd[atoi(t, r[0])] != (r[col] == "") {
			t.Errorf("trials.csv row %v: momentum %q, gd %v", r[:col+1], r[col], gd[atoi(t, r[0])])
		}
	}

	best, err := results.LoadBestYAML(filepath.Join(out, d.Study, "best.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, has := best.Params.Get("momentum")
	if has == gd[best.Trial] {
		t.Errorf("best.yaml of trial %d (gd %v) has momentum %v: %v", best.Trial, gd[best.Trial], has, best.Params)
	}

	code, table, stderr := hpsearch(t, context.Background(), "show", d.Study, "--top", "0", "--storage", "sqlite://"+filepath.Join(out, "hpsearch.db"))
	if code != exitOK {
		t.Fatalf("show: exit %d\n%s", code, stderr)
	}
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, " gd ") && !strings.Contains(line, "—") {
			t.Errorf("a gd row shows a momentum: %s", line)
		}
	}
}

func mapValues(m map[int]bool) []bool {
	var out []bool
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// run and validate warn, on stderr, about a trainer key searched for an
// optimiser that ignores it, and still run.
func TestIgnoredKeyWarningIsPrinted(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "flat.yaml")
	writeTestFile(t, config, `data: {synthetic: {kind: linear, samples: 100, features: 2}}
model: {kind: linear, loss: mse}
trainer: {max_iterations: 20}
search: {strategy: random, trials: 4}
parameters:
  optimizer: {choice: [gd, adam]}
  momentum: {uniform: [0, 0.99]}
`, 0o644)
	want := "hpsearch: warning: " + config + ":7: parameters.momentum: optimizer gd ignores momentum, yet trials with it get a value too, which changes nothing: add when: {optimizer: [adam]}\n"
	for _, args := range [][]string{{"validate", config}, {"run", config, "--set", "output.dir=" + dir}} {
		code, _, stderr := hpsearch(t, context.Background(), args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s", args[0], code, stderr)
		}
		if !strings.Contains(stderr, want) {
			t.Errorf("%s: stderr lacks the warning %q:\n%s", args[0], want, stderr)
		}
	}
}
