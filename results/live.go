package results

import (
	"errors"
	"fmt"
)

// A running trial is followed and stopped through its store, so that a
// process on another machine (hpsearch serve, hpsearch stop) sees its curve
// as it trains and can end it: the lecture's first stopping criterion,
// "show the gradient on a graph and stop when the person judges it done".
//
// The stores (MemoryStore, results/sqlite, results/postgres) implement
// both methods below; their callers declare the small interface they need.
//
//	// RecordProgress adds points to the stored History of the running
//	// trial (study, number): appended after what is stored, or, when
//	// replace is set, in its place (the trial's history was thinned, or
//	// a new restart began). It reports whether RequestStop was called
//	// for the trial's current run, so one call both saves the curve and
//	// polls for a stop. The error wraps ErrNotRunning when the trial is
//	// not running (finished, waiting, unknown): the trial has ended, or
//	// was given to another worker, and must not write its curve over the
//	// result.
//	RecordProgress(ctx context.Context, study string, number int, points []Point, replace bool) (stop bool, err error)
//
//	// RequestStop asks the running trial (study, number) to stop at its
//	// next iteration, keeping its value and weights, with stop reason
//	// user. The trial notices it at its next RecordProgress, at most
//	// about a second later. The error wraps ErrNotRunning when the trial
//	// does not exist or is not running; any other error is the store's.
//	RequestStop(ctx context.Context, study string, number int) error
//
// A trial stored again by PutTrial (its result, or a new run of it) starts
// with no stop requested; a trial claimed again from a queue also starts
// with an empty History.

// ErrNotRunning is wrapped by RequestStop and RecordProgress when the trial
// does not exist or is not running: a caller tells "no such running trial"
// from a store that failed with errors.Is.
var ErrNotRunning = errors.New("no such running trial")

// NotRunning is the error of RequestStop or RecordProgress for trial
// (study, number), whose status is status ("" when there is no such trial
// or study).
func NotRunning(study string, number int, status Status) error {
	if status == "" {
		return fmt.Errorf("trial %d of study %q: %w", number, study, ErrNotRunning)
	}
	return fmt.Errorf("trial %d of study %q is %s: %w", number, study, status, ErrNotRunning)
}
