package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// The report lists failed trials as the terminal does: the reason (the
// error and the program's last stderr line, not cut short) and where the
// whole output is.
func TestReportListsFailedTrials(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := results.Study{Name: "crash", Metric: "val_loss", Goal: results.GoalMinimize, Strategy: "random", Total: 2}
	trials := []results.Trial{
		{Study: "crash", Number: 0, Status: results.StatusOK, Value: results.Measured(0.5), TrainLoss: results.Measured(0.4),
			Params: results.Params{{Name: "learning_rate", Value: 0.01}}, Started: start, Finished: start.Add(time.Second)},
		{Study: "crash", Number: 1, Status: results.StatusFailed,
			Params: results.Params{{Name: "learning_rate", Value: 0.1}}, Started: start, Finished: start.Add(time.Second),
			Error: "exit status 3\nlast lines of stderr:\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory, tried to allocate 2.00 GiB on device 0"},
	}
	output := func(t results.Trial) string { return "runs/crash/trials/1/stderr" }
	var buf bytes.Buffer
	if err := WriteHTML(&buf, s, trials, TrialOutput(output)); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		`<a href="#failed">Failed trials</a>`,
		`<table id="failed-table">`,
		"exit status 3: RuntimeError: CUDA out of memory, tried to allocate 2.00 GiB on device 0",
		"runs/crash/trials/1/stderr",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}

	// No failed trial, no section.
	buf.Reset()
	if err := WriteHTML(&buf, s, trials[:1]); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `id="failed"`) {
		t.Error("a report without failed trials has a failed-trials section")
	}
}
