//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// init --force overwrites a file, and refuses anything else in its place:
// a FIFO used to hang it, and a symbolic link was written through to the
// file it names.
func TestInitForceRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "quickstart.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, stderr := hpsearch(t, context.Background(), "init", "-d", dir, "--force")
		done <- result{code, stderr}
	}()
	select {
	case r := <-done:
		if r.code != exitUsage || !strings.Contains(r.stderr, "quickstart.yaml is a named pipe (FIFO), not a regular file; remove it first") {
			t.Errorf("init --force onto a FIFO: exit %d\n%s", r.code, r.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("init --force onto a FIFO hangs")
	}

	dir = t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim.txt")
	writeTestFile(t, victim, "mine\n", 0o644)
	if err := os.Symlink(victim, filepath.Join(dir, "quickstart.yaml")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := hpsearch(t, context.Background(), "init", "-d", dir, "--force")
	if code != exitUsage || !strings.Contains(stderr, "is a symbolic link") {
		t.Errorf("init --force onto a symbolic link: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "mine\n" {
		t.Errorf("init --force wrote through a symbolic link: its target now holds %q", b)
	}
}

// An example whose data cannot be written (data is a file) leaves no
// config behind that names the missing data: the config is written last.
func TestInitLeavesNoConfigWithoutItsData(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "data"), "x\n", 0o644)
	code, _, stderr := hpsearch(t, context.Background(), "init", "iris-mlp", "-d", dir)
	if code == exitOK || !strings.Contains(stderr, "data") {
		t.Fatalf("init with data a file: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "iris-mlp.yaml")); err == nil {
		t.Error("init left iris-mlp.yaml without the data it reads")
	}
}
