package results

import (
	"fmt"
	"strings"
	"testing"
)

func failed(n int, err string) Trial {
	t := mkTrial(n, StatusFailed, nan, 0.1, lr(0.01))
	t.Error = err
	return t
}

func TestFailureReason(t *testing.T) {
	noMetric := `printed no val_loss metric: print lines such as {"step": 1, "val_loss": 0.5} or val_loss=0.5 on stdout`
	for _, tc := range []struct {
		name  string
		trial Trial
		want  string
	}{
		{"command with a traceback: the reason, then the last stderr line",
			failed(0, "exit status 3\nlast lines of stderr:\nTraceback (most recent call last):\n  File \"train.py\", line 3\nRuntimeError: CUDA out of memory\n\n"),
			"exit status 3: RuntimeError: CUDA out of memory"},
		{"the no-metric hint whole", failed(1, noMetric), noMetric},
		{"the no-metric hint and the program's last word",
			failed(2, noMetric+"\nlast lines of stderr:\nwarning: no GPU"), noMetric + ": warning: no GPU"},
		{"built-in trainer error", failed(3, "trainer: model: 0 features"), "trainer: model: 0 features"},
		{"a last line that only introduces what follows",
			failed(4, "exit status 1\nlast lines of stderr:\nTraceback (most recent call last):"), "exit status 1"},
		{"no error: the stop reason", func() Trial { t := failed(5, ""); t.StopReason = "timeout"; return t }(), "timeout"},
		{"no error, no stop reason", func() Trial { t := failed(6, ""); t.StopReason = ""; return t }(), "failed"},
		{"a trial that did not fail", mkTrial(7, StatusOK, 0.5, 0.1, lr(0.01)), ""},
		{"one huge line is bounded", failed(8, "exit status 1\nlast lines of stderr:\n"+strings.Repeat("x", 5000)),
			"exit status 1: " + strings.Repeat("x", maxReasonLen-len("exit status 1: ")-1) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FailureReason(tc.trial); got != tc.want {
				t.Errorf("FailureReason = %q\nwant            %q", got, tc.want)
			}
		})
	}
}

func TestWriteFailures(t *testing.T) {
	trials := []Trial{
		mkTrial(0, StatusOK, 0.5, 0.1, lr(0.01)),
		failed(1, "exit status 3\nlast lines of stderr:\nRuntimeError: CUDA out of memory"),
		mkTrial(2, StatusDiverged, nan, 0.1, lr(1)),
		failed(3, `printed no val_loss metric: print lines such as {"step": 1, "val_loss": 0.5} or val_loss=0.5 on stdout`),
	}
	output := func(t Trial) string {
		if t.Number == 1 {
			return "runs/s/trials/1/stderr"
		}
		return ""
	}
	var b strings.Builder
	if err := WriteFailures(&b, trials, output); err != nil {
		t.Fatal(err)
	}
	want := `
Failed trials (2):
  trial 1: exit status 3: RuntimeError: CUDA out of memory
    output: runs/s/trials/1/stderr
  trial 3: printed no val_loss metric: print lines such as {"step": 1, "val_loss": 0.5} or val_loss=0.5 on stdout
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	if err := WriteFailures(&b, trials[:1], output); err != nil || b.Len() != 0 {
		t.Errorf("no failed trial: wrote %q, %v; want nothing", b.String(), err)
	}
}

// A sweep where everything failed lists the first MaxFailuresListed and
// counts the rest.
func TestWriteFailuresIsShort(t *testing.T) {
	var trials []Trial
	for i := range 25 {
		trials = append(trials, failed(i, fmt.Sprintf("exit status %d", i)))
	}
	var b strings.Builder
	if err := WriteFailures(&b, trials, nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if got := strings.Count(out, "  trial "); got != MaxFailuresListed {
		t.Errorf("%d trials listed, want %d:\n%s", got, MaxFailuresListed, out)
	}
	if !strings.Contains(out, "Failed trials (25)") || !strings.Contains(out, "and 15 more") {
		t.Errorf("the list does not count the others:\n%s", out)
	}
}
