package search

import (
	"context"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// Queue is where a Worker's trials wait: workers in this process or in
// others claim them, keep them alive and leave their results there.
// results.MemoryQueue is an in-process one with a shared store's rules; a
// PostgreSQL store (results/postgres) is one shared between machines; a
// Runner's is the live queue of one study run here (localQueue). What else
// a queue can do is found by type assertion: Enqueuer, Releaser, Requeuer,
// Proposer, Reporter, FailureLimiter.
//
// Times that decide whether a worker is alive (heartbeats, the grace
// period) are measured by the queue's own clock, so machines whose clocks
// disagree still agree on who is late.
type Queue interface {
	// Claim takes the waiting trial with the lowest number among studies
	// (all studies when empty), marks it running for worker with a fresh
	// heartbeat, and counts an attempt. ok is false when nothing waits.
	// Concurrent claimers never get the same trial. Trials of a stopped
	// study (status results.StudyFailed, see FailureLimiter) are never
	// handed out.
	Claim(ctx context.Context, worker string, studies []string) (l results.Lease, ok bool, err error)
	// Finish stores the result of a leased trial, only if the lease still
	// holds (the trial is running under the same worker and attempt). ok is
	// false when the lease was lost: the result is dropped, because the
	// trial was given to someone else, who reports it. A result is stored
	// even when its study has stopped meanwhile; a failed one that takes
	// the study past its failure limit stops it.
	Finish(ctx context.Context, l results.Lease, result results.Trial) (ok bool, err error)
	// Heartbeat tells the queue that the leased trials are still being
	// run: each that is still held gets a fresh heartbeat. A trial its
	// worker gave up on (its result could not be stored) is left out, so
	// that it goes silent and runs again.
	Heartbeat(ctx context.Context, leases []results.Lease) error
}

// Enqueuer is a Queue whose trials the workers propose, replaying the
// study's strategy from the stored trials (see Worker).
type Enqueuer interface {
	// Enqueue stores trials as waiting. A trial whose (study, number) is
	// already stored is left alone, so proposing a batch twice is harmless.
	Enqueue(ctx context.Context, study string, trials []results.Trial) error
}

// Releaser is a Queue that takes an unfinished trial back at once when its
// worker stops; without it, the trial runs again once its silence is
// noticed (Requeuer).
type Releaser interface {
	// Release gives a leased trial back unfinished: it waits again and the
	// attempt does not count.
	Release(ctx context.Context, l results.Lease) error
}

// Requeuer is a Queue shared with workers that may die: their trials run
// again elsewhere.
type Requeuer interface {
	// Requeue finds running trials whose heartbeat is older than grace:
	// each waits again for another worker, or fails once it has been
	// attempted maxAttempts times (which counts towards its study's
	// failure limit). It returns them as they now are.
	Requeue(ctx context.Context, grace time.Duration, maxAttempts int) ([]results.Trial, error)
}

// Proposer is a Queue shared between processes: one at a time decides what
// a study runs next. Without it, the workers of this process take turns.
type Proposer interface {
	// Propose runs f while holding the study's proposal lock. ran is
	// false, without waiting, when another process holds the lock.
	Propose(ctx context.Context, study string, f func(ctx context.Context) error) (ran bool, err error)
}

// Reporter is a Queue that keeps the trials' intermediate values, which
// early stopping (Job.Pruner) needs in a Worker: a trial is judged over
// the stored reports of the trials it is compared with, whichever worker
// runs them.
type Reporter interface {
	// AddReport stores an intermediate value of a leased trial at step,
	// only while the lease holds. ok is false when the lease was lost: the
	// trial is someone else's now and must stop. Reporting the same step
	// again replaces its value.
	AddReport(ctx context.Context, l results.Lease, step int, value float64) (ok bool, err error)
	// Progress returns, in number order, every trial of the study in round
	// (every round when round < 0) with its status, its current lease and
	// the values reported by its current attempt, in step order: those of
	// an earlier attempt, whose worker died, do not count.
	Progress(ctx context.Context, study string, round int) ([]results.TrialProgress, error)
}

// FailureLimiter is a Queue that stops a study once too many of its trials
// have failed, whichever worker ran them.
type FailureLimiter interface {
	// LimitFailures makes the study stop once more than max of its trials
	// have failed (0: never): every failed trial stored counts, and a
	// trial that failed and ran again successfully does not. The queue
	// decides when the failed result that crosses the limit is stored, one
	// such result of a study at a time, so that workers storing failures
	// at once all count each other's. A stopped study's status is
	// results.StudyFailed: Claim hands out none of its trials; trials
	// already running finish and are stored; waiting ones stay waiting.
	// Setting the limit also lifts a stop (hpsearch run --resume): lifted
	// says there was one. The failures stored still count, so the next
	// one stops the study again unless max was raised.
	LimitFailures(ctx context.Context, study string, max int) (lifted bool, err error)
	// FailureLimit returns the study's limit as LimitFailures set it: 0
	// when there is none.
	FailureLimit(ctx context.Context, study string) (max int, err error)
}

// The in-process queue can do all a shared store can.
var (
	_ Queue          = (*results.MemoryQueue)(nil)
	_ Enqueuer       = (*results.MemoryQueue)(nil)
	_ Releaser       = (*results.MemoryQueue)(nil)
	_ Requeuer       = (*results.MemoryQueue)(nil)
	_ Proposer       = (*results.MemoryQueue)(nil)
	_ Reporter       = (*results.MemoryQueue)(nil)
	_ FailureLimiter = (*results.MemoryQueue)(nil)
)
