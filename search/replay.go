package search

import (
	"context"
	"fmt"

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
			w := results.NewTrial(results.StatusWaiting)
			w.Study, w.Number, w.Round, w.Params, w.Seed = job.Study, p.Number, p.Round, p.Params, TrialSeed(job.Seed, p.Number)
			missing = append(missing, w)
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
