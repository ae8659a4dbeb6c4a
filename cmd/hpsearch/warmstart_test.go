package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A warm start from a study of another space is never silently nothing:
// refused when no parameter is shared, a warning naming each mismatch
// otherwise.
func TestWarmStartFromAnotherSpaceSaysSo(t *testing.T) {
	dir := t.TempDir()
	storage := quickSweep(t, dir, "base")
	branin := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	quick := filepath.Join("..", "..", "configs", "quickstart.yaml")
	small := []string{"--set", "output.dir=" + dir, "--set", "search.rounds=2", "--set", "search.trials_per_round=4", "--set", "trainer.max_iterations=60"}

	code, _, stderr := hpsearch(t, context.Background(), append([]string{"run", branin, "--warm-start", "base", "--set", "output.dir=" + dir, "--set", "search.trials=4"}, storage...)...)
	if code != exitUsage || !strings.Contains(stderr, "warm start from base: none of its parameters (learning_rate, init_std, optimizer, momentum) is searched by this config (x0, x1): it would change nothing") {
		t.Errorf("warm start across disjoint spaces: exit %d, want 2 saying why\n%s", code, stderr)
	}

	// init_std pinned: the study's trials all name it, so none fits.
	code, _, stderr = hpsearch(t, context.Background(), append(append([]string{"run", quick, "--study", "pinned", "--warm-start", "base", "--set", "init_std=0.01"}, small...), storage...)...)
	if code != exitOK {
		t.Fatalf("warm start with a pinned parameter: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"hpsearch: warning: warm start from base: its parameters init_std are not searched by this config: ignored",
		"hpsearch: warning: warm start from base: none of its best trials fits this config's parameters and ranges",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	// The same space: no warning.
	code, _, stderr = hpsearch(t, context.Background(), append(append([]string{"run", quick, "--study", "same", "--warm-start", "base"}, small...), storage...)...)
	if code != exitOK || strings.Contains(stderr, "warning: warm start") {
		t.Errorf("warm start from the same space: exit %d\n%s", code, stderr)
	}
}
