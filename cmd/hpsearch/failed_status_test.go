package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A study stopped by search.max_failed_trials is "failed" in the store,
// on one machine as in a shared study, and says why in its summary; it
// was stored "interrupted", which is what Ctrl-C leaves.
func TestFailureLimitStoresTheStudyFailed(t *testing.T) {
	cfg, out := commandSweep(t)
	db := "sqlite://" + filepath.Join(out, "hp.db")
	code, _, stderr := hpsearch(t, context.Background(), "run", cfg, "--parallel", "1", "--storage", db,
		"--set", "output.dir="+out, "--set", "search.max_failed_trials=2", "--set", "search.trials=20", "--set", "trainer.env={FAIL: 1}")
	if code != exitNoSuccess {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	code, stdout, stderr := hpsearch(t, context.Background(), "studies", "--storage", db, "--json")
	if code != exitOK {
		t.Fatalf("studies: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, `"status": "failed"`) && !strings.Contains(stdout, `"status":"failed"`) {
		t.Errorf("the stopped study is not stored failed:\n%s", stdout)
	}
	code, stdout, _ = hpsearch(t, context.Background(), "show", "cmd", "--storage", db)
	if code != exitOK || !strings.Contains(stdout, "max_failed_trials") {
		t.Errorf("show does not say the study stopped for its failures (exit %d):\n%s", code, stdout)
	}
}
