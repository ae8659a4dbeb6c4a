//go:build unix

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trainScript is a training program in sh: its validation loss is the
// learning rate it is given (so the best trial has the lowest), printed as
// a JSON line and as a name=value line. FAIL=1 in its environment makes it
// fail the way a broken script does.
const trainScript = `for a in "$@"; do case $a in --lr=*) lr=${a#--lr=};; esac; done
echo "training with lr=$lr" >&2
if [ "$FAIL" = 1 ]; then echo "ImportError: no module named torch" >&2; exit 3; fi
[ -n "$SLEEP" ] && sleep "$SLEEP"
echo '{"step": 1, "val_loss": 100}'
echo "step=2 train_loss=$lr val_loss=$lr"
`

// commandSweep writes the script and a config running it into a fresh
// directory and returns the config's path and the output directory.
func commandSweep(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "train.sh"), trainScript, 0o755)
	cfg := `name: cmd
seed: 3
trainer:
  command: [sh, train.sh, "{args}", "--params={params_file}"]
search:
  strategy: random
  trials: 6
parameters:
  lr: {log_uniform: [1e-3, 1]}
`
	path := filepath.Join(dir, "sweep.yaml")
	writeTestFile(t, path, cfg, 0o644)
	return path, filepath.Join(dir, "runs")
}

func TestCommandSweepAndEval(t *testing.T) {
	cfg, out := commandSweep(t)
	code, stdout, stderr := hpsearch(t, context.Background(), "run", cfg, "--json", "--storage", "memory:", "--set", "output.dir="+out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	d := decode(t, stdout)
	if d.Metric != "val_loss" || len(d.Trials) != 6 || d.Best == nil {
		t.Fatalf("metric %s, %d trials, best %v", d.Metric, len(d.Trials), d.Best)
	}
	var lr struct{ Lr float64 }
	json.Unmarshal(d.Best.Params, &lr)
	if d.Best.Value != lr.Lr {
		t.Errorf("best value %v, want its learning rate %v (the script's last val_loss)", d.Best.Value, lr.Lr)
	}
	for _, tr := range d.Trials {
		if tr.Status != "ok" || tr.StopReason != "exit 0" || tr.Iterations != 2 {
			t.Errorf("trial %d: %s, %s, %d steps", tr.Number, tr.Status, tr.StopReason, tr.Iterations)
		}
		trialDir := filepath.Join(out, "cmd", "trials", strconv.Itoa(tr.Number))
		for _, f := range []string{"stdout", "stderr", "params.json"} {
			if _, err := os.Stat(filepath.Join(trialDir, f)); err != nil {
				t.Errorf("trial %d: %s not kept: %v", tr.Number, f, err)
			}
		}
	}
	best := filepath.Join(out, "cmd", "best.yaml")
	code, stdout, stderr = hpsearch(t, context.Background(), "eval", cfg, "--params", best, "--json", "--set", "output.dir="+out)
	if code != exitOK {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	var tr struct {
		Number int     `json:"number"`
		Value  float64 `json:"value"`
	}
	if err := json.Unmarshal([]byte(stdout), &tr); err != nil || tr.Number != d.Best.Number || tr.Value != d.Best.Value {
		t.Errorf("eval gave trial %d value %v (%v); the sweep's best was trial %d value %v", tr.Number, tr.Value, err, d.Best.Number, d.Best.Value)
	}
	if _, err := os.Stat(filepath.Join(out, "cmd", "eval", strconv.Itoa(d.Best.Number), "stdout")); err != nil {
		t.Errorf("eval did not keep its output apart from the sweep's: %v", err)
	}
}

func TestMaxFailedTrialsStopsTheSweep(t *testing.T) {
	cfg, out := commandSweep(t)
	code, stdout, stderr := hpsearch(t, context.Background(), "run", cfg, "--parallel", "1", "--storage", "memory:",
		"--set", "output.dir="+out, "--set", "search.max_failed_trials=2", "--set", "search.trials=20", "--set", "trainer.env={FAIL: 1}", "--json")
	if code != exitNoSuccess {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	want := "stopped: 3 trials failed (search.max_failed_trials: 2); the last, trial 2: exit status 3 (its output is in " +
		filepath.Join(out, "cmd", "trials", "2") + ")"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	d := decode(t, stdout)
	if len(d.Trials) != 3 {
		t.Errorf("%d trials reported, want the 3 that ran before the stop", len(d.Trials))
	}
	var tr struct {
		Error string `json:"error"`
	}
	doc := struct {
		Trials []json.RawMessage `json:"trials"`
	}{}
	json.Unmarshal([]byte(stdout), &doc)
	json.Unmarshal(doc.Trials[0], &tr)
	if !strings.Contains(tr.Error, "ImportError: no module named torch") {
		t.Errorf("a failed trial's error lacks the last lines of stderr: %q", tr.Error)
	}
	if _, err := os.Stat(filepath.Join(out, "cmd", "trials.csv")); err != nil {
		t.Errorf("the stopped sweep exported nothing: %v", err)
	}
}

func TestCommandSweepInterruptedExits130(t *testing.T) {
	cfg, out := commandSweep(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	start := time.Now()
	code, _, stderr := hpsearch(t, ctx, "run", cfg, "--parallel", "2", "--storage", "memory:",
		"--set", "output.dir="+out, "--set", "trainer.env={SLEEP: 30}", "--set", "search.max_failed_trials=1")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130 (interrupted trials are not failures)\n%s", code, stderr)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s: the running programs were not stopped", took)
	}
}

func TestDevicesCapParallelism(t *testing.T) {
	cfg, out := commandSweep(t)
	devices := []string{"--set", "trainer.devices=[0, 1]"}
	code, _, stderr := hpsearch(t, context.Background(), append([]string{"run", cfg, "--parallel", "8", "--storage", "memory:", "--set", "output.dir=" + out}, devices...)...)
	if code != exitOK || !strings.Contains(stderr, "6 trials (0 already finished), 2 at a time") {
		t.Errorf("exit %d; want 2 at a time with 2 devices:\n%s", code, stderr)
	}
	code, stdout, stderr := hpsearch(t, context.Background(), append([]string{"validate", cfg}, devices...)...)
	if code != exitOK || !strings.Contains(stdout, "command   sh train.sh {args} --params={params_file} (in ") || !strings.Contains(stdout, "devices 0, 1") ||
		!strings.Contains(stdout, "metric    val_loss (minimize)") || !strings.Contains(stdout, "2 at a time") {
		t.Errorf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
}
