package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A mistyped --storage is refused naming it, not taken for a file name
// (sqlite: made a database file "sqlite:" in the working directory), and
// eval refuses a --storage it cannot open instead of ignoring it, as it
// refuses --params given empty.
func TestMistypedStorageIsRefused(t *testing.T) {
	for _, url := range []string{"sqlite:", "memory:xyz", "postgres:host"} {
		if _, _, err := openStore(url); err == nil || !strings.Contains(err.Error(), "has no // after it") {
			t.Errorf("--storage %s: %v, want it refused as a scheme without //", url, err)
		}
	}
	for _, url := range []string{"memory:", "memory", "sqlite://" + filepath.Join(t.TempDir(), "b.db")} {
		if _, closeStore, err := openStore(url); err != nil {
			t.Errorf("--storage %s: %v", url, err)
		} else {
			closeStore()
		}
	}

	dir := t.TempDir()
	cfg := tinyConfig(t, dir)
	out := filepath.Join(dir, "runs")
	if code, _, stderr := hpsearch(t, context.Background(), "run", cfg, "--storage", "memory:", "--set", "output.dir="+out); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	best := filepath.Join(out, "tiny", "best.yaml")
	if _, err := os.Stat(best); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"sqlite://" + dir, "bogus://x"} {
		code, _, stderr := hpsearch(t, context.Background(), "eval", cfg, "--params", best, "--storage", bad)
		if code != exitUsage || !strings.Contains(stderr, "storage") {
			t.Errorf("eval --storage %s: exit %d, want 2 naming the storage\n%s", bad, code, stderr)
		}
	}
	if code, _, stderr := hpsearch(t, context.Background(), "eval", cfg, "--params", ""); code != exitUsage || !strings.Contains(stderr, "--params: no file given") {
		t.Errorf("eval --params \"\": exit %d, want 2\n%s", code, stderr)
	}
	missing := filepath.Join(dir, "no.db")
	if code, _, stderr := hpsearch(t, context.Background(), "eval", cfg, "--params", best, "--storage", missing); code != exitOK || !strings.Contains(stderr, "--storage "+missing+": no database there") {
		t.Errorf("eval --storage naming no database: exit %d, want 0 with a warning\n%s", code, stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("eval made a database where --storage named none")
	}
	if code, _, stderr := hpsearch(t, context.Background(), "eval", cfg, "--params", best, "--storage", "memory:"); code != exitOK {
		t.Errorf("eval --storage memory: exit %d\n%s", code, stderr)
	}
}
