package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// propose runs f under the study's proposal lock, or at once with a queue
// that has none: its only worker is this one, which replays one study at
// a time (advance).
func (w *Worker) propose(ctx context.Context, study string, f func(ctx context.Context) error) (ran bool, err error) {
	if p, ok := w.Queue.(Proposer); ok {
		return p.Propose(ctx, study, f)
	}
	return true, f(ctx)
}

// replayed is what replaying a study from its stored trials found.
type replayed struct {
	complete    bool // every planned trial is stored and finished
	enqueued    int  // trials this replay proposed
	done, total int
	// stopped says that the study stopped because more than maxFailed of
	// its trials failed; failed counts them.
	stopped           bool
	failed, maxFailed int
}

// replay rebuilds job's strategy from the stored trials and enqueues the
// first batch that is not stored yet; a stopped study gets nothing more.
// It must run under the study's proposal lock.
func replay(ctx context.Context, store results.Store, q Enqueuer, job *Job) (replayed, error) {
	strat, err := job.Strategy()
	if err != nil {
		return replayed{}, fmt.Errorf("study %s: %w", job.Study, err)
	}
	st, trials, err := store.Study(ctx, job.Study)
	if err != nil {
		return replayed{}, err
	}
	stored := make(map[int]results.Trial, len(trials))
	r := replayed{total: strat.Total()}
	for _, t := range trials {
		stored[t.Number] = t
		if t.Status.Finished() {
			r.done++
		}
		if t.Status == results.StatusFailed {
			r.failed++
		}
	}
	if st.Status == results.StudyFailed {
		r.stopped = true
		if fl, ok := q.(FailureLimiter); ok {
			r.maxFailed, err = fl.FailureLimit(ctx, job.Study)
		}
		return r, err
	}
	for {
		batch, err := strat.Ask()
		if err != nil {
			return r, fmt.Errorf("study %s: strategy %s: %w", job.Study, strat.Name(), err)
		}
		if len(batch) == 0 {
			r.complete = true
			break
		}
		told, missing, err := match(job, batch, stored)
		if err != nil {
			return r, err
		}
		if len(missing) > 0 {
			if err := q.Enqueue(ctx, job.Study, missing); err != nil {
				return r, err
			}
			r.enqueued = len(missing)
			break
		}
		if told == nil {
			break // the batch is still running somewhere
		}
		strat.Tell(told)
	}
	return r, recordStudy(ctx, store, st, strat.Rounds(), r.complete)
}

// match pairs a proposed batch with the stored trials. told is the batch's
// trials in proposal order when all are finished, nil otherwise; missing
// are the proposals not stored yet, as waiting trials with their seeds.
func match(job *Job, batch []Proposal, stored map[int]results.Trial) (told, missing []results.Trial, err error) {
	told = make([]results.Trial, len(batch))
	finished := true
	for i, p := range batch {
		t, ok := stored[p.Number]
		if !ok {
			missing = append(missing, results.Trial{Study: job.Study, Number: p.Number, Round: p.Round, Params: p.Params,
				Seed: TrialSeed(job.Seed, p.Number), Status: results.StatusWaiting})
			continue
		}
		if err := sameParams(t.Params, p.Params); err != nil {
			return nil, nil, fmt.Errorf("study %s, trial %d: %w: the stored study was made from another config", job.Study, p.Number, err)
		}
		finished = finished && t.Status.Finished()
		told[i] = t
	}
	if !finished || len(missing) > 0 {
		told = nil
	}
	return told, missing, nil
}

// recordStudy keeps the study's record up to date for `hpsearch show` and
// `hpsearch studies`: the rounds finished so far, and finished once
// complete. It writes only when something changed.
func recordStudy(ctx context.Context, store results.Store, st results.Study, rounds []results.Round, complete bool) error {
	status := st.Status
	if complete {
		status = "finished"
	}
	if status == st.Status && len(rounds) == len(st.Rounds) {
		return nil
	}
	st.Status, st.Rounds = status, rounds
	return store.PutStudy(ctx, st)
}

// toAdvance lists the active studies, and with Discover the stopped ones
// not looked at for a Heartbeat: they may have been resumed.
func (w *Worker) toAdvance() []string {
	names := w.active()
	if w.Discover == nil {
		return names
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for name, s := range w.studies {
		if s.stopped && !s.complete && time.Since(s.checked) >= w.Heartbeat {
			names = append(names, name)
		}
	}
	return names
}

// replayAll replays every study that may advance, under its proposal
// lock, enqueueing its next batch; and looks for new studies (Discover).
// progressed says that there may be new work.
func (w *Worker) replayAll(ctx context.Context) (progressed bool, err error) {
	if !w.advance.TryLock() {
		return false, nil // another slot of this process is at it
	}
	defer w.advance.Unlock()
	if w.discovering() {
		jobs, err := w.Discover(ctx)
		last := errors.Is(err, ErrNoMoreStudies)
		if err != nil && !last {
			return false, err
		}
		if err := w.add(jobs); err != nil {
			return false, err
		}
		if last {
			w.mu.Lock()
			w.discovered = true
			w.mu.Unlock()
			progressed = true // a slot waiting only for new studies may be done
		}
	}
	for _, name := range w.toAdvance() {
		w.mu.Lock()
		s := w.studies[name]
		w.mu.Unlock()
		var (
			r   replayed
			ran bool
		)
		err := w.retry(ctx, "advance study "+name, func(ctx context.Context) (err error) {
			ran, err = w.propose(ctx, name, func(ctx context.Context) (err error) {
				r, err = replay(ctx, w.Store, w.Queue.(Enqueuer), s.job)
				return err
			})
			if !ran {
				r = replayed{}
			}
			return err
		})
		if err != nil {
			return false, err
		}
		w.mu.Lock()
		if r.total > 0 {
			s.done, s.total, s.complete = r.done, r.total, r.complete
		}
		was := s.stopped
		if ran {
			s.stopped, s.checked = r.stopped, time.Now()
		}
		w.mu.Unlock()
		switch {
		case ran && r.stopped && !was:
			w.logf("study %s stopped: %d trials failed (search.max_failed_trials: %d)", name, r.failed, r.maxFailed)
		case ran && !r.stopped && was:
			w.logf("study %s was resumed: serving it again", name)
			progressed = true
		}
		progressed = progressed || r.enqueued > 0
	}
	return progressed, nil
}
