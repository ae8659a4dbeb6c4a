package results

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryQueue is a MemoryStore whose studies' trials wait in it to be
// claimed by workers of this process, with the rules of a store shared
// between machines (results/postgres): leases, heartbeats, requeueing,
// proposal locks, reports and failure limits. It lets one process run a
// shared study's workers side by side, and tests run them without a
// database.
type MemoryQueue struct {
	*MemoryStore
	// Guarded by MemoryStore.mu, with the trials they describe.
	leases    map[trialKey]*memLease
	reports   map[reportKey]map[int]float64 // step → value
	maxFailed map[string]int
	// proposing holds the studies whose proposal lock is taken.
	proposing sync.Map // study → *sync.Mutex
}

type trialKey struct {
	study  string
	number int
}

type reportKey struct {
	trialKey
	attempt int
}

// memLease is a trial's claim bookkeeping: its last claimer and attempt
// stay when it waits again, as a shared store keeps them.
type memLease struct {
	worker    string
	attempt   int
	heartbeat time.Time // zero when nobody beats for it
}

// NewMemoryQueue returns an empty queue.
func NewMemoryQueue() *MemoryQueue {
	return &MemoryQueue{MemoryStore: NewMemoryStore(), leases: map[trialKey]*memLease{},
		reports: map[reportKey]map[int]float64{}, maxFailed: map[string]int{}}
}

// Enqueue stores trials as waiting, all or none, leaving alone any trial
// already stored.
func (q *MemoryQueue) Enqueue(ctx context.Context, study string, trials []Trial) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("enqueue %d trials of %q: %w", len(trials), study, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	rec, ok := q.studies[study]
	if !ok {
		return fmt.Errorf("enqueue %d trials of %q: study %q: %w", len(trials), study, study, ErrNotFound)
	}
	for _, t := range trials {
		if t.Study != study {
			return fmt.Errorf("enqueue %d trials of %q: trial %d belongs to study %q", len(trials), study, t.Number, t.Study)
		}
	}
	for _, t := range trials {
		if _, ok := rec.trials[t.Number]; ok {
			continue
		}
		w := Trial{Study: study, Number: t.Number, Round: t.Round, Params: t.Params, Seed: t.Seed, Status: StatusWaiting}
		rec.trials[t.Number] = copyTrial(w)
	}
	return nil
}

// Claim leases the waiting trial with the lowest number (then study name)
// among studies, all studies when there are none.
func (q *MemoryQueue) Claim(ctx context.Context, worker string, studies []string) (Lease, bool, error) {
	if worker == "" {
		return Lease{}, false, fmt.Errorf("claim a trial: empty worker name")
	}
	if err := ctx.Err(); err != nil {
		return Lease{}, false, fmt.Errorf("claim a trial: %w", err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var (
		best  *Trial
		found bool
	)
	for name, rec := range q.studies {
		if rec.study.Status == StudyFailed || len(studies) > 0 && !slices.Contains(studies, name) {
			continue
		}
		for n, t := range rec.trials {
			if t.Status != StatusWaiting {
				continue
			}
			if !found || n < best.Number || n == best.Number && name < best.Study {
				best, found = &t, true
			}
		}
	}
	if !found {
		return Lease{}, false, nil
	}
	key := trialKey{best.Study, best.Number}
	l := q.leases[key]
	if l == nil {
		l = &memLease{}
		q.leases[key] = l
	}
	now := time.Now()
	l.worker, l.attempt, l.heartbeat = worker, l.attempt+1, now
	t := q.studies[best.Study].trials[best.Number]
	t.Status, t.Started = StatusRunning, now
	// This run's live curve and stop request start clean: an earlier
	// attempt's (its worker died) are not this one's.
	t.History = nil
	q.studies[best.Study].trials[best.Number] = t
	delete(q.studies[best.Study].stops, best.Number)
	claimed := Trial{Study: t.Study, Number: t.Number, Round: t.Round, Params: t.Params, Seed: t.Seed,
		Status: StatusRunning, Started: now}
	return Lease{Trial: copyTrial(claimed), Worker: worker, Attempt: l.attempt}, true, nil
}

// held returns the trial l leases while the lease holds. It must be
// called with q.mu held.
func (q *MemoryQueue) held(l Lease) (Trial, *memLease, bool) {
	rec, ok := q.studies[l.Trial.Study]
	if !ok {
		return Trial{}, nil, false
	}
	t, ok := rec.trials[l.Trial.Number]
	ml := q.leases[trialKey{l.Trial.Study, l.Trial.Number}]
	if !ok || ml == nil || t.Status != StatusRunning || ml.worker != l.Worker || ml.attempt != l.Attempt {
		return Trial{}, nil, false
	}
	return t, ml, true
}

// Heartbeat refreshes the heartbeat of the leased trials still held.
func (q *MemoryQueue) Heartbeat(ctx context.Context, leases []Lease) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("heartbeat of %d trials: %w", len(leases), err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	for _, l := range leases {
		if _, ml, ok := q.held(l); ok {
			ml.heartbeat = now
		}
	}
	return nil
}

// Requeue puts trials whose worker went silent for longer than grace back
// to waiting, or fails those already attempted maxAttempts times; a study
// that this takes past its failure limit stops. A running trial nobody
// beats for (stored with PutTrial, not claimed) counts as silent.
func (q *MemoryQueue) Requeue(ctx context.Context, grace time.Duration, maxAttempts int) ([]Trial, error) {
	if grace <= 0 || maxAttempts < 1 {
		return nil, fmt.Errorf("requeue: grace %s and max attempts %d must be positive", grace, maxAttempts)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("requeue stale trials: %w", err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	var out []Trial
	for name, rec := range q.studies {
		for n, t := range rec.trials {
			if t.Status != StatusRunning {
				continue
			}
			key := trialKey{name, n}
			ml := q.leases[key]
			if ml == nil {
				ml = &memLease{}
				q.leases[key] = ml
			}
			if !ml.heartbeat.IsZero() && now.Sub(ml.heartbeat) <= grace {
				continue
			}
			worker := ml.worker
			if worker == "" {
				worker = "(none)"
			}
			t.Error = fmt.Sprintf("worker %s stopped sending heartbeats", worker)
			if ml.attempt >= maxAttempts {
				t.Status, t.Finished = StatusFailed, now
				t.Error += fmt.Sprintf("; gave up after %d attempts", ml.attempt)
			} else {
				t.Status, t.Finished = StatusWaiting, time.Time{}
				t.Error += fmt.Sprintf(" (attempt %d of %d)", ml.attempt, maxAttempts)
			}
			ml.heartbeat = time.Time{}
			t.History = nil // the dead run's live curve: not a result
			rec.trials[n] = t
			delete(rec.stops, n)
			out = append(out, Trial{Study: t.Study, Number: t.Number, Round: t.Round, Seed: t.Seed,
				Status: t.Status, Error: t.Error})
		}
	}
	slices.SortFunc(out, func(a, b Trial) int {
		return cmp.Or(cmp.Compare(a.Study, b.Study), cmp.Compare(a.Number, b.Number))
	})
	for _, t := range out {
		if t.Status == StatusFailed {
			q.stopIfTooManyFailed(t.Study)
		}
	}
	return out, nil
}

// stopIfTooManyFailed stops a study with a failure limit once more of its
// trials have failed. It must be called with q.mu held.
func (q *MemoryQueue) stopIfTooManyFailed(study string) {
	rec, ok := q.studies[study]
	max := q.maxFailed[study]
	if !ok || max <= 0 || rec.study.Status == StudyFailed {
		return
	}
	failed := 0
	for _, t := range rec.trials {
		if t.Status == StatusFailed {
			failed++
		}
	}
	if failed > max {
		rec.study.Status = StudyFailed
	}
}

// LimitFailures sets the study's failure limit and lifts a stop.
func (q *MemoryQueue) LimitFailures(ctx context.Context, study string, max int) (lifted bool, err error) {
	if max < 0 {
		return false, fmt.Errorf("set the failure limit of %q: limit %d is negative", study, max)
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("set the failure limit of %q: %w", study, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	rec, ok := q.studies[study]
	if !ok {
		return false, fmt.Errorf("set the failure limit of %q: study %q: %w", study, study, ErrNotFound)
	}
	q.maxFailed[study] = max
	if rec.study.Status == StudyFailed {
		rec.study.Status = StudyRunning
		return true, nil
	}
	return false, nil
}

// FailureLimit returns the study's failure limit, 0 for none.
func (q *MemoryQueue) FailureLimit(ctx context.Context, study string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("read the failure limit of %q: %w", study, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.studies[study]; !ok {
		return 0, fmt.Errorf("read the failure limit of %q: study %q: %w", study, study, ErrNotFound)
	}
	return q.maxFailed[study], nil
}

// Finish stores a leased trial's result if the lease still holds.
func (q *MemoryQueue) Finish(ctx context.Context, l Lease, r Trial) (bool, error) {
	t := l.Trial
	if !r.Status.Finished() {
		return false, fmt.Errorf("finish trial %s#%d: status %q is not a result", t.Study, t.Number, r.Status)
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("finish trial %s#%d: %w", t.Study, t.Number, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	_, ml, ok := q.held(l)
	if !ok {
		return false, nil
	}
	r.Study, r.Number, r.Round, r.Params, r.Seed = t.Study, t.Number, t.Round, t.Params, t.Seed
	if r.Finished.IsZero() {
		r.Finished = time.Now()
	}
	q.studies[t.Study].trials[t.Number] = copyTrial(r)
	ml.heartbeat = time.Time{}
	if r.Status == StatusFailed {
		q.stopIfTooManyFailed(t.Study)
	}
	return true, nil
}

// Release gives a leased trial back: it waits again, and since it never
// got to run to the end, the attempt is not counted and its reports go.
func (q *MemoryQueue) Release(ctx context.Context, l Lease) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	t, ml, ok := q.held(l)
	if !ok {
		return nil
	}
	t.Status, t.Started = StatusWaiting, time.Time{}
	q.studies[l.Trial.Study].trials[l.Trial.Number] = t
	delete(q.reports, reportKey{trialKey{l.Trial.Study, l.Trial.Number}, ml.attempt})
	ml.attempt--
	ml.heartbeat = time.Time{}
	return nil
}

// Propose runs f while holding the study's proposal lock; ran is false
// when another caller holds it.
func (q *MemoryQueue) Propose(ctx context.Context, study string, f func(ctx context.Context) error) (ran bool, err error) {
	v, _ := q.proposing.LoadOrStore(study, new(sync.Mutex))
	mu := v.(*sync.Mutex)
	if !mu.TryLock() {
		return false, nil
	}
	defer mu.Unlock()
	return true, f(ctx)
}

// AddReport stores a leased trial's intermediate value while the lease
// holds.
func (q *MemoryQueue) AddReport(ctx context.Context, l Lease, step int, value float64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("report step %d of trial %s#%d: %w", step, l.Trial.Study, l.Trial.Number, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, _, ok := q.held(l); !ok {
		return false, nil
	}
	key := reportKey{trialKey{l.Trial.Study, l.Trial.Number}, l.Attempt}
	if q.reports[key] == nil {
		q.reports[key] = map[int]float64{}
	}
	q.reports[key][step] = value
	return true, nil
}

// Progress returns the trials of a study's round (every round when round
// < 0) with their current attempt's reports; a waiting trial has none.
func (q *MemoryQueue) Progress(ctx context.Context, study string, round int) ([]TrialProgress, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read the progress of %q: %w", study, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	rec, ok := q.studies[study]
	if !ok {
		return nil, nil
	}
	var out []TrialProgress
	for n, t := range rec.trials {
		if round >= 0 && t.Round != round {
			continue
		}
		tp := TrialProgress{Number: n, Round: t.Round, Status: t.Status}
		if ml := q.leases[trialKey{study, n}]; ml != nil {
			tp.Worker, tp.Attempt = ml.worker, ml.attempt
		}
		if t.Status != StatusWaiting {
			for step, v := range q.reports[reportKey{trialKey{study, n}, tp.Attempt}] {
				tp.Reports = append(tp.Reports, Reported{Step: step, Value: v})
			}
			slices.SortFunc(tp.Reports, func(a, b Reported) int { return cmp.Compare(a.Step, b.Step) })
		}
		out = append(out, tp)
	}
	slices.SortFunc(out, func(a, b TrialProgress) int { return cmp.Compare(a.Number, b.Number) })
	return out, nil
}
