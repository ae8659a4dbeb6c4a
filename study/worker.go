package study

import (
	"context"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// WorkerOptions set a worker of studies shared between machines.
type WorkerOptions struct {
	// Parallel is how many trials run at once (0: one per CPU).
	Parallel int
	Shared   SharedOptions
	// Where is the store as it may be shown to the user (no password).
	Where string
	// Log receives the worker's lines, each naming the worker.
	Log func(string)
}

// Worker is this process working on studies shared through a store:
// it claims their waiting trials, runs them and stores the results,
// alongside any other workers.
type Worker struct {
	// Progress is told of every trial this worker finished; total is 0
	// while only another process knows the study's total (it proposed the
	// rounds).
	Progress func(t results.Trial, done, total int)
	w        *search.Worker
	store    results.Store
}

// NewWorker sets up this process as a worker of the studies shared in
// store; a store that cannot share studies is a Usage error.
func NewWorker(store results.Store, o WorkerOptions) (*Worker, error) {
	q, ok := store.(search.Queue)
	if !ok { // every postgres:// store is a Queue; this guards a future scheme
		return nil, usageErr("worker: %s cannot share studies between workers", o.Where)
	}
	w, err := newWorker(store, q, o.Parallel, o.Shared, o.Log)
	if err != nil {
		return nil, err
	}
	return &Worker{w: w, store: store}, nil
}

// Logf writes one of the worker's lines.
func (w *Worker) Logf(format string, args ...any) { w.w.Logf(format, args...) }

// Serve works on the named studies, or without names on every study not
// finished yet, until they are complete; with wait, it keeps looking for
// new studies, or for the named ones not started yet, until ctx ends.
// Without wait, a named study that does not exist is a Usage error; one
// that cannot be rebuilt here always is.
func (w *Worker) Serve(ctx context.Context, names []string, wait bool) error {
	served := NewServed(w.store, w.w.Logf)
	var (
		initial []*search.Job
		err     error
	)
	switch {
	case len(names) > 0 && wait:
		// A worker started with the machine may come up before the run that
		// creates its study: it waits for it as it waits for new studies.
		w.w.Discover = served.Awaited(names)
	case len(names) > 0:
		initial, err = served.Named(ctx, names)
	case wait:
		w.w.Discover = served.Unfinished
	default:
		initial, err = served.Unfinished(ctx)
	}
	if err != nil {
		return err
	}
	if len(initial) == 0 && w.w.Discover == nil {
		w.w.Logf("no unfinished study to work on")
		return nil
	}
	ran := 0
	w.w.Progress = func(t results.Trial, done, total int) {
		ran++
		if w.Progress != nil {
			w.Progress(t, done, total)
		}
	}
	err = w.w.Serve(ctx, initial)
	w.w.Logf("ran %d trials", ran)
	return err
}
