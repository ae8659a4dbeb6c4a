package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestEarlyStoppingSweep(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "iris-mlp.yaml")
	args := func(par string, extra ...string) []string {
		return append([]string{"run", cfg, "--set", "output.dir=" + t.TempDir(), "--set", "trainer.max_iterations=270",
			"--set", "search.early_stopping.kind=successive_halving", "--parallel", par}, extra...)
	}
	code, out, stderr := hpsearch(t, context.Background(), args("2")...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, "early stopping:") || !strings.Contains(out, "pruned") || !strings.Contains(out, "% saved") {
		t.Fatalf("the tables do not show what pruning saved:\n%s", out)
	}
	// The same pruning decisions at any parallelism.
	get := func(par string) document {
		code, out, stderr := hpsearch(t, context.Background(), args(par, "--json")...)
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		return decode(t, out)
	}
	a := get("1")
	pruned := samePruning(t, a, get("3"))
	for i, x := range a.Trials {
		if x.Status == "pruned" && (x.StopReason != "pruned" || x.Iterations >= 270 || x.Value == nil) {
			t.Errorf("pruned trial %d: stop %q at %d iterations, value %v: want where and at what value it stopped", i, x.StopReason, x.Iterations, x.Value)
		}
	}
	if pruned < len(a.Trials)/3 {
		t.Fatalf("%d of %d trials pruned", pruned, len(a.Trials))
	}
}

// TestEarlyStoppingEveryStrategy: random and sobol sweeps (one batch, so
// one group) prune with every rule, the same trials at any parallelism.
func TestEarlyStoppingEveryStrategy(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "iris-mlp.yaml")
	for _, strategy := range []string{"random", "sobol"} {
		for _, kind := range []string{"successive_halving", "hyperband", "median"} {
			t.Run(strategy+"/"+kind, func(t *testing.T) {
				get := func(par string) document {
					code, out, stderr := hpsearch(t, context.Background(), "run", cfg, "--json", "--parallel", par,
						"--set", "output.dir="+t.TempDir(), "--set", "search.strategy="+strategy, "--set", "search.trials=18",
						"--set", "trainer.max_iterations=270", "--set", "search.early_stopping.kind="+kind)
					if code != exitOK {
						t.Fatalf("exit %d\n%s", code, stderr)
					}
					return decode(t, out)
				}
				a := get("1")
				if len(a.Trials) != 18 {
					t.Fatalf("%d trials, want 18", len(a.Trials))
				}
				if pruned := samePruning(t, a, get("2")); pruned < 18/4 {
					t.Errorf("%d of 18 trials pruned", pruned)
				}
			})
		}
	}
}

// samePruning fails unless two runs (at different parallelism) have the
// same trials, pruned at the same iterations; it returns how many were.
func samePruning(t *testing.T, a, b document) (pruned int) {
	t.Helper()
	if len(a.Trials) != len(b.Trials) {
		t.Fatalf("%d trials, then %d", len(a.Trials), len(b.Trials))
	}
	for i := range a.Trials {
		x, y := a.Trials[i], b.Trials[i]
		if x.Status != y.Status || x.Iterations != y.Iterations || compact(x.Params) != compact(y.Params) {
			t.Fatalf("trial %d: %s after %d iterations, then %s after %d", i, x.Status, x.Iterations, y.Status, y.Iterations)
		}
		if x.Status == "pruned" {
			pruned++
		}
	}
	return pruned
}

func TestEarlyStoppingConfigErrors(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	code, _, stderr := hpsearch(t, context.Background(), "validate", cfg, "--set", "search.early_stopping.kind=asha")
	if code != exitUsage || !strings.Contains(stderr, "successive_halving, hyperband, median") {
		t.Fatalf("unknown kind: exit %d\n%s", code, stderr)
	}
	code, _, stderr = hpsearch(t, context.Background(), "validate", cfg, "--set", "search.early_stopping.kind=median",
		"--set", "search.early_stopping.min_resource=500")
	if code != exitUsage || !strings.Contains(stderr, "must be below max_resource (400)") {
		t.Fatalf("min ≥ max: exit %d\n%s", code, stderr)
	}
}

// validate shows the early-stopping rule as it will run: the budget given,
// and each setting only for the kinds that use it.
func TestValidateShowsTheEarlyStoppingRule(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "iris-mlp.yaml")
	for _, c := range []struct {
		sets []string
		want string
	}{
		{[]string{"search.early_stopping.kind=auto", "search.early_stopping.budget=0.5"},
			"early     auto: min_resource 22, max_resource 600, interval 5, reduction_factor 3, budget 0.5\n"},
		{[]string{"search.early_stopping.kind=median", "search.early_stopping.min_trials=7"},
			"early     median: min_resource 22, max_resource 600, interval 22, min_trials 7\n"},
		{[]string{"search.early_stopping.kind=successive_halving", "search.early_stopping.reduction_factor=2"},
			"early     successive_halving: min_resource 75, max_resource 600, interval 75, reduction_factor 2\n"},
	} {
		args := []string{"validate", cfg}
		for _, s := range c.sets {
			args = append(args, "--set", s)
		}
		code, stdout, stderr := hpsearch(t, context.Background(), args...)
		if code != 0 || !strings.Contains(stdout, c.want) {
			t.Errorf("%v: exit %d, want a line %q in:\n%s%s", c.sets, code, c.want, stdout, stderr)
		}
		code, stdout, stderr = hpsearch(t, context.Background(), append(args, "--json")...)
		var doc struct {
			EarlyStopping map[string]any `json:"early_stopping"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); code != 0 || err != nil {
			t.Fatalf("%v --json: exit %d, %v\n%s", c.sets, code, err, stderr)
		}
		_, budget := doc.EarlyStopping["budget"]
		_, minTrials := doc.EarlyStopping["min_trials"]
		if kind := doc.EarlyStopping["kind"]; budget != (kind == "auto") || minTrials != (kind == "median") {
			t.Errorf("%v --json: early_stopping %v", c.sets, doc.EarlyStopping)
		}
	}
	if _, stdout, _ := hpsearch(t, context.Background(), "validate", cfg); strings.Contains(stdout, "early ") {
		t.Errorf("validate without early stopping shows a rule:\n%s", stdout)
	}
}
