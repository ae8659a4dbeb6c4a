package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// tinyConfig is a sweep of a few milliseconds whose trials keep a history
// (so `plot` has curves to draw), written into dir.
func tinyConfig(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "tiny.yaml")
	text := `name: tiny
seed: 1
data:
  synthetic: {kind: linear, samples: 200, features: 3, noise: 0.1}
  validation: 0.2
model: {kind: linear, loss: mse}
trainer: {optimizer: gd, max_iterations: 50}
search: {strategy: random, trials: 4}
parameters:
  learning_rate: {log_uniform: [1e-3, 1e-1]}
`
	writeTestFile(t, path, text, 0o644)
	return path
}

// runUnderUmask runs the built hpsearch with the given umask, as a shell
// would after `umask 077`: the umask is the process's own, so it cannot be
// set for one test inside the test process.
func runUnderUmask(t *testing.T, bin string, umask fs.FileMode, args ...string) {
	t.Helper()
	cmd := exec.Command("/bin/sh", append([]string{"-c", `umask "$0" && exec "$@"`, fmt.Sprintf("%03o", umask), bin}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("hpsearch %v under umask %03o: %v\n%s", args, umask, err, out.String())
	}
}

// Every file and directory hpsearch writes for the user is created as 0666
// or 0777 and left to the umask, as cp or a compiler does: under umask 022
// a colleague can read best.yaml, under 077 nobody else can.
func TestOutputsFollowUmask(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	bin := binary(t)
	for _, umask := range []fs.FileMode{0o022, 0o077, 0o002} {
		t.Run(fmt.Sprintf("%03o", umask), func(t *testing.T) {
			dir := t.TempDir()
			cfg := tinyConfig(t, dir)
			runs := filepath.Join(dir, "runs")
			storage := "--storage=sqlite://" + filepath.Join(runs, "hpsearch.db")
			runUnderUmask(t, bin, umask, "run", cfg, "--set", "output.dir="+runs)
			runUnderUmask(t, bin, umask, "plot", "tiny", "--trial", "0", storage)
			// -o names a file in a directory that exists: it is never made.
			for _, d := range []string{"plots", "reports"} {
				if err := os.Mkdir(filepath.Join(dir, d), 0o777); err != nil {
					t.Fatal(err)
				}
			}
			runUnderUmask(t, bin, umask, "plot", "tiny", "--trial", "1", "-o", filepath.Join(dir, "plots", "one.svg"), storage)
			runUnderUmask(t, bin, umask, "export", "tiny", "--format", "csv", "-o", filepath.Join(dir, "all.csv"), storage)
			runUnderUmask(t, bin, umask, "report", "tiny", "-o", filepath.Join(dir, "reports", "tiny.html"), storage)
			runUnderUmask(t, bin, umask, "init", "learning-rates", "-d", dir)

			files := []string{
				filepath.Join(runs, "tiny", "best.yaml"),
				filepath.Join(runs, "tiny", "trials.csv"),
				filepath.Join(runs, "tiny", "report.html"),
				filepath.Join(runs, "tiny", "trial-0.png"),
				filepath.Join(dir, "plots", "one.svg"),
				filepath.Join(dir, "all.csv"),
				filepath.Join(dir, "reports", "tiny.html"),
				filepath.Join(dir, "learning-rates.yaml"),
			}
			for _, f := range files {
				checkMode(t, f, 0o666&^umask)
			}
			for _, d := range []string{filepath.Join(runs, "tiny")} {
				checkMode(t, d, fs.ModeDir|0o777&^umask)
			}
		})
	}
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}
