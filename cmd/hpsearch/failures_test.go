package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crashSweep writes a command sweep whose program prints a traceback and
// exits 3, or prints no metric at all, and returns its config.
func crashSweep(t *testing.T, dir, name, script string) string {
	t.Helper()
	prog := filepath.Join(dir, name+".sh")
	writeTestFile(t, prog, "#!/bin/sh\n"+script, 0o755)
	cfg := filepath.Join(dir, name+".yaml")
	text := "name: " + name + "\nseed: 1\ntrainer:\n  command: [" + prog + ", \"{args}\"]\n" +
		"search: {strategy: random, trials: 3, metric: val_loss}\nparameters:\n  learning_rate: {log_uniform: [1e-3, 1]}\n"
	writeTestFile(t, cfg, text, 0o644)
	return cfg
}

// A failed trial says why on the console, while the sweep runs and under
// the ranked table, in `show` and in the report: the program's last
// stderr line, and where its whole output is.
func TestFailedTrialsExplainThemselves(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "runs")
	cfg := crashSweep(t, dir, "crash", `echo 'Traceback (most recent call last):' >&2
echo '  File "train.py", line 3, in <module>' >&2
echo 'RuntimeError: CUDA out of memory' >&2
exit 3
`)
	code, stdout, stderr := hpsearch(t, context.Background(), "run", cfg, "--set", "output.dir="+out)
	if code != exitNoSuccess {
		t.Fatalf("exit %d, want %d\n%s", code, exitNoSuccess, stderr)
	}
	reason := "exit status 3: RuntimeError: CUDA out of memory"
	if !strings.Contains(stderr, "failed: "+reason) {
		t.Errorf("the progress lines do not say why trials failed:\n%s", stderr)
	}
	where := filepath.Join(out, "crash", "trials", "0", "stderr")
	code, shown, errOut := hpsearch(t, context.Background(), "show", "crash", "--storage", "sqlite://"+filepath.Join(out, "hpsearch.db"))
	if code != exitOK {
		t.Fatalf("show: exit %d\n%s", code, errOut)
	}
	for name, text := range map[string]string{"run": stdout, "show": shown} {
		if !strings.Contains(text, "Failed trials (3):") || !strings.Contains(text, "trial 0: "+reason) || !strings.Contains(text, where) {
			t.Errorf("%s: no failed-trials list with the reason and %s:\n%s", name, where, text)
		}
	}
	html, err := os.ReadFile(filepath.Join(out, "crash", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), reason) || !strings.Contains(string(html), where) {
		t.Errorf("report.html lacks the reason or %s", where)
	}
}

// The "printed no metric" hint is the whole of what the user must do: the
// list gives it uncut.
func TestNoMetricHintIsWhole(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "runs")
	cfg := crashSweep(t, dir, "quiet", "echo 'epoch 1 done'\n")
	_, stdout, _ := hpsearch(t, context.Background(), "run", cfg, "--set", "output.dir="+out)
	hint := `trial 0: printed no val_loss metric: print lines such as {"step": 1, "val_loss": 0.5} or val_loss=0.5 on stdout`
	if !strings.Contains(stdout, hint) {
		t.Errorf("the hint is not whole under the table; want %q in:\n%s", hint, stdout)
	}
}
