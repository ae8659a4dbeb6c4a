package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// benchConfig is a sweep without training (a test function), so these
// process tests take milliseconds.
func benchConfig(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "branin.yaml")
	text := `name: branin
seed: 7
benchmark: branin
search: {strategy: random, trials: 12}
parameters:
  x0: {uniform: [-5, 10]}
  x1: {uniform: [0, 15]}
`
	writeTestFile(t, path, text, 0o644)
	return path
}

// closedPipe returns the write end of a pipe whose reader has already
// gone: every write to it fails with EPIPE (and, by default, SIGPIPE).
func closedPipe(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() { w.Close() })
	return w
}

// exitCode is a finished command's status, -1 when a signal ended it.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// With nobody reading stdout, run still writes best.yaml, trials.csv and
// the report, says nothing of the broken pipe, and ends with 141, every
// time (the files are written before the first byte on stdout).
func TestClosedStdoutKeepsOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	cfg := benchConfig(t, dir)
	for i := range 5 {
		for _, format := range []string{"tables", "json"} {
			study := "p" + strconv.Itoa(i) + format
			args := []string{"run", cfg, "--study", study, "--set", "output.dir=" + dir}
			if format == "json" {
				args = append(args, "--json")
			}
			cmd := exec.Command(bin, args...)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = closedPipe(t), &stderr
			if code := exitCode(t, cmd.Run()); code != exitBrokenPipe {
				t.Errorf("%s: exit %d, want %d (128+SIGPIPE)\n%s", study, code, exitBrokenPipe, stderr.String())
			}
			for _, f := range []string{"best.yaml", "trials.csv", "report.html"} {
				if _, err := os.Stat(filepath.Join(dir, study, f)); err != nil {
					t.Errorf("%s: %v", study, err)
				}
			}
			if strings.Contains(stderr.String(), "broken pipe") || strings.Contains(stderr.String(), "stdout") {
				t.Errorf("%s: stderr speaks of the pipe:\n%s", study, stderr.String())
			}
		}
	}

	// The read commands end the same way, and report -o - too.
	storage := "--storage=sqlite://" + filepath.Join(dir, "hpsearch.db")
	for _, args := range [][]string{
		{"show", "p0tables", storage},
		{"show", "p0tables", "--json", storage},
		{"report", "p0tables", "-o", "-", storage},
		{"export", "p0tables", "--format", "csv", storage},
	} {
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = closedPipe(t), &stderr
		if code := exitCode(t, cmd.Run()); code != exitBrokenPipe || stderr.Len() > 0 {
			t.Errorf("%v: exit %d, want %d, and nothing on stderr:\n%s", args, code, exitBrokenPipe, stderr.String())
		}
	}
}

// hpsearch run … | head -3: the reader takes three lines and leaves while
// the tables are still being written (or after: the pipe's buffer may hold
// them all). Either way the files are there and the status is 0 or 141.
func TestHeadOfRunKeepsOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	cfg := benchConfig(t, dir)
	for i := range 3 {
		study := "head" + strconv.Itoa(i)
		cmd := exec.Command(bin, "run", cfg, "--study", study, "--set", "output.dir="+dir, "--set", "search.trials=400", "--top", "0")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		for n := 0; n < 3 && sc.Scan(); n++ {
		}
		out.Close()
		if code := exitCode(t, cmd.Wait()); code != exitOK && code != exitBrokenPipe {
			t.Errorf("%s: exit %d, want 0 or %d", study, code, exitBrokenPipe)
		}
		for _, f := range []string{"best.yaml", "trials.csv", "report.html"} {
			if _, err := os.Stat(filepath.Join(dir, study, f)); err != nil {
				t.Errorf("%s: %v", study, err)
			}
		}
	}
}

// A sweep whose stderr reader went away (progress lines into a closed
// pipe) runs to its end: the tables on stdout, the files, status 0.
func TestClosedStderrRunsToTheEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "run", benchConfig(t, dir), "--set", "output.dir="+dir)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, closedPipe(t)
	if code := exitCode(t, cmd.Run()); code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	if !strings.Contains(stdout.String(), "best value") && !strings.Contains(stdout.String(), "study branin") {
		t.Errorf("no tables on stdout:\n%s", stdout.String())
	}
	for _, f := range []string{"best.yaml", "trials.csv", "report.html"} {
		if _, err := os.Stat(filepath.Join(dir, "branin", f)); err != nil {
			t.Error(err)
		}
	}
}
