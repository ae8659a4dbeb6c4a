package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// binDir holds the hpsearch binary built for the tests that need a real
// process to kill; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds hpsearch once per test run.
func binary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(binDir, "hpsearch")
	if binDir != "" {
		return path
	}
	dir, err := os.MkdirTemp("", "hpsearch-bin")
	if err != nil {
		t.Fatal(err)
	}
	binDir, path = dir, filepath.Join(dir, "hpsearch")
	if out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

// runBinary runs the built hpsearch and returns its exit status and output.
func runBinary(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

// slowSweep is a sweep long enough to be killed in the middle: 48 MLP
// trials of a few tens of milliseconds each, over two rounds.
func slowSweep(dir string) []string {
	return []string{filepath.Join("..", "..", "configs", "iris-mlp.yaml"),
		"--set", "output.dir=" + dir, "--set", "trainer.max_iterations=1500", "--set", "trainer.patience=0",
		"--set", "search.rounds=2", "--set", "search.trials_per_round=24", "--parallel", "2"}
}

// finishedTrials counts the finished trials of a study in a database
// another process is writing.
func finishedTrials(t *testing.T, db, study string) int {
	s, err := sqlite.Open(db)
	if err != nil {
		return 0
	}
	defer s.Close()
	_, trials, err := s.Study(context.Background(), study)
	if err != nil {
		return 0
	}
	n := 0
	for _, tr := range trials {
		if tr.Status.Finished() {
			n++
		}
	}
	return n
}

func TestResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			bin := binary(t)
			dir := t.TempDir()
			db := filepath.Join(dir, "hpsearch.db")

			// The reference: the same sweep, uninterrupted.
			// The reference and the resume run as real processes too: under
			// -race the in-process trainer is several times slower.
			code, refOut, stderr := runBinary(t, bin, append([]string{"run"}, append(slowSweep(dir), "--study", "ref", "--json")...)...)
			if code != exitOK {
				t.Fatalf("reference run: exit %d\n%s", code, stderr)
			}
			ref := decode(t, refOut)

			cmd := exec.Command(bin, append([]string{"run"}, append(slowSweep(dir), "--study", "cut")...)...)
			var errBuf bytes.Buffer
			cmd.Stderr = &errBuf
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for finishedTrials(t, db, "cut") < 10 {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("the sweep never got to 10 trials\n%s", errBuf.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			before := finishedTrials(t, db, "cut")
			if sig == syscall.SIGINT {
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
					t.Fatalf("after SIGINT: %v, want exit status 130\n%s", err, errBuf.String())
				}
				if _, err := os.Stat(filepath.Join(dir, "cut", "trials.csv")); err != nil {
					t.Errorf("SIGINT did not export what finished: %v", err)
				}
			}
			if before >= len(ref.Trials) {
				t.Fatalf("the sweep finished (%d trials) before the signal landed; nothing to resume", before)
			}

			code, out, stderr := runBinary(t, bin, append([]string{"run"}, append(slowSweep(dir), "--study", "cut", "--resume", "--json")...)...)
			if code != exitOK {
				t.Fatalf("resume: exit %d\n%s", code, stderr)
			}
			if !strings.Contains(stderr, fmt.Sprintf("(%d already finished)", before)) {
				t.Errorf("resume did not keep the %d finished trials:\n%s", before, stderr)
			}
			got := decode(t, out)
			if len(got.Trials) != len(ref.Trials) {
				t.Fatalf("resumed study has %d trials, the uninterrupted one %d", len(got.Trials), len(ref.Trials))
			}
			for i := range ref.Trials {
				a, b := ref.Trials[i], got.Trials[i]
				if b.Number != i {
					t.Fatalf("trial %d is missing or duplicated (found number %d)", i, b.Number)
				}
				if string(a.Params) != string(b.Params) || *a.Value != *b.Value || a.Iterations != b.Iterations {
					t.Fatalf("trial %d differs from the uninterrupted run: %s %v vs %s %v", i, a.Params, *a.Value, b.Params, *b.Value)
				}
			}
			if got.Best.Number != ref.Best.Number || got.Best.Value != ref.Best.Value {
				t.Fatalf("best differs: trial %d %v vs %d %v", got.Best.Number, got.Best.Value, ref.Best.Number, ref.Best.Value)
			}
			// Stored exactly once each, none left running.
			s, err := sqlite.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			st, trials, err := s.Study(context.Background(), "cut")
			if err != nil {
				t.Fatal(err)
			}
			if len(trials) != len(ref.Trials) || st.Status != "finished" {
				t.Fatalf("store: %d trials, status %s", len(trials), st.Status)
			}
			for i, tr := range trials {
				if tr.Number != i || tr.Status == results.StatusRunning {
					t.Fatalf("stored trial %d: number %d status %s", i, tr.Number, tr.Status)
				}
			}
		})
	}
}

func TestResumeRefusesAnotherConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	args := []string{"run", cfg, "--set", "output.dir=" + dir, "--set", "search.rounds=1"}
	if code, _, stderr := hpsearch(t, context.Background(), args...); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, _, stderr := hpsearch(t, context.Background(), args...)
	if code != exitUsage || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "--resume") {
		t.Fatalf("re-running an existing study: exit %d\n%s", code, stderr)
	}
	code, _, stderr = hpsearch(t, context.Background(), append(args, "--resume", "--set", "trainer.max_iterations=10",
		"--set", "parameters.learning_rate=1")...)
	if code != exitUsage {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, _, stderr = hpsearch(t, context.Background(), append(args, "--resume", "--set", "trainer.max_iterations=10")...)
	if code != exitUsage || !strings.Contains(stderr, "trainer.max_iterations: stored 400, config 10") {
		t.Fatalf("resume with another config: exit %d, want 2 naming the difference\n%s", code, stderr)
	}
	// Resuming a finished study changes nothing and succeeds.
	if code, _, stderr := hpsearch(t, context.Background(), append(args, "--resume")...); code != exitOK {
		t.Fatalf("resume of a finished study: exit %d\n%s", code, stderr)
	}
}

func TestStudiesShowExportCompare(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	storage := "sqlite://" + filepath.Join(dir, "hpsearch.db")
	for _, study := range []string{"night-1", "night-2"} {
		seed := map[string]string{"night-1": "1", "night-2": "2"}[study]
		if code, _, stderr := hpsearch(t, context.Background(), "run", cfg, "--study", study, "--set", "output.dir="+dir,
			"--set", "search.rounds=2", "--set", "seed="+seed); code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
	}
	code, out, stderr := hpsearch(t, context.Background(), "studies", "--storage", storage)
	if code != exitOK || !strings.Contains(out, "night-1") || !strings.Contains(out, "32/32") || !strings.Contains(out, "finished") {
		t.Fatalf("studies: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = hpsearch(t, context.Background(), "show", "night-2", "--top", "3", "--storage", storage)
	if code != exitOK || !strings.Contains(out, "How the ranges narrowed") || strings.Count(out, "max_iterations")+strings.Count(out, "gradient_threshold")+strings.Count(out, "patience") > 3 {
		t.Fatalf("show --top 3:\n%s", out)
	}
	code, out, _ = hpsearch(t, context.Background(), "show", "night-2", "--json", "--storage", storage)
	if code != exitOK || len(decode(t, out).Trials) != 32 {
		t.Fatalf("show --json: exit %d", code)
	}
	best := filepath.Join(dir, "best.yaml")
	if code, _, stderr := hpsearch(t, context.Background(), "export", "night-1", "--format", "yaml", "-o", best, "--storage", storage); code != exitOK {
		t.Fatalf("export yaml: exit %d %s", code, stderr)
	}
	b, err := results.LoadBestYAML(best)
	if err != nil || b.Study != "night-1" || len(b.Params) != 3 {
		t.Fatalf("exported best.yaml: %+v, %v", b, err)
	}
	code, out, _ = hpsearch(t, context.Background(), "export", "night-1", "--format", "csv", "--storage", storage)
	if code != exitOK || strings.Count(out, "\n") != 33 {
		t.Fatalf("export csv: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
	code, _, stderr = hpsearch(t, context.Background(), "export", "night-1", "--format", "xml", "--storage", storage)
	if code != exitUsage || !strings.Contains(stderr, "allowed: yaml, csv, json") {
		t.Fatalf("export xml: exit %d %s", code, stderr)
	}
	code, out, _ = hpsearch(t, context.Background(), "compare", "night-1", "night-2", "--storage", storage)
	if code != exitOK || !strings.Contains(out, "best learning_rate") || !strings.Contains(out, "moved") {
		t.Fatalf("compare:\n%s", out)
	}
	code, _, stderr = hpsearch(t, context.Background(), "show", "night-9", "--storage", storage)
	if code != exitUsage || !strings.Contains(stderr, "night-9") {
		t.Fatalf("show of a missing study: exit %d %s", code, stderr)
	}
}

func TestWarmStart(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	base := []string{"run", cfg, "--set", "output.dir=" + dir, "--set", "search.rounds=3", "--json"}
	code, out, stderr := hpsearch(t, context.Background(), append(base, "--study", "monday")...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	monday := decode(t, out)
	code, out, stderr = hpsearch(t, context.Background(), append(base, "--study", "tuesday", "--warm-start", "monday", "--set", "seed=77")...)
	if code != exitOK {
		t.Fatalf("warm start: exit %d\n%s", code, stderr)
	}
	tuesday := decode(t, out)
	// Monday's best point is evaluated again first (trial 0; its value may
	// differ, since another seed draws other data), and round 0 samples
	// Monday's last ranges instead of the configured ones.
	if compact(tuesday.Trials[0].Params) != compact(monday.Best.Params) {
		t.Fatalf("tuesday's first trial %s is not monday's best %s", tuesday.Trials[0].Params, monday.Best.Params)
	}
	if string(tuesday.Rounds[0]) == string(monday.Rounds[0]) {
		t.Fatalf("tuesday's round 0 sampled the configured ranges, not monday's final ones:\n%s", tuesday.Rounds[0])
	}
	code, _, stderr = hpsearch(t, context.Background(), append(base, "--study", "wednesday", "--warm-start", "nosuch")...)
	if code != exitUsage || !strings.Contains(stderr, "nosuch") {
		t.Fatalf("warm start from a missing study: exit %d %s", code, stderr)
	}
}

func compact(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func TestBadStorage(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("hello, this is not a database\n"), 0o644)
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	for name, tc := range map[string]struct{ url, want string }{
		"foreign file":   {"sqlite://" + notDB, "not an hpsearch database"},
		"under a file":   {"sqlite://" + filepath.Join(notDB, "x.db"), "notes.txt"},
		"unknown scheme": {"mysql://localhost/x", "unknown scheme"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := hpsearch(t, context.Background(), "run", cfg, "--storage", tc.url, "--set", "output.dir="+dir)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, want 2 with %q:\n%s", code, tc.want, stderr)
			}
		})
	}
	if b, _ := os.ReadFile(notDB); string(b) != "hello, this is not a database\n" {
		t.Fatal("the foreign file was written to")
	}
	if _, err := os.Stat(filepath.Join(dir, "quickstart")); err == nil {
		t.Fatal("a refused storage still wrote results")
	}
}
