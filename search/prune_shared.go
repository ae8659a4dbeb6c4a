package search

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/hpsearch/hpsearch/results"
)

// errLeaseLost stops a trial whose lease was given to another worker (or
// to another attempt here) while it ran: its reports no longer count.
var errLeaseLost = errors.New("this worker's claim on the trial was lost")

// errStudyStopped stops a trial waiting at a rung when its study stopped
// for too many failed trials: the trials it waits for will not run before
// the stop is lifted (hpsearch run --resume), so it is given back, to run
// again then and be judged as in an uninterrupted study.
var errStudyStopped = errors.New("its study stopped for too many failed trials; it waits for the study to be resumed")

// sharedPruner is early stopping for a study shared through a
// Queue that is a Reporter: each report is stored under the trial's lease,
// and a trial is judged over a snapshot of the stored reports of the trials
// it is compared with (Reporter.Progress), by the same rules (decider) as the
// Pruner of a one-process run, so the same trials are pruned at the same
// steps. Waiting for the others is polling: the reports come from other
// processes.
type sharedPruner struct {
	rule   EarlyStopping
	orient func(float64) float64
	w      *Worker
	q      Reporter
}

// judge decides, at each report of a running trial, whether it may go on:
// reports are the trial's reports so far, this one last; slot is its
// compute slot, given back while it waits for the trials it is judged
// against. err says the trial must stop unreported.
type judge interface {
	report(ctx context.Context, l results.Lease, reports []results.Reported, slot Slot) (keep bool, err error)
}

// judge is the Pruner itself for a live queue's study, whose records it
// keeps (the trials are all run here: a waiting trial is woken by those it
// waits for), and a sharedPruner for a study whose trials run anywhere.
func (w *Worker) judge(p *Pruner) judge {
	if _, ok := w.Queue.(liveQueue); ok {
		return p
	}
	return newSharedPruner(p, w)
}

// newSharedPruner needs w's queue to be a Reporter (Worker.add checks it).
func newSharedPruner(p *Pruner, w *Worker) *sharedPruner {
	return &sharedPruner{rule: p.rule, orient: p.orient, w: w, q: w.Queue.(Reporter)}
}

// report stores the trial's value at step and says whether it may go on.
// reports are the trial's reports so far, this one last. It waits, without
// its compute slot, until the trials it is judged against have reached the
// decision step or ended; ctx ending makes it say go on (the trial stops
// anyway). err is errLeaseLost, or a store failure: either way the trial
// must stop and not be reported.
func (sp *sharedPruner) report(ctx context.Context, l results.Lease, reports []results.Reported, slot Slot) (keep bool, err error) {
	n, round := l.Trial.Number, l.Trial.Round
	step, value := reports[len(reports)-1].Step, reports[len(reports)-1].Value
	var ok bool
	if err := sp.w.retry(ctx, fmt.Sprintf("report step %d of trial %d of %s", step, n, l.Trial.Study), func(ctx context.Context) (err error) {
		ok, err = sp.q.AddReport(ctx, l, step, value)
		return err
	}); err != nil {
		if ctx.Err() != nil {
			return true, nil
		}
		return false, err
	}
	if !ok {
		return false, errLeaseLost
	}
	// Where this report is judged needs only the trial's own reports.
	mine := newDecider(sp.rule)
	me := &progressLog{group: mine.group(n, round)}
	for _, r := range reports {
		me.steps, me.vals = append(me.steps, r.Step), append(me.vals, sp.orient(r.Value))
	}
	mine.add(n, me)
	judge, ok := mine.judgedAt(n, step)
	if !ok {
		return true, nil
	}
	// The median rule compares with every earlier trial of the study,
	// whatever its round; the synchronous rules only within the round.
	scope := round
	if sp.rule.Kind == MedianRule {
		scope = -1
	}
	released := false
	defer func() {
		if released {
			_ = slot.Acquire(ctx) // a cancelled trial stops at its next step anyway
		}
	}()
	for {
		var snap []results.TrialProgress
		if err := sp.w.retry(ctx, fmt.Sprintf("read the progress of %s", l.Trial.Study), func(ctx context.Context) (err error) {
			snap, err = sp.q.Progress(ctx, l.Trial.Study, scope)
			return err
		}); err != nil {
			if ctx.Err() != nil {
				return true, nil
			}
			return false, err
		}
		d, err := sp.snapshot(snap, l)
		if err != nil {
			return false, err
		}
		compare := d.earlier
		if sp.rule.Kind != MedianRule {
			compare = d.whole
		}
		others, waiting := compare(n, me.group, judge)
		if !waiting {
			if math.IsNaN(value) {
				return false, nil
			}
			return d.keep(n, me.group, judge, sp.orient(value), others), nil
		}
		if !released && slot != nil {
			// Waiting for the others to catch up: let them compute.
			slot.Release()
			released = true
		}
		sleep(ctx, sp.w.Poll)
		if ctx.Err() != nil {
			return true, nil
		}
		if sp.w.stopped(l.Trial.Study) {
			return false, errStudyStopped
		}
	}
}

// snapshot builds the decider's view of the stored progress, as the
// Pruner of a one-process run would know it; it checks that l still holds.
func (sp *sharedPruner) snapshot(snap []results.TrialProgress, l results.Lease) (decider, error) {
	d := newDecider(sp.rule)
	held := false
	for _, tp := range snap {
		if tp.Number == l.Trial.Number {
			held = tp.Status == results.StatusRunning && tp.Worker == l.Worker && tp.Attempt == l.Attempt
		}
		lg := &progressLog{group: d.group(tp.Number, tp.Round), ended: tp.Status.Finished(), completed: tp.Status == results.StatusOK}
		for _, r := range tp.Reports {
			lg.steps, lg.vals = append(lg.steps, r.Step), append(lg.vals, sp.orient(r.Value))
		}
		d.add(tp.Number, lg)
	}
	if !held {
		return d, errLeaseLost
	}
	return d, nil
}
