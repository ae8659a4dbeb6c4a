//go:build unix

package trainer

import (
	"context"
	"testing"
)

// A person's stop (Command.Stop) ends the program as a pruned one ends,
// and the trial is ok with the value it printed last; OnPoint saw every
// metric line as it was read.
func TestCommandStoppedByTheUser(t *testing.T) {
	p := prog(t)
	stop := make(chan struct{})
	var seen []MetricPoint
	c := Command{Argv: []string{p, "print:step=1 val_loss=0.9 grad_norm=3", "print:step=2 val_loss=0.7", "sleep:30s", "print:step=3 val_loss=0.1"},
		Stop: stop,
		OnPoint: func(pt MetricPoint) {
			seen = append(seen, pt)
			if pt.Step == 2 {
				close(stop)
			}
		}}
	res, _ := runCmd(t, context.Background(), c)
	if res.Outcome != CommandOK || res.StopReason != StopCommandUser || res.Value != 0.7 || res.LastStep != 2 || res.Reason != "" {
		t.Errorf("got %s %q (%q) step %d value %v, want ok, stopped by the user at step 2 with 0.7", res.Outcome, res.StopReason, res.Reason, res.LastStep, res.Value)
	}
	if len(seen) != 2 || seen[0].Step != 1 || seen[0].Metrics["grad_norm"] != 3 || seen[1].Value != 0.7 {
		t.Errorf("OnPoint saw %+v, want steps 1 and 2", seen)
	}
}

// Stopped before it printed its metric, the trial has no value: failed,
// saying so.
func TestCommandStoppedByTheUserBeforeAnyMetric(t *testing.T) {
	p := prog(t)
	stop := make(chan struct{})
	close(stop)
	res, _ := runCmd(t, context.Background(), Command{Argv: []string{p, "sleep:30s", "print:val_loss=1"}, Stop: stop})
	if res.Outcome != CommandFailed || res.StopReason != StopCommandUser || res.Reason != "stopped by the user before it printed val_loss" {
		t.Errorf("got %s %q (%q), want failed, stopped by the user before it printed val_loss", res.Outcome, res.StopReason, res.Reason)
	}
}
