package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// evalSweep runs a two-round quickstart sweep into dir and returns its
// document.
func evalSweep(t *testing.T, dir string) document {
	t.Helper()
	code, stdout, stderr := hpsearch(t, context.Background(), "run", filepath.Join("..", "..", "configs", "quickstart.yaml"), "--json",
		"--set", "output.dir="+dir, "--set", "search.rounds=2", "--set", "search.trials_per_round=6", "--set", "trainer.max_iterations=60")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	return decode(t, stdout)
}

// evalWith writes a best.yaml of the given text into dir and evals the
// quickstart sweep of evalSweep with it.
func evalWith(t *testing.T, dir, text string, extra ...string) (int, string, string, string) {
	t.Helper()
	path := filepath.Join(dir, "params.yaml")
	writeTestFile(t, path, text, 0o666)
	args := append([]string{"eval", filepath.Join("..", "..", "configs", "quickstart.yaml"), "--params", path,
		"--set", "output.dir=" + dir, "--set", "search.rounds=2", "--set", "search.trials_per_round=6", "--set", "trainer.max_iterations=60"}, extra...)
	code, stdout, stderr := hpsearch(t, context.Background(), args...)
	return code, stdout, stderr, path
}

func TestEvalRefusesParamsThatDoNotFit(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, params string
		want         string // after "FILE:LINE: "
	}{
		{"zero learning rate", "  learning_rate: 0\n  optimizer: gd\n", "7: params.learning_rate: must be > 0, got 0"},
		{"a word for a number", "  optimizer: gd\n  learning_rate: fast\n", `8: params.learning_rate: must be a number`},
		{"an unknown optimizer", "  optimizer: sgdd\n", `7: params.optimizer: unknown value "sgdd", did you mean "sgd"?`},
		{"a misspelt name", "  lerning_rate: 0.1\n", `7: params.lerning_rate: not a parameter of the built-in trainer's linear model, did you mean "learning_rate"? (allowed: `},
		{"a parameter of another model", "  hidden: 10\n", `7: params.hidden: not a parameter of the built-in trainer's linear model`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr, path := evalWith(t, dir, "study: quickstart\nmetric: validation_loss\ngoal: minimize\nvalue: 0.1\ntrial: 3\nparams:\n"+c.params)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2 (a usage error, not a failed trial)\n%s", code, stderr)
			}
			if want := path + ":" + c.want; !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		})
	}
}

func TestEvalOfAnotherStudy(t *testing.T) {
	dir := t.TempDir()
	// Its params do not fit this config: an error, which says why.
	code, _, stderr, path := evalWith(t, dir, "study: iris-mlp\ntrial: 37\nparams:\n  learning_rate: 0.05\n  hidden: 10\n")
	if code != exitUsage || !strings.Contains(stderr, path+":1: study: these are the best settings of study iris-mlp, not of this config's study quickstart") {
		t.Errorf("a best.yaml of iris-mlp: exit %d\n%s", code, stderr)
	}
	// Its params fit: retrained, with a warning.
	code, _, stderr, path = evalWith(t, dir, "study: other\ntrial: 2\nparams:\n  learning_rate: 0.05\n  optimizer: adam\n")
	if code != exitOK || !strings.Contains(stderr, "warning: "+path+" is the best of study other, not of") {
		t.Errorf("a best.yaml of another study whose params fit: exit %d, want 0 and a warning\n%s", code, stderr)
	}
	// A study the config's name makes is its own.
	code, _, stderr, _ = evalWith(t, dir, "study: quickstart\ntrial: 2\nparams:\n  learning_rate: 0.05\n")
	if code != exitOK || strings.Contains(stderr, "warning") {
		t.Errorf("the config's own study: exit %d\n%s", code, stderr)
	}
}

func TestEvalReportsTheStoredRound(t *testing.T) {
	dir := t.TempDir()
	d := evalSweep(t, dir)
	var picked = -1
	for i, tr := range d.Trials {
		if tr.Round == 1 && tr.Status == "ok" {
			picked = i
			break
		}
	}
	if picked < 0 {
		t.Fatal("no successful trial in round 1")
	}
	tr := d.Trials[picked]
	var params map[string]any
	if err := json.Unmarshal(tr.Params, &params); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("study: quickstart\ntrial: %d\nparams:\n", tr.Number)
	for _, name := range []string{"learning_rate", "init_std", "optimizer", "momentum"} { // momentum only where the optimizer uses it
		if v, ok := params[name]; ok {
			text += fmt.Sprintf("  %s: %v\n", name, v)
		}
	}
	code, stdout, stderr, _ := evalWith(t, dir, text, "--json")
	if code != exitOK {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got["round"] != 1.0 || got["number"] != float64(tr.Number) {
		t.Errorf("eval --json of trial %d (round 1): round %v, number %v", tr.Number, got["round"], got["number"])
	}
	if *tr.Value != got["value"] {
		t.Errorf("retrained value %v, the sweep's %v", got["value"], *tr.Value)
	}
}

func TestEvalShowsTheSettingsItTrained(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	code, stdout, stderr := hpsearch(t, context.Background(), "eval", cfg, "--set", "trainer.max_iterations=60", "--set", "trainer.learning_rate=0.02")
	if code != exitOK {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"learning_rate", "init_std", "optimizer", "0.02"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("eval without --params does not show %s:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = hpsearch(t, context.Background(), "eval", cfg, "--set", "trainer.max_iterations=60", "--json")
	if code != exitOK {
		t.Fatalf("eval --json: exit %d\n%s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["round"]; ok {
		t.Errorf("eval without a stored study claims a round: %s", stdout)
	}
	if p, _ := got["params"].(map[string]any); p["optimizer"] != "gd" {
		t.Errorf("eval --json params: %v, want the base settings it trained", got["params"])
	}
}
