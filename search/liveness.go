package search

import (
	"context"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// release gives an interrupted trial back to the queue.
func (w *Worker) release(ctx context.Context, l results.Lease) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	r, ok := w.Queue.(Releaser)
	if !ok {
		return // its silence gets it requeued
	}
	if err := r.Release(rctx, l); err != nil {
		w.logf("trial %d of %s: could not give it back (%v); it runs again after the grace period", l.Trial.Number, l.Trial.Study, err)
	}
}

// beat sends heartbeats for the trials running here and requeues other
// workers' stale trials, every Heartbeat, until ctx ends. Failures are
// logged, one line a tick: the next tick tries again.
func (w *Worker) beat(ctx context.Context) {
	t := time.NewTicker(w.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := w.Queue.Heartbeat(ctx, w.leases()); err != nil {
			if ctx.Err() == nil {
				w.logf("heartbeat: %v", err)
			}
			continue // the store is not there: requeueing would fail too
		}
		rq, ok := w.Queue.(Requeuer)
		if !ok {
			continue
		}
		requeued, err := rq.Requeue(ctx, w.Grace, w.MaxAttempts)
		if err != nil && ctx.Err() == nil {
			w.logf("requeue stale trials: %v", err)
		}
		for _, r := range requeued {
			if r.Status == results.StatusFailed {
				w.logf("trial %d of %s failed: %s", r.Number, r.Study, r.Error)
			} else {
				w.logf("trial %d of %s runs again: %s", r.Number, r.Study, r.Error)
			}
		}
	}
}

// leases lists the trials running here.
func (w *Worker) leases() []results.Lease {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]results.Lease, 0, len(w.held))
	for _, l := range w.held {
		out = append(out, l)
	}
	return out
}
