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
	// Concurrent claimers never get the same trial.
	Claim(ctx context.Context, worker string, studies []string) (l Lease, ok bool, err error)
	// Heartbeat tells the store that the leased trials are still being
	// run: each that is still held gets a fresh heartbeat. A trial its
	// worker gave up on (its result could not be stored) is left out, so
	// that it goes silent and runs again.
	Heartbeat(ctx context.Context, leases []Lease) error
	// Requeue finds running trials whose heartbeat is older than grace: each
	// waits again for another worker, or fails once it has been attempted
	// maxAttempts times. It returns them as they now are.
	Requeue(ctx context.Context, grace time.Duration, maxAttempts int) ([]Trial, error)
	// Finish stores the result of a leased trial, only if the lease still
	// holds (the trial is running under the same worker and attempt). ok is
	// false when the lease was lost: the result is dropped, because the
	// trial was given to someone else, who reports it.
	Finish(ctx context.Context, l Lease, result Trial) (ok bool, err error)
	// Release gives a leased trial back unfinished (its worker is stopping):
	// it waits again and the attempt does not count.
	Release(ctx context.Context, l Lease) error
	// Propose runs f while holding the study's proposal lock, so that one
	// process at a time decides what the study runs next. ran is false,
	// without waiting, when another process holds the lock.
	Propose(ctx context.Context, study string, f func(ctx context.Context) error) (ran bool, err error)
}

// ErrUnavailable is wrapped by a Queue's errors when the store could not be
// reached (connection refused or lost, server restarting): the same call
// may succeed later. Every other error means the call itself was wrong.
var ErrUnavailable = errors.New("store unavailable")
