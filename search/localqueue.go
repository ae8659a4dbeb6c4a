package search

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// localQueue is the Queue of a study run by one Worker in this process
// (Runner.Run): its trials come from the live strategy, a round at a time,
// and the next round is asked for only once the previous one is all
// finished and told, so the study is the one a shared study replays. Only
// what a one-process run has always stored is stored: a trial as running
// when it is claimed, and its result; no waiting trials, so an
// interrupted study reads as it always did. It is a liveQueue.
type localQueue struct {
	study string
	seed  uint64
	strat Strategy
	store results.Store // nil: nothing is stored
	// pruner, when set, keeps the live records of every trial: the queue
	// begins a round in it, replays resumed trials and ends each trial.
	pruner *Pruner
	// resume holds trials finished by an earlier run: told as they are.
	resume map[int]results.Trial
	// maxFailed is Runner.MaxFailed; stop ends the run's trials with a
	// *FailureLimitError once more than that many have failed.
	maxFailed int
	stop      context.CancelCauseFunc

	mu       sync.Mutex
	round    []Proposal
	out      []results.Trial // of round, by index
	state    []trialState    // of round, by index
	pending  int             // trials of round not finished
	done     []results.Trial // finished trials of the rounds told
	resumed  int             // trials of resume counted so far
	complete bool
	wake     chan struct{} // closed at the next change
	failed   int           // failed trials, those of resume included
	last     results.Trial // the latest failure of this run
}

// FailureLimitError is how a Runner's study stops once more than Max of
// its trials have failed (Runner.MaxFailed): the trials still running are
// interrupted, as Ctrl-C would. In a shared study the queue stops the
// study instead (FailureLimiter), and the trials running finish.
type FailureLimitError struct {
	Failed, Max int
	Last        results.Trial // the failure that crossed the limit
}

func (e *FailureLimitError) Error() string {
	return fmt.Sprintf("too many failed trials: %d (at most %d)", e.Failed, e.Max)
}

// overLimit is the error of a study past its failure limit, nil when it
// is not; q.mu is held.
func (q *localQueue) overLimit() error {
	if q.maxFailed > 0 && q.failed > q.maxFailed {
		return &FailureLimitError{Failed: q.failed, Max: q.maxFailed, Last: q.last}
	}
	return nil
}

type trialState uint8

const (
	trialWaiting trialState = iota
	trialRunning
	trialFinished
)

// liveQueue is a Queue of this process alone, whose study is proposed and
// judged live rather than replayed from what is stored. The Worker asks it
// instead of replaying: plan says how far its study is; the trials are
// judged on its study's Pruner directly (the queue keeps its records, so a
// waiting trial is woken by the trials it waits for, not by polling); and
// an idle Worker waits for changed to be closed rather than polling.
type liveQueue interface {
	Queue
	// plan says whether study has run every trial of its strategy, how
	// many trials that is, and how many of them an earlier run finished
	// (counted as the rounds holding them are reached).
	plan(study string) (complete bool, total, resumed int)
	// changed is closed at the next change that may give an idle worker
	// something to do: a new round, a trial finished or given back, the
	// end of the study.
	changed() <-chan struct{}
}

var (
	_ liveQueue = (*localQueue)(nil)
	_ Releaser  = (*localQueue)(nil)
)

func newLocalQueue(r *Runner, stop context.CancelCauseFunc) *localQueue {
	q := &localQueue{study: r.Study, seed: r.Seed, strat: r.Strategy, store: r.Store, pruner: r.Pruner,
		resume: r.Finished, maxFailed: r.MaxFailed, stop: stop, wake: make(chan struct{})}
	for _, t := range r.Finished {
		if t.Status == results.StatusFailed {
			q.failed++
		}
	}
	return q
}

// notify wakes whoever waits for a change; q.mu is held.
func (q *localQueue) notify() {
	close(q.wake)
	q.wake = make(chan struct{})
}

func (q *localQueue) changed() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.wake
}

func (q *localQueue) plan(string) (complete bool, total, resumed int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.complete, q.strat.Total(), q.resumed
}

// trials returns every finished trial, in proposal order.
func (q *localQueue) trials() []results.Trial {
	q.mu.Lock()
	defer q.mu.Unlock()
	all := q.done
	for i, t := range q.out {
		if q.state[i] == trialFinished {
			all = append(all[:len(all):len(all)], t)
		}
	}
	return all
}

// Claim hands out the next trial of the current round, in number order.
// Once the round is all finished it is told to the strategy, and the next
// one asked for, unless ctx has ended: an interrupted round is never told.
// The trial is stored as running before it is handed out.
func (q *localQueue) Claim(ctx context.Context, worker string, _ []string) (results.Lease, bool, error) {
	q.mu.Lock()
	if q.pending == 0 && !q.complete && ctx.Err() == nil {
		if err := q.nextRound(); err != nil {
			q.mu.Unlock()
			return results.Lease{}, false, err
		}
	}
	i := -1
	for j, s := range q.state {
		if s == trialWaiting {
			i = j
			break
		}
	}
	if i < 0 {
		q.mu.Unlock()
		return results.Lease{}, false, nil
	}
	q.state[i] = trialRunning
	p := q.round[i]
	q.mu.Unlock()

	t := results.Trial{Study: q.study, Number: p.Number, Round: p.Round, Params: p.Params, Seed: TrialSeed(q.seed, p.Number),
		Status: results.StatusRunning, Started: time.Now()}
	if q.store != nil {
		// Storing must not be cancelled with the trials: a study stopped by
		// Ctrl-C still says which trials were running.
		if err := q.store.PutTrial(context.WithoutCancel(ctx), t); err != nil {
			return results.Lease{}, false, fmt.Errorf("store trial %d: %w", p.Number, err)
		}
	}
	return results.Lease{Trial: t, Worker: worker, Attempt: 1}, true, nil
}

// nextRound tells the strategy the round just finished and asks for the
// next, skipping over rounds an earlier run finished whole; q.mu is held.
func (q *localQueue) nextRound() error {
	for {
		if q.round != nil {
			q.strat.Tell(q.out)
			q.done = append(q.done, q.out...)
			q.round, q.out, q.state = nil, nil, nil
		}
		batch, err := q.strat.Ask()
		if err != nil {
			return fmt.Errorf("strategy %s: %w", q.strat.Name(), err)
		}
		if len(batch) == 0 {
			q.complete = true
			q.notify()
			return nil
		}
		if q.pruner != nil {
			q.pruner.begin(batch)
		}
		q.round, q.out, q.state, q.pending = batch, make([]results.Trial, len(batch)), make([]trialState, len(batch)), len(batch)
		for i, p := range batch {
			prev, ok := q.resume[p.Number]
			if !ok {
				continue
			}
			if err := sameParams(prev.Params, p.Params); err != nil {
				return fmt.Errorf("resume: trial %d: %w", p.Number, err)
			}
			if q.pruner != nil {
				q.pruner.replay(prev)
			}
			q.out[i], q.state[i] = prev, trialFinished
			q.pending--
			q.resumed++
		}
		if q.pending > 0 {
			q.notify() // idle workers: there is a round to claim
			return nil
		}
	}
}

// index finds a trial of the current round; q.mu is held.
func (q *localQueue) index(n int) (int, error) {
	for i, p := range q.round {
		if p.Number == n {
			return i, nil
		}
	}
	return 0, fmt.Errorf("study %s: trial %d is not one of the round running", q.study, n)
}

// Finish stores a trial's result and counts it in its round. Storing is
// not cancelled with the trials: a finished trial is written even while
// Ctrl-C is stopping the study.
func (q *localQueue) Finish(ctx context.Context, l results.Lease, t results.Trial) (bool, error) {
	if q.pruner != nil {
		// Whatever happens to this trial, the trials judged against it
		// must not wait for it any longer.
		defer q.pruner.end(t.Number, t.Status == results.StatusOK)
	}
	if q.store != nil {
		if err := q.store.PutTrial(context.WithoutCancel(ctx), t); err != nil {
			return false, fmt.Errorf("store trial %d: %w", t.Number, err)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	i, err := q.index(l.Trial.Number)
	if err != nil {
		return false, err
	}
	q.out[i], q.state[i] = t, trialFinished
	q.pending--
	q.notify()
	if t.Status == results.StatusFailed {
		q.failed++
		q.last = t
		// A program that fails every time should not spend the whole
		// night doing it.
		if err := q.overLimit(); err != nil {
			q.stop(err)
		}
	}
	return true, nil
}

// Release takes back a trial that was interrupted: it has no result and
// stays stored as running (a later run with --resume runs it again).
func (q *localQueue) Release(_ context.Context, l results.Lease) error {
	if q.pruner != nil {
		q.pruner.end(l.Trial.Number, false)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	i, err := q.index(l.Trial.Number)
	if err != nil {
		return err
	}
	q.state[i] = trialWaiting
	q.notify()
	return nil
}

// Heartbeat has nothing to do: no other process takes this one's trials.
func (q *localQueue) Heartbeat(context.Context, []results.Lease) error { return nil }
