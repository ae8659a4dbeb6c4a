package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/study"
)

// hpsearch runs the program in-process and returns its exit status, stdout
// and stderr.
func hpsearch(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeTestFile writes text to path, failing the test if it cannot.
func writeTestFile(t *testing.T, path, text string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), perm); err != nil {
		t.Fatal(err)
	}
}

// scriptSweep writes script as train.sh in dir and a config, name.yaml's
// study name, that runs it for trials random trials of lr (seed 5), with
// any more search keys ("max_failed_trials: 2"); it returns the config's
// path.
func scriptSweep(t *testing.T, dir, name, script string, trials int, search ...string) string {
	t.Helper()
	writeTestFile(t, filepath.Join(dir, "train.sh"), script, 0o755)
	var more strings.Builder
	for _, kv := range search {
		more.WriteString("  " + kv + "\n")
	}
	cfg := filepath.Join(dir, "sweep.yaml")
	writeTestFile(t, cfg, fmt.Sprintf(`name: %s
seed: 5
trainer:
  command: [sh, train.sh, "{args}"]
search:
  strategy: random
  trials: %d
%sparameters:
  lr: {log_uniform: [1e-3, 1]}
`, name, trials, more.String()), 0o644)
	return cfg
}

type document struct {
	Study    string `json:"study"`
	Strategy string `json:"strategy"`
	Metric   string `json:"metric"`
	Goal     string `json:"goal"`
	Trials   []struct {
		Number     int             `json:"number"`
		Round      int             `json:"round"`
		Params     json.RawMessage `json:"params"`
		Status     string          `json:"status"`
		Value      *float64        `json:"value"`
		Iterations int             `json:"iterations"`
		StopReason string          `json:"stop_reason"`
	} `json:"trials"`
	Rounds []json.RawMessage `json:"rounds"`
	Best   *struct {
		Number int             `json:"number"`
		Params json.RawMessage `json:"params"`
		Value  float64         `json:"value"`
	} `json:"best"`
}

func decode(t *testing.T, s string) document {
	t.Helper()
	var d document
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("--json output is not the JSON document: %v\n%s", err, s)
	}
	return d
}

// exampleOverrides keep every shipped example fast under -race while still
// running it for real.
var exampleOverrides = map[string][]string{
	"large-data": {"--set", "data.synthetic.samples=20000", "--set", "trainer.max_iterations=60"},
	"iris-mlp":   {"--set", "trainer.max_iterations=150"},
}

func TestExamplesRun(t *testing.T) {
	for _, name := range configs.Examples() {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"run", filepath.Join("..", "..", "configs", name+".yaml"), "--json", "--set", "output.dir=" + out}
			args = append(args, exampleOverrides[name]...)
			code, stdout, stderr := hpsearch(t, context.Background(), args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			d := decode(t, stdout)
			if len(d.Trials) == 0 || d.Best == nil {
				t.Fatalf("no trials or no best in the document")
			}
			for _, f := range []string{"best.yaml", "trials.csv"} {
				if _, err := os.Stat(filepath.Join(out, d.Study, f)); err != nil {
					t.Errorf("%s not written: %v", f, err)
				}
			}
			checkExample(t, name, d)
		})
	}
}

// checkExample checks that each example shows what it claims to.
func checkExample(t *testing.T, name string, d document) {
	byStatus := map[string]int{}
	for _, tr := range d.Trials {
		byStatus[tr.Status]++
	}
	switch name {
	case "learning-rates":
		if byStatus["diverged"] == 0 || byStatus["ok"] == 0 {
			t.Errorf("learning-rates: want some rates diverged and some ok, got %v", byStatus)
		}
	case "local-minimum":
		// The global minimum of the double well is −3.514, the local −1.070.
		if d.Best.Value > -3.5 {
			t.Errorf("local-minimum: best %g, want the global minimum (−3.514) found by restarts", d.Best.Value)
		}
		var local int
		for _, tr := range d.Trials {
			if tr.Value != nil && *tr.Value > -1.1 {
				local++
			}
		}
		if local == 0 {
			t.Error("local-minimum: no trial ended in the local minimum; the demo shows nothing")
		}
	case "plateau":
		stalledGD := true
		escaped := false
		for _, tr := range d.Trials {
			if tr.Value == nil {
				continue
			}
			if strings.Contains(string(tr.Params), `"gd"`) && *tr.Value < 0.5 {
				stalledGD = false
			}
			if !strings.Contains(string(tr.Params), `"gd"`) && *tr.Value < 1e-3 {
				escaped = true
			}
		}
		if !stalledGD || !escaped {
			t.Errorf("plateau: want gd stalled and momentum/adam through (gd stalled %v, others through %v)", stalledGD, escaped)
		}
	case "command-example":
		// The program's own JSON lines rank the trials; its NaN is a divergence.
		if byStatus["ok"] == 0 || byStatus["diverged"] == 0 || d.Best.Value > 0.7 {
			t.Errorf("command-example: want ok and diverged trials and a best val_loss below 0.7, got %v, best %g", byStatus, d.Best.Value)
		}
	case "quickstart", "iris-mlp":
		if len(d.Rounds) < 2 {
			t.Errorf("%s: coarse-to-fine recorded %d rounds", name, len(d.Rounds))
		}
	}
}

func TestBadConfigReportsEveryProblemAndExits2(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	os.WriteFile(path, []byte(`name: bad
data:
  synthetic: {kind: linear}
model: {kind: linear, loss: mse}
trainer:
  optimiser: gd
parameters:
  learning_rate: {unifrom: [1e-3, 1]}
  momentum: {uniform: [0.9, 0.1]}
`), 0o644)
	code, stdout, stderr := hpsearch(t, context.Background(), "run", path)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	if stdout != "" {
		t.Errorf("a bad config printed on stdout: %q", stdout)
	}
	for _, want := range []string{"bad.yaml:6: trainer.optimiser", "bad.yaml:8: parameters.learning_rate", "bad.yaml:9: parameters.momentum"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n") + 1; n != 3 {
		t.Errorf("want one line per problem (3), got %d:\n%s", n, stderr)
	}
	if _, err := os.Stat("runs/bad"); err == nil {
		t.Error("a bad config wrote results")
	}
}

func TestEvalRetrainsTheBestToTheSameValue(t *testing.T) {
	out := t.TempDir()
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	code, stdout, stderr := hpsearch(t, context.Background(), "run", cfg, "--json", "--set", "output.dir="+out, "--set", "search.rounds=2")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	d := decode(t, stdout)
	code, stdout, stderr = hpsearch(t, context.Background(), "eval", cfg, "--set", "search.rounds=2", "--params", filepath.Join(out, "quickstart", "best.yaml"), "--json")
	if code != exitOK {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	var tr struct {
		Number int     `json:"number"`
		Value  float64 `json:"value"`
	}
	if err := json.Unmarshal([]byte(stdout), &tr); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, stdout)
	}
	if tr.Number != d.Best.Number || tr.Value != d.Best.Value {
		t.Fatalf("eval gave trial %d value %v; the sweep's best was trial %d value %v", tr.Number, tr.Value, d.Best.Number, d.Best.Value)
	}
}

func TestSameTrialsAtAnyParallelism(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	get := func(par string) document {
		code, stdout, stderr := hpsearch(t, context.Background(), "run", cfg, "--json", "--parallel", par,
			"--set", "output.dir="+t.TempDir(), "--set", "search.rounds=2")
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		return decode(t, stdout)
	}
	a, b := get("1"), get("3")
	if len(a.Trials) != len(b.Trials) {
		t.Fatalf("%d trials vs %d", len(a.Trials), len(b.Trials))
	}
	for i := range a.Trials {
		ta, tb := a.Trials[i], b.Trials[i]
		if string(ta.Params) != string(tb.Params) || (ta.Value == nil) != (tb.Value == nil) || (ta.Value != nil && *ta.Value != *tb.Value) {
			t.Fatalf("trial %d differs between --parallel 1 and 3: %s %v vs %s %v", i, ta.Params, ta.Value, tb.Params, tb.Value)
		}
	}
}

func TestInterruptKeepsFinishedTrialsAndExits130(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	// Long trials: the interrupt lands mid-sweep.
	code, stdout, stderr := hpsearch(t, ctx, "run", filepath.Join("..", "..", "configs", "iris-mlp.yaml"),
		"--set", "output.dir="+out, "--set", "trainer.max_iterations=100000", "--set", "trainer.patience=0",
		"--set", "search.rounds=50", "--parallel", "2")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "interrupted") {
		t.Errorf("stderr does not say it was interrupted:\n%s", stderr)
	}
	csv, err := os.ReadFile(filepath.Join(out, "iris-mlp", "trials.csv"))
	if err != nil {
		t.Fatalf("trials.csv not written after the interrupt: %v", err)
	}
	rows := strings.Count(strings.TrimSpace(string(csv)), "\n")
	if rows == 0 && strings.Contains(stdout, "trial") {
		t.Logf("no trial finished before the interrupt")
	}
	if strings.Contains(string(csv), "running") {
		t.Errorf("trials.csv holds unfinished trials:\n%s", csv)
	}
}

func TestNoSuccessfulTrialExits1(t *testing.T) {
	code, _, stderr := hpsearch(t, context.Background(), "run", filepath.Join("..", "..", "configs", "quickstart.yaml"),
		"--set", "output.dir="+t.TempDir(), "--set", "search.strategy=random", "--set", "search.trials=3",
		"--set", "learning_rate=100", "--set", "optimizer=gd")
	if code != exitNoSuccess {
		t.Fatalf("exit %d, want 1 when every trial diverges\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "no trial succeeded") {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestValidateDescribesThePlan(t *testing.T) {
	code, stdout, stderr := hpsearch(t, context.Background(), "validate", filepath.Join("..", "..", "configs", "iris-mlp.yaml"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"105 training rows, 45 validation rows, 4 features", "setosa", "learning_rate", "log_uniform", "48 trials in 3 rounds of 16"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("validate output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestInitWritesARunnableExample(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := hpsearch(t, context.Background(), "init", "iris-mlp", "--dir", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "iris.csv")); err != nil {
		t.Fatalf("init did not copy the data set: %v", err)
	}
	code, _, stderr = hpsearch(t, context.Background(), "validate", filepath.Join(dir, "iris-mlp.yaml"))
	if code != exitOK {
		t.Fatalf("the written example does not validate: exit %d\n%s", code, stderr)
	}
	code, _, stderr = hpsearch(t, context.Background(), "init", "iris-mlp", "--dir", dir)
	if code != exitUsage || !strings.Contains(stderr, "already exists") {
		t.Fatalf("init over an existing file: exit %d, %s", code, stderr)
	}
	code, _, stderr = hpsearch(t, context.Background(), "init", "nosuch")
	if code != exitUsage || !strings.Contains(stderr, "quickstart") {
		t.Fatalf("init of an unknown example: exit %d, %s", code, stderr)
	}
}

func TestStudyNamePlaceholders(t *testing.T) {
	now := time.Date(2026, 11, 28, 2, 0, 5, 0, time.UTC)
	if got := study.ExpandName("nightly-{date}-{time}", now); got != "nightly-2026-11-28-020005" {
		t.Fatalf("got %q", got)
	}
	code, _, stderr := hpsearch(t, context.Background(), "run", filepath.Join("..", "..", "configs", "quickstart.yaml"), "--study", "../escape")
	if code != exitUsage || !strings.Contains(stderr, `study name "../escape" may hold only`) {
		t.Fatalf("a study name with a path separator: exit %d, %s", code, stderr)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	code, stdout, _ := hpsearch(t, context.Background(), "--version")
	if code != exitOK || !strings.Contains(stdout, version) {
		t.Fatalf("--version: exit %d, %q", code, stdout)
	}
	code, stdout, _ = hpsearch(t, context.Background(), "completion", "bash")
	if code != exitOK || !strings.Contains(stdout, "hpsearch") {
		t.Fatalf("completion bash: exit %d", code)
	}
}
