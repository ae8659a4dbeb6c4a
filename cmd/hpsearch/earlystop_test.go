package main

import (
	"context"
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
	a, b := get("1"), get("3")
	pruned := 0
	for i := range a.Trials {
		x, y := a.Trials[i], b.Trials[i]
		if x.Status != y.Status || x.Iterations != y.Iterations || compact(x.Params) != compact(y.Params) {
			t.Fatalf("trial %d: %s after %d iterations at --parallel 1, %s after %d at 3", i, x.Status, x.Iterations, y.Status, y.Iterations)
		}
		if x.Status == "pruned" {
			pruned++
			if x.StopReason != "pruned" || x.Iterations >= 270 || x.Value == nil {
				t.Errorf("pruned trial %d: stop %q at %d iterations, value %v: want where and at what value it stopped", i, x.StopReason, x.Iterations, x.Value)
			}
		}
	}
	if pruned < len(a.Trials)/3 {
		t.Fatalf("%d of %d trials pruned", pruned, len(a.Trials))
	}
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
