package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// Early stopping in a study shared through PostgreSQL: the run process
// and a worker prune exactly the trials a one-process SQLite run prunes,
// at the same steps, and the run prints what pruning saved.
func TestPostgresEarlyStopping(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	sweep := []string{filepath.Join("..", "..", "configs", "iris-mlp.yaml"), "--set", "output.dir=" + dir,
		"--set", "trainer.max_iterations=270", "--set", "search.rounds=2",
		"--set", "search.early_stopping.kind=successive_halving", "--parallel", "1"}
	runOut := sharedPrunesAsOneProcess(t, url, dir, sweep, "1")
	if !strings.Contains(runOut, "early stopping:") || !strings.Contains(runOut, "pruned") {
		t.Fatalf("the run does not show what pruning saved:\n%s", runOut)
	}
}

// sharedPrunesAsOneProcess runs sweep in one process on SQLite (the
// reference), then as study "shared" in PostgreSQL by `run` and one
// `worker --parallel workerPar` side by side, and fails unless the shared
// study pruned the same trials at the same steps. It also fails
// unless the worker ran some of the trials, and returns the run's stdout.
func sharedPrunesAsOneProcess(t *testing.T, url, dir string, sweep []string, workerPar string) (runOut string) {
	t.Helper()
	code, refOut, stderr := hpsearch(t, context.Background(), append(append([]string{"run"}, sweep...),
		"--study", "ref", "--storage", "sqlite://"+filepath.Join(dir, "ref.db"), "--json")...)
	if code != exitOK {
		t.Fatalf("reference run: exit %d\n%s", code, stderr)
	}
	ref := decode(t, refOut)

	// The run is paused once it has claimed a trial, until the worker has
	// claimed one too: an iris trial takes milliseconds, and a run left
	// alone could finish the study while the worker was still rebuilding
	// it. Pausing it before its first claim (the study stored, nothing
	// claimed yet) let the worker run every trial. The long grace keeps
	// the worker from taking the paused run's trial over.
	bin := binary(t)
	lease := []string{"--heartbeat", "200ms", "--grace", "60s"}
	run := start(t, bin, append(append([]string{"run"}, sweep...), append([]string{"--study", "shared", "--storage", url}, lease...)...)...)
	d := connect(t, url)
	until(t, "the run to claim a trial", 20*time.Second, func() bool {
		return d.count(`SELECT count(*) FROM trials WHERE study = 'shared' AND worker <> ''`) > 0
	})
	if err := run.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	worker := start(t, bin, append([]string{"worker", "shared", "--storage", url, "--parallel", workerPar}, lease...)...)
	until(t, "the worker to claim a trial", 30*time.Second, func() bool {
		return d.count(`SELECT count(DISTINCT worker) FROM trials WHERE study = 'shared' AND worker <> ''`) >= 2 || !worker.alive()
	})
	if err := run.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if code := run.exitCode(t, "run", 120*time.Second); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, run.err.String())
	}
	if code := worker.exitCode(t, "worker", 60*time.Second); code != exitOK {
		t.Fatalf("worker: exit %d\n%s", code, worker.err.String())
	}
	if d.count(`SELECT count(DISTINCT worker) FROM trials WHERE study = 'shared' AND worker <> ''`) != 2 {
		t.Errorf("the worker ran none of the trials\n%s", worker.err.String())
	}
	code, out, stderr := hpsearch(t, context.Background(), "show", "shared", "--storage", url, "--json")
	if code != exitOK {
		t.Fatalf("show: exit %d\n%s", code, stderr)
	}
	if pruned := samePruning(t, ref, decode(t, out)); pruned == 0 {
		t.Fatal("no trial was pruned: the test shows nothing")
	}
	return run.out.String()
}

// Command trials too: a trial waiting at a rung is paused while the run
// process and a worker share the study, and the pruning is a one-process
// run's.
func TestPostgresEarlyStoppingCommand(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	script := `for a in "$@"; do case $a in --lr=*) lr=${a#--lr=};; esac; done
for step in 1 3 9; do echo "step=$step val_loss=$lr"; sleep 0.02; done
`
	cfg := scriptSweep(t, dir, "cmd", script, 12, "early_stopping: {kind: hyperband, min_resource: 1, max_resource: 9}")
	sweep := []string{cfg, "--set", "output.dir=" + filepath.Join(dir, "runs"), "--parallel", "2"}
	sharedPrunesAsOneProcess(t, url, dir, sweep, "2")
}

// A shared study refuses early stopping with a device pool before it
// stores anything: a trial waiting at a rung keeps its device, and a trial
// it waits for that must run again here could never get one.
func TestPostgresEarlyStoppingRefusesDevices(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "train.sh"), "echo val_loss=1\n", 0o755)
	cfg := filepath.Join(dir, "sweep.yaml")
	writeTestFile(t, cfg, "name: dev\ntrainer:\n  command: [sh, train.sh, \"{args}\"]\n  devices: [0, 1]\n"+
		"search:\n  strategy: random\n  trials: 4\n  early_stopping: {kind: median, max_resource: 9}\n"+
		"parameters:\n  lr: {log_uniform: [1e-3, 1]}\n", 0o644)
	code, _, stderr := hpsearch(t, context.Background(), "run", cfg, "--set", "output.dir="+filepath.Join(dir, "runs"),
		"--study", "devices", "--storage", url)
	if code != exitUsage || !strings.Contains(stderr, "search.early_stopping with trainer.devices is not supported in a study shared through PostgreSQL") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := connect(t, url).count(`SELECT count(*) FROM studies WHERE name = 'devices'`); n != 0 {
		t.Errorf("the refused study was stored (%d rows)", n)
	}
}
