package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// After --resume the progress line's best counted only this run's
// trials, and its ETA divided every finished trial (the earlier run's
// too) into this run's time, so it read "eta 0s" with half the work left.
func TestProgressAfterResume(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, 12, results.GoalMinimize)
	p.Resumed([]results.Trial{
		{Number: 4, Status: results.StatusOK, Value: results.Measured(0.23)},
		{Number: 5, Status: results.StatusFailed, Value: results.Measured(0.01)},
	})
	p.start = time.Now().Add(-time.Second) // this run: 1 s for its one trial so far
	p.Trial(results.Trial{Number: 7, Status: results.StatusOK, Value: results.Measured(0.52)}, 7, 12)
	line := out.String()
	if !strings.Contains(line, "best 0.23 (trial 4)") {
		t.Errorf("the earlier run's best is not the best: %q", line)
	}
	if !strings.Contains(line, "eta 5s") {
		t.Errorf("ETA not measured on this run's trial alone (5 left at 1 s each): %q", line)
	}
}
