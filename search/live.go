package search

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// Live follows one running trial for whoever watches its store (hpsearch
// serve, on any machine): the evaluator gives it the trial's curve as the
// trial records it, and the Worker saves what is new to the store about
// once a second (liveEvery), in the same call asking whether a person
// asked the trial to stop (hpsearch stop, the dashboard's Stop button).
// When one did, Stopped is closed and the OnStop functions run: the
// evaluator ends the trial at its next iteration, keeping what it has,
// with stop reason user.
//
// A Task has one only when its store keeps live trials (liveStore); an
// evaluator must work without.
type Live struct {
	stopped  chan struct{}
	stopOnce sync.Once

	mu     sync.Mutex
	onStop []func()
	follow func(dst []results.Point) ([]results.Point, bool) // a pulled curve (Follow)
	// A pushed curve (Add), thinned as the trainer thins its history: at
	// most livePoints points, every stride-th one offered.
	points  []results.Point
	stride  int
	seen    int
	taken   int  // points already handed to the store
	replace bool // what was handed is not a prefix of points any more
}

// livePoints bounds a pushed curve, in memory and in the store, however
// long the trial: the built-in trainer's history holds as many
// (configs.HistoryPoints).
const livePoints = 1000

// liveEvery is how often a running trial's new points are saved and its
// stop request polled: a person sees the curve and the stop acts within
// about this long, and a store gets one write a second per running trial.
var liveEvery = time.Second

func newLive() *Live {
	return &Live{stopped: make(chan struct{}), stride: 1}
}

// Stopped is closed once a person has asked the trial to stop.
func (l *Live) Stopped() <-chan struct{} { return l.stopped }

// OnStop runs f (on another goroutine) once a person has asked the trial
// to stop, at once if one has already.
func (l *Live) OnStop(f func()) {
	l.mu.Lock()
	select {
	case <-l.stopped:
		l.mu.Unlock()
		f()
		return
	default:
	}
	l.onStop = append(l.onStop, f)
	l.mu.Unlock()
}

// Follow makes take pull the trial's curve from f, which returns the
// points recorded since its last call appended to dst, and whether they
// replace every point it returned before (trainer.Watch.Progress).
func (l *Live) Follow(f func(dst []results.Point) ([]results.Point, bool)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.follow = f
}

// Add offers one point of the trial's curve (a command trial's metric
// line), in order. Past livePoints, every other point is dropped and only
// every second one offered is kept from then on, so the curve stays
// evenly spaced and bounded.
func (l *Live) Add(p results.Point) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.seen
	l.seen++
	if n%l.stride != 0 {
		return
	}
	if len(l.points) == livePoints {
		kept := l.points[:0]
		for i := 0; i < len(l.points); i += 2 {
			kept = append(kept, l.points[i])
		}
		l.points, l.stride, l.taken, l.replace = kept, 2*l.stride, 0, true
		if n%l.stride != 0 {
			return
		}
	}
	l.points = append(l.points, p)
}

// take returns the points not yet handed to the store, appended to dst,
// and whether they replace what was handed before.
func (l *Live) take(dst []results.Point) ([]results.Point, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.follow != nil {
		return l.follow(dst)
	}
	dst = append(dst, l.points[l.taken:]...)
	replace := l.replace
	l.taken, l.replace = len(l.points), false
	return dst, replace
}

// stop closes Stopped and runs the OnStop functions, once.
func (l *Live) stop() {
	l.stopOnce.Do(func() {
		l.mu.Lock()
		close(l.stopped)
		fs := l.onStop
		l.onStop = nil
		l.mu.Unlock()
		for _, f := range fs {
			f()
		}
	})
}

// liveStore is a store that keeps running trials' curves and stop
// requests (see package results' notes on live trials).
type liveStore interface {
	RecordProgress(ctx context.Context, study string, number int, points []results.Point, replace bool) (stop bool, err error)
}

// liveStore returns where this worker's running trials are followed: its
// queue, its store, or the store of a Runner's live queue; nil when none
// keeps live trials.
func (w *Worker) liveStore() liveStore {
	if q, ok := w.Queue.(*localQueue); ok {
		s, _ := q.store.(liveStore)
		return s
	}
	if s, ok := w.Queue.(liveStore); ok {
		return s
	}
	s, _ := w.Store.(liveStore)
	return s
}

// follow gives task a Live when the worker's store keeps live trials, and
// saves its curve and polls its stop request every liveEvery until the
// function it returns is called, which waits for the last save to end: the
// trial's result is stored after it, and replaces the curve.
func (w *Worker) follow(ctx context.Context, task *Task) (end func()) {
	store := w.liveStore()
	if store == nil {
		return func() {}
	}
	live := newLive()
	task.Live = live
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(liveEvery)
		defer tick.Stop()
		var (
			held    []results.Point // taken but not saved yet: the store could not be reached
			replace bool
			logged  bool
		)
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			pts, rep := live.take(nil)
			if rep {
				held, replace = pts, true
			} else {
				held = append(held, pts...)
			}
			stop, err := store.RecordProgress(ctx, task.Study, task.Number, held, replace)
			switch {
			case errors.Is(err, results.ErrNotRunning):
				// The trial was given to another worker, or its row was
				// finished elsewhere: its curve is not this run's to write.
				return
			case err != nil:
				if !logged && ctx.Err() == nil {
					w.logf("trial %d of %s: its live curve is not saved (%v); the trial goes on", task.Number, task.Study, err)
					logged = true
				}
				continue
			}
			held, replace = held[:0], false
			if stop {
				live.stop()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
