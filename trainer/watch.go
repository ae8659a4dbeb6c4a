package trainer

import (
	"sync"
	"sync/atomic"
)

// Watch follows a running Train from other goroutines and lets a person
// stop it (Settings.Watch): the lecture's first stopping criterion, "show
// the gradient on a graph and stop when the person judges it done". The
// run hands it each history point as it records it, and checks Stop once
// per iteration with an atomic load: the loop still allocates nothing and
// takes no lock but when it records a point.
//
// Its points are the current restart's history, thinned as the run thins
// it, so they stay within Settings.HistoryLimit however long the run. A
// Watch serves one Train at a time.
type Watch struct {
	stop atomic.Bool

	mu      sync.Mutex
	points  []HistoryPoint // the current restart's history as recorded
	stride  int            // the history's stride when points were copied
	taken   int            // points already handed out by Progress
	replace bool           // what was handed out is not a prefix of points any more
}

// Stop ends the run at its next iteration with StopUser, keeping the
// weights (and value) it has, as if its iteration budget had ended there.
// It is safe from any goroutine and at any time; a run that has ended is
// not affected.
func (w *Watch) Stop() { w.stop.Store(true) }

// stopped is checked once per iteration.
func (w *Watch) stopped() bool { return w.stop.Load() }

// Progress appends to dst the points recorded since the last call and
// returns them. replace says that they are the whole history, to be put in
// the place of every point returned before: the run thinned its history,
// or a new restart began.
func (w *Watch) Progress(dst []HistoryPoint) (points []HistoryPoint, replace bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	dst = append(dst, w.points[w.taken:]...)
	replace, w.replace, w.taken = w.replace, false, len(w.points)
	return dst, replace
}

// begin starts a restart's history; limit is Settings.HistoryLimit, the
// most points a history holds, reserved here so that recording allocates
// nothing.
func (w *Watch) begin(limit int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cap(w.points) < limit {
		w.points = make([]HistoryPoint, 0, limit)
	}
	w.points, w.stride, w.taken = w.points[:0], 1, 0
	w.replace = true
}

// record copies what h gained since the last call: the new points, or all
// of them when h was thinned in between.
func (w *Watch) record(h *history) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if h.stride != w.stride || len(h.points) < len(w.points) {
		w.points = append(w.points[:0], h.points...)
		w.stride, w.taken, w.replace = h.stride, 0, true
		return
	}
	w.points = append(w.points, h.points[len(w.points):]...)
}
