package results

import (
	"context"
	"errors"
	"time"
)

// Lease is a worker's claim on one trial: the trial as proposed (number,
// round, params, seed) and which attempt this is. A claim is identified by
// worker and attempt together, so a worker whose claim was taken away and
// given to someone else (even to itself again) can never report it.
type Lease struct {
	Trial   Trial
	Worker  string
	Attempt int // 1 for the first run, 2 for the first retry, …
}

// Queue is an optional capability of a Store, found by type assertion:
// proposed trials wait in the store and workers on any machine claim them.
// Only a store shared between machines (PostgreSQL) has it; a Store without
// it runs its sweeps in one process, as before.
//
// Times that decide whether a worker is alive (heartbeats, the grace
// period) are measured by the store's own clock, so machines whose clocks
// disagree still agree on who is late.
type Queue interface {
	// Enqueue stores trials as waiting. A trial whose (study, number) is
	// already stored is left alone, so proposing a batch twice is harmless.
	Enqueue(ctx context.Context, study string, trials []Trial) error
	// Claim takes the waiting trial with the lowest number among studies
	// (all studies when empty), marks it running for worker with a fresh
	// heartbeat, and counts an attempt. ok is false when nothing waits.
	// Concurrent claimers never get the same trial. Trials of a stopped
	// study (status StudyFailed, see LimitFailures) are never handed out.
	Claim(ctx context.Context, worker string, studies []string) (l Lease, ok bool, err error)
	// Heartbeat tells the store that the leased trials are still being
	// run: each that is still held gets a fresh heartbeat. A trial its
	// worker gave up on (its result could not be stored) is left out, so
	// that it goes silent and runs again.
	Heartbeat(ctx context.Context, leases []Lease) error
	// Requeue finds running trials whose heartbeat is older than grace: each
	// waits again for another worker, or fails once it has been attempted
	// maxAttempts times (which counts towards its study's failure limit).
	// It returns them as they now are.
	Requeue(ctx context.Context, grace time.Duration, maxAttempts int) ([]Trial, error)
	// Finish stores the result of a leased trial, only if the lease still
	// holds (the trial is running under the same worker and attempt). ok is
	// false when the lease was lost: the result is dropped, because the
	// trial was given to someone else, who reports it. A result is stored
	// even when its study has stopped meanwhile; a failed one that takes
	// the study past its failure limit stops it (see LimitFailures).
	Finish(ctx context.Context, l Lease, result Trial) (ok bool, err error)
	// Release gives a leased trial back unfinished (its worker is stopping):
	// it waits again and the attempt does not count.
	Release(ctx context.Context, l Lease) error
	// Propose runs f while holding the study's proposal lock, so that one
	// process at a time decides what the study runs next. ran is false,
	// without waiting, when another process holds the lock.
	Propose(ctx context.Context, study string, f func(ctx context.Context) error) (ran bool, err error)
	// LimitFailures makes the study stop once more than max of its trials
	// have failed (0: never): every failed trial stored counts, whichever
	// worker ran it, and a trial that failed and ran again successfully
	// does not. The store decides when the failed result that crosses the
	// limit is stored, one such result of a study at a time, so that
	// workers storing failures at once all count each other's. A stopped
	// study's status is StudyFailed: Claim hands out none of its trials;
	// trials already running finish and are stored; waiting ones stay
	// waiting. Setting the limit also lifts a stop (hpsearch run --resume):
	// lifted says there was one. The failures stored still count, so the
	// next one stops the study again unless max was raised.
	LimitFailures(ctx context.Context, study string, max int) (lifted bool, err error)
	// FailureLimit returns the study's limit as LimitFailures set it: 0
	// when there is none.
	FailureLimit(ctx context.Context, study string) (max int, err error)
	// AddReport stores an intermediate value (early stopping) of a leased
	// trial at step, only while the lease holds (the trial is running
	// under the same worker and attempt). ok is false when the lease was
	// lost: the trial is someone else's now and must stop. Reporting the
	// same step again replaces its value.
	AddReport(ctx context.Context, l Lease, step int, value float64) (ok bool, err error)
	// Progress returns, in number order, every trial of the study in round
	// (every round when round < 0) with its status, its current lease
	// (worker and attempt) and the values reported by its current attempt,
	// in step order: those of an earlier attempt, whose worker died, do
	// not count.
	Progress(ctx context.Context, study string, round int) ([]TrialProgress, error)
}

// TrialProgress is a trial as early stopping sees it in a shared study.
type TrialProgress struct {
	Number, Round int
	Status        Status
	Worker        string // who runs or last ran it; "" when never claimed
	Attempt       int
	Reports       []Reported // the current attempt's, in step order
}

// ErrUnavailable is wrapped by a Queue's errors when the store could not be
// reached (connection refused or lost, server restarting): the same call
// may succeed later. Every other error means the call itself was wrong.
var ErrUnavailable = errors.New("store unavailable")
