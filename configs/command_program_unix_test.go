//go:build unix

package configs

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A trainer.command program that cannot run is one config problem, not
// every trial failing "permission denied" or "not found": a directory, a
// FIFO, a file without the execute bit.
func TestCommandProgramThatCannotRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train.sh"), []byte("echo val_loss=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.sh"), []byte("#!/bin/sh\necho val_loss=1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for prog, want := range map[string]string{
		"./adir":     "program ./adir is a directory, not a program",
		"./fifo":     "program ./fifo is a named pipe (FIFO), not a regular file",
		"./train.sh": "program ./train.sh is not executable (chmod +x ./train.sh",
		"./ok.sh":    "",
	} {
		text := "name: c\ntrainer:\n  command: [" + prog + "]\n  workdir: " + dir + "\nsearch: {strategy: random, trials: 2, metric: val_loss}\nparameters:\n  lr: {log_uniform: [1e-3, 1]}\n"
		_, err := Parse(strings.NewReader(text), filepath.Join(dir, "c.yaml"), dir, nil)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", prog, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want %q", prog, err, want)
		}
	}
}

// A data file that cannot be read for another reason than its absence (a
// symbolic link loop) says the system's reason, not "does not exist".
func TestCSVPathThatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	if err := os.Symlink(b, a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(a, b); err != nil {
		t.Fatal(err)
	}
	text := "name: c\ndata: {csv: {path: a.csv, target: y}}\nmodel: {kind: linear}\nparameters:\n  learning_rate: {log_uniform: [1e-3, 1]}\n"
	_, err := Parse(strings.NewReader(text), filepath.Join(dir, "c.yaml"), dir, nil)
	if want := "data file " + a + " cannot be read: too many levels of symbolic links"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a symbolic link loop: %v, want %q", err, want)
	}
}
