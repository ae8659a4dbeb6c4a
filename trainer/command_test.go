//go:build unix

package trainer

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// cmdprog builds testdata/cmdprog once per test binary: the program the
// command tests run (see its doc comment for the actions it takes).
var cmdprog = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hpsearch-cmdprog")
	if err != nil {
		return "", err
	}
	cmdprogDir = dir
	path := filepath.Join(dir, "cmdprog")
	if out, err := exec.Command("go", "build", "-o", path, "./testdata/cmdprog").CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: string(out)}
	}
	return path, nil
})

var cmdprogDir string

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string {
	return "go build testdata/cmdprog: " + e.err.Error() + "\n" + e.out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if cmdprogDir != "" {
		os.RemoveAll(cmdprogDir)
	}
	os.Exit(code)
}

func prog(t testing.TB) string {
	t.Helper()
	path, err := cmdprog()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// runCmd runs c for a trial with params in a fresh directory.
func runCmd(t *testing.T, ctx context.Context, c Command, params ...CommandParam) (CommandResult, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "trials", "3")
	if c.KillGrace == 0 {
		c.KillGrace = 200 * time.Millisecond
	}
	res, err := c.Run(ctx, CommandRun{Study: "demo", Trial: 3, Seed: 12345, Params: params, Dir: dir})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res, dir
}

// jsonLine finds the stdout line holding key and decodes it.
func jsonLine(t *testing.T, dir, key string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, StdoutFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m[key] != nil {
			return m
		}
	}
	t.Fatalf("stdout has no line with %q:\n%s", key, b)
	return nil
}

func TestCommandArgvIsNeverInterpreted(t *testing.T) {
	p := prog(t)
	params := []CommandParam{{"learning_rate", 1e-5}, {"batch_size", int64(32)}, {"evil", "1; rm -rf /"}, {"quote", `"$(touch x)" 'a'`}}
	res, dir := runCmd(t, context.Background(), Command{Argv: []string{p, "argv", "--lr={learning_rate}", "{evil}", "{args}",
		"{trial}", "{seed}", "{study}", "{trial_dir}", "{params_file}", "print:val_loss=0.5"}}, params...)
	if res.Outcome != CommandOK {
		t.Fatalf("outcome %s (%s): %s", res.Outcome, res.StopReason, res.Reason)
	}
	var got []string
	for _, v := range jsonLine(t, dir, "argv")["argv"].([]any) {
		got = append(got, v.(string))
	}
	want := []string{"argv", "--lr=1e-05", "1; rm -rf /", "--learning_rate=1e-05", "--batch_size=32", "--evil=1; rm -rf /",
		`--quote="$(touch x)" 'a'`, "3", "12345", "demo", dir, filepath.Join(dir, "params.json"), "print:val_loss=0.5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the program got argv\n%q\nwant\n%q", got, want)
	}
	if !reflect.DeepEqual(res.Argv[1:], want) {
		t.Errorf("result argv %q", res.Argv)
	}
	b, err := os.ReadFile(filepath.Join(dir, "params.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"learning_rate": 1e-05, "batch_size": 32, "evil": "1; rm -rf /", "quote": "\"$(touch x)\" 'a'"}` + "\n"; string(b) != want {
		t.Errorf("params.json = %s, want %s", b, want)
	}
}

func TestCommandEnvironmentAndWorkdir(t *testing.T) {
	p := prog(t)
	work := t.TempDir()
	c := Command{Argv: []string{p, "cwd", "env:HPSEARCH_PARAM_LEARNING_RATE", "env:HPSEARCH_PARAM_OPTIMIZER", "env:HPSEARCH_TRIAL",
		"env:HPSEARCH_SEED", "env:HPSEARCH_STUDY", "env:CUDA_VISIBLE_DEVICES", "env:HPSEARCH_DEVICE",
		"env:MY_SETTING", "env:PATH", "print:val_loss=1"},
		Workdir: work, Env: map[string]string{"MY_SETTING": "on", "HPSEARCH_TRIAL": "overridden by the trial's"}, KillGrace: time.Second}
	dir := filepath.Join(t.TempDir(), "t")
	res, err := c.Run(context.Background(), CommandRun{Study: "s", Trial: 7, Seed: 8, Dir: dir, Device: "1",
		Params: []CommandParam{{"learning_rate", 0.25}, {"optimizer", "adam"}}})
	if err != nil || res.Outcome != CommandOK {
		t.Fatalf("Run: %v, %+v", err, res)
	}
	if cwd := jsonLine(t, dir, "cwd")["cwd"]; cwd != work {
		t.Errorf("ran in %v, want the workdir %s", cwd, work)
	}
	b, _ := os.ReadFile(filepath.Join(dir, StdoutFileName))
	env := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		var m map[string]string
		if json.Unmarshal([]byte(l), &m) == nil && m["env"] != "" {
			env[m["env"]] = m["value"]
		}
	}
	want := map[string]string{"HPSEARCH_PARAM_LEARNING_RATE": "0.25", "HPSEARCH_PARAM_OPTIMIZER": "adam", "HPSEARCH_TRIAL": "7",
		"HPSEARCH_SEED": "8", "HPSEARCH_STUDY": "s",
		"CUDA_VISIBLE_DEVICES": "1", "HPSEARCH_DEVICE": "1", "MY_SETTING": "on", "PATH": os.Getenv("PATH")}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("environment\n%v\nwant\n%v", env, want)
	}
}

func TestCommandOutcomes(t *testing.T) {
	p := prog(t)
	sh := func(script string) []string { return []string{"/bin/sh", "-c", script} }
	tests := []struct {
		name    string
		argv    []string
		timeout time.Duration
		outcome CommandOutcome
		stop    string
		reason  string
		value   float64
		stderr  string // the last stderr line
	}{
		{"ok", []string{p, "print:{\"step\": 1, \"val_loss\": 0.5}", "print:{\"step\": 2, \"val_loss\": 0.25}"}, 0,
			CommandOK, "exit 0", "", 0.25, ""},
		{"non-zero exit", []string{p, "print:val_loss=0.5", "stderr:Traceback: ValueError: bad shape", "exit:3"}, 0,
			CommandFailed, "exit 3", "exit status 3", 0.5, "Traceback: ValueError: bad shape"},
		{"timeout", []string{p, "print:val_loss=0.5", "stderr:working", "sleep:30s"}, 300 * time.Millisecond,
			CommandFailed, "timeout", "timed out after 300ms", 0.5, "working"},
		{"killed by a signal", []string{p, "stderr:out of memory", "kill"}, 0,
			CommandFailed, "signal killed", "killed by signal: killed", nan(), "out of memory"},
		{"segmentation fault", sh(`echo val_loss=1; echo crashing >&2; kill -SEGV $$`), 0,
			CommandFailed, "signal segmentation fault", "killed by signal: segmentation fault", 1, "crashing"},
		{"no metric", []string{p, "print:training done", "print:{\"train_loss\": 0.1}"}, 0,
			CommandFailed, "no metric", `printed no val_loss metric`, nan(), ""},
		{"NaN diverges and stops the program", []string{p, "print:{\"step\": 1, \"val_loss\": 0.5}", "stderr:overflow", "print:{\"step\": 2, \"val_loss\": NaN}", "sleep:30s"}, 0,
			CommandDiverged, "diverged", "val_loss was NaN at step 2", nan(), ""},
		{"program not found", []string{"./no-such-program-here"}, 0,
			CommandFailed, "not started", "could not start ./no-such-program-here", nan(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res, dir := runCmd(t, context.Background(), Command{Argv: tt.argv, Timeout: tt.timeout})
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("took %s: the program was not stopped", took)
			}
			if res.Outcome != tt.outcome || res.StopReason != tt.stop || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("got %s / %q / %q, want %s / %q / containing %q", res.Outcome, res.StopReason, res.Reason, tt.outcome, tt.stop, tt.reason)
			}
			if !same(res.Value, tt.value) {
				t.Errorf("value %v, want %v", res.Value, tt.value)
			}
			last := ""
			if len(res.Stderr) > 0 {
				last = res.Stderr[len(res.Stderr)-1]
			}
			if !strings.Contains(last, tt.stderr) {
				t.Errorf("last stderr line %q, want it to hold %q (all: %q)", last, tt.stderr, res.Stderr)
			}
			for _, f := range []string{StdoutFileName, StderrFileName} {
				if f == StdoutFileName && res.StopReason == StopNotStarted {
					continue // stderr says why; there was no program to print anything
				}
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("%s not kept: %v", f, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, ParamsFileName)); err == nil {
				t.Errorf("params.json written for an argv without {params_file}")
			}
		})
	}
}

func nan() float64 { return math.NaN() }

func TestCommandKeepsOutputAndStderrTail(t *testing.T) {
	p := prog(t)
	res, dir := runCmd(t, context.Background(), Command{Argv: []string{p, "print:hello", "print:step=1 val_loss=0.5", "stderrlines:50", "exit:1"}})
	out, _ := os.ReadFile(filepath.Join(dir, StdoutFileName))
	if string(out) != "hello\nstep=1 val_loss=0.5\n" {
		t.Errorf("stdout file %q", out)
	}
	errText, _ := os.ReadFile(filepath.Join(dir, StderrFileName))
	if n := strings.Count(string(errText), "\n"); n != 50 {
		t.Errorf("stderr file has %d lines, want all 50", n)
	}
	if len(res.Stderr) != StderrTailLines || res.Stderr[0] != "stderr line 31" || res.Stderr[19] != "stderr line 50" {
		t.Errorf("stderr tail %q: want lines 31 to 50", res.Stderr)
	}
}

func TestCommandPrunedByOnMetric(t *testing.T) {
	p := prog(t)
	var steps []int
	c := Command{Argv: []string{p, "print:step=1 val_loss=0.9", "print:step=2 val_loss=0.8", "sleep:30s", "print:step=3 val_loss=0.1"},
		OnMetric: func(step int, v float64) bool { steps = append(steps, step); return step < 2 }}
	res, _ := runCmd(t, context.Background(), c)
	if res.Outcome != CommandPruned || res.StopReason != "pruned" || res.LastStep != 2 || res.Value != 0.8 {
		t.Errorf("got %s %q step %d value %v, want pruned at step 2 with 0.8", res.Outcome, res.StopReason, res.LastStep, res.Value)
	}
	if !reflect.DeepEqual(steps, []int{1, 2}) {
		t.Errorf("OnMetric saw %v", steps)
	}
}

func TestCommandCancelled(t *testing.T) {
	p := prog(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	res, _ := runCmd(t, ctx, Command{Argv: []string{p, "print:val_loss=1", "sleep:30s"}})
	if res.Outcome != CommandCancelled {
		t.Errorf("outcome %s, want cancelled", res.Outcome)
	}
	res, _ = runCmd(t, ctx, Command{Argv: []string{p, "print:val_loss=1"}})
	if res.Outcome != CommandCancelled || res.ExitCode != -1 {
		t.Errorf("a run after cancellation: %s exit %d, want cancelled without starting", res.Outcome, res.ExitCode)
	}
}

func TestCommandRunErrors(t *testing.T) {
	tests := []struct {
		c    Command
		r    CommandRun
		want string
	}{
		{Command{Argv: []string{"x", "{nope}"}}, CommandRun{Dir: t.TempDir()}, "unknown placeholder {nope}"},
		{Command{Argv: []string{"x"}}, CommandRun{}, "no directory"},
		{Command{Argv: []string{"x"}, MetricStrategy: "best"}, CommandRun{Dir: t.TempDir()}, "metric strategy"},
		{Command{Argv: []string{"x"}}, CommandRun{Dir: "/proc/hpsearch-cannot-write/here"}, "trial directory"},
	}
	for _, tt := range tests {
		if _, err := tt.c.Run(context.Background(), tt.r); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Run(%q): error %v, want it to say %q", tt.c.Argv, err, tt.want)
		}
	}
}

func TestCommandTrialDirExistsWhenNamed(t *testing.T) {
	for _, tt := range []struct {
		argv  []string
		first bool
	}{
		{[]string{"train", "{args}"}, false},
		{[]string{"train", "--out={trial_dir}/model.pt"}, true},
		{[]string{"train", "{params_file}"}, true},
	} {
		if got := (&Command{Argv: tt.argv}).dirFirst(); got != tt.first {
			t.Errorf("%q: directory made before the program starts %v, want %v", tt.argv, got, tt.first)
		}
	}
	script := `test -d "$1" && echo val_loss=1`
	res, dir := runCmd(t, context.Background(), Command{Argv: []string{"/bin/sh", "-c", script, "sh", "{trial_dir}"}})
	if res.Outcome != CommandOK {
		t.Errorf("the program did not find its {trial_dir}: %s %s %q", res.Outcome, res.Reason, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ParamsFileName)); err == nil {
		t.Error("params.json written without {params_file}")
	}
}

// A program hpsearch stops (diverged, pruned) keeps no stderr tail: what
// arrives before the signal is a race, and the same trial must read the
// same every time. The stderr file still has it all.
func TestCommandStoppedByHpsearchKeepsNoStderrTail(t *testing.T) {
	p := prog(t)
	for i := range 3 {
		res, dir := runCmd(t, context.Background(), Command{Argv: []string{p, "stderr:before", "print:{\"step\": 1, \"val_loss\": Infinity}", "stderr:the loss diverged", "sleep:30s"}})
		if res.Outcome != CommandDiverged {
			t.Fatalf("run %d: outcome %s, want diverged", i, res.Outcome)
		}
		if res.Stderr != nil {
			t.Errorf("run %d: stderr tail %q, want none", i, res.Stderr)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, StderrFileName)); !strings.Contains(string(b), "before") {
			t.Errorf("run %d: stderr file %q lost what the program printed", i, b)
		}
	}
	c := Command{Argv: []string{p, "print:step=1 val_loss=0.9", "stderr:pruned now", "sleep:30s"},
		OnMetric: func(int, float64) bool { return false }}
	if res, _ := runCmd(t, context.Background(), c); res.Outcome != CommandPruned || res.Stderr != nil {
		t.Errorf("pruned: outcome %s, stderr tail %q, want pruned and none", res.Outcome, res.Stderr)
	}
}
