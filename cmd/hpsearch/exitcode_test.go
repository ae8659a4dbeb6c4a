package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fullWriter is stdout on a full disk (> /dev/full).
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}
}

// 1 says the work could not be finished, 2 that the command line or config
// is wrong and nothing ran: an output that cannot be written after a whole
// sweep is 1.
func TestUnwritableOutputsExit1(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	dir := t.TempDir()
	blocker := filepath.Join(dir, "a-file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// runs/<study> cannot be made: its parent is a file. Refused before a
	// trial runs (2), not found out after the sweep (a memory store's
	// trials were lost with the outputs).
	code, stdout, stderr := hpsearch(t, context.Background(), "run", cfg, "--storage", "memory:", "--set", "output.dir="+filepath.Join(blocker, "runs"), "--set", "search.trials=3")
	if code != exitUsage || !strings.Contains(stderr, "output.dir "+filepath.Join(blocker, "runs")) || strings.Contains(stderr, "trial 0") || stdout != "" {
		t.Errorf("run with an unwritable output directory: exit %d, want 2 before any trial\n%s", code, stderr)
	}

	// The tables cannot be written: stdout on a full disk.
	out := filepath.Join(dir, "runs")
	var errOut bytes.Buffer
	code = run(context.Background(), []string{"run", cfg, "--set", "output.dir=" + out, "--set", "search.trials=3"}, fullWriter{}, &errOut)
	if code != exitNoSuccess || !strings.Contains(errOut.String(), "no space left on device") {
		t.Errorf("run with stdout on a full disk: exit %d, want 1\n%s", code, errOut.String())
	}
	storage := []string{"--storage", "sqlite://" + filepath.Join(out, "hpsearch.db")}
	errOut.Reset()
	if code := run(context.Background(), append([]string{"export", "benchmark-branin", "--format", "csv"}, storage...), fullWriter{}, &errOut); code != exitNoSuccess {
		t.Errorf("export to a full stdout: exit %d, want 1\n%s", code, errOut.String())
	}

	// export -o onto a directory: the rename fails once the work is done.
	taken := filepath.Join(dir, "taken.csv")
	if err := os.Mkdir(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := hpsearch(t, context.Background(), append([]string{"export", "benchmark-branin", "-o", taken}, storage...)...); code != exitNoSuccess {
		t.Errorf("export -o onto a directory: exit %d, want 1\n%s", code, stderr)
	}
}

// An -o in a directory that does not exist is a mistake on the command
// line: refused naming the directory, nothing made.
func TestOutputInAMissingDirectoryIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	out := filepath.Join(dir, "runs")
	if code, _, stderr := hpsearch(t, context.Background(), "run", cfg, "--set", "output.dir="+out, "--set", "search.trials=3"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	storage := []string{"--storage", "sqlite://" + filepath.Join(out, "hpsearch.db")}
	missing := filepath.Join(dir, "nonexistent", "dir")
	for _, args := range [][]string{
		{"report", "benchmark-branin", "-o", filepath.Join(missing, "r.html")},
		{"plot", "benchmark-branin", "--trial", "0", "-o", filepath.Join(missing, "t.png")},
		{"export", "benchmark-branin", "-o", filepath.Join(missing, "t.csv")},
	} {
		code, _, stderr := hpsearch(t, context.Background(), append(args, storage...)...)
		if code != exitUsage || !strings.Contains(stderr, "directory "+missing+" does not exist") {
			t.Errorf("%s -o in a missing directory: exit %d, want 2 naming it\n%s", args[0], code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nonexistent")); err == nil {
		t.Errorf("%s was created", filepath.Join(dir, "nonexistent"))
	}
}

// An output that cannot be written at the end (here best.yaml, which is a
// directory) fails the run (1) but does not cost the tables: with a memory
// store they are all that is left of the sweep.
func TestTablesPrintedWhenAFileCannotBeWritten(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, "benchmark-branin", "best.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := hpsearch(t, context.Background(), "run", cfg, "--storage", "memory:", "--set", "output.dir="+out, "--set", "search.trials=3")
	if code != exitNoSuccess || !strings.Contains(stderr, "best.yaml: it is a directory") {
		t.Errorf("best.yaml a directory: exit %d, want 1 naming it\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "How the ranges narrowed") || !strings.Contains(stdout, "regret") {
		t.Errorf("best.yaml a directory: the tables were not printed:\n%s", stdout)
	}
}
