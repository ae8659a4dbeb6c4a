package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitCreatesTheDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "newdir", "sub")
	code, stdout, stderr := hpsearch(t, context.Background(), "init", "learning-rates", "-d", dir)
	if code != exitOK {
		t.Fatalf("init -d newdir/sub: exit %d\n%s", code, stderr)
	}
	target := filepath.Join(dir, "learning-rates.yaml")
	if !strings.Contains(stdout, "next: hpsearch run "+target) {
		t.Errorf("init does not say how to run what it wrote:\n%s", stdout)
	}
	if code, _, stderr := hpsearch(t, context.Background(), "validate", target); code != exitOK {
		t.Fatalf("the written config does not validate: exit %d\n%s", code, stderr)
	}
	code, _, stderr = hpsearch(t, context.Background(), "init", "learning-rates", "-d", dir)
	if code != exitUsage || strings.Count(stderr, "already exists") != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("init over an existing file: exit %d, want one clear line: %s", code, stderr)
	}
}

func TestInitNamesTheWrittenPath(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := hpsearch(t, context.Background(), "init", "-d", dir); code != exitOK {
		t.Fatalf("init: exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "quickstart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if text := string(b); strings.Contains(text, "configs/quickstart.yaml") || !strings.Contains(text, "hpsearch run "+filepath.Join(dir, "quickstart.yaml")) {
		t.Errorf("the written config's comment does not name where it was written:\n%s", text)
	}
}

// TestInitCommandExampleRuns writes the example that runs a training
// program of its own, and runs it from where it was written, far from this
// checkout: what a user with an installed binary gets.
func TestInitCommandExampleRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs the example program; skipped with -short")
	}
	dir := t.TempDir()
	code, stdout, stderr := hpsearch(t, context.Background(), "init", "command-example", "-d", dir)
	if code != exitOK {
		t.Fatalf("init command-example: exit %d\n%s", code, stderr)
	}
	for _, f := range []string{"command-example.yaml", "trainprog/main.go", "data/diabetes.csv"} {
		if !strings.Contains(stdout, filepath.Join(dir, f)) {
			t.Errorf("init did not write %s:\n%s", f, stdout)
		}
	}
	code, out, stderr := hpsearch(t, context.Background(), "run", filepath.Join(dir, "command-example.yaml"), "--json",
		"--set", "output.dir="+filepath.Join(dir, "runs"), "--set", "search.trials_per_round=3")
	if code != exitOK {
		t.Fatalf("running the written example: exit %d\n%s", code, stderr)
	}
	d := decode(t, out)
	if len(d.Trials) != 6 || d.Best == nil {
		t.Fatalf("want 6 trials and a best, got %d trials, best %v", len(d.Trials), d.Best)
	}
}
