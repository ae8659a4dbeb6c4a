package search

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hpsearch/hpsearch/results"
)

// Job is one study a Worker serves.
type Job struct {
	Study string
	Seed  uint64
	// Strategy returns a fresh strategy for the study, as configured: it is
	// replayed from the stored trials every time the study may advance.
	Strategy  func() (Strategy, error)
	Evaluator Evaluator
	// Pruner, when set, stops unpromising trials early, deciding as it
	// would in a one-process run (see Worker). It is used only for its
	// rule; the evaluator must report as it does for a Runner.
	Pruner *Pruner
}

// Worker runs the trials of studies shared through a Queue, side by side
// with workers in this process, in other processes and on other machines.
//
// Nobody owns a study: whoever finds nothing to claim replays the study's
// strategy from the stored trials (Ask a batch; when all its trials are
// stored and finished, Tell them in proposal order and Ask the next) and
// enqueues the first batch not stored yet. Replaying is deterministic and
// happens under the study's proposal lock (Proposer; a queue without one
// is served by one Worker alone), so each batch is proposed once,
// with the same parameters a one-process run would have proposed, and the
// finished study equals a one-process run with the same seed.
//
// A live queue (Runner's localQueue) is the exception: it proposes its
// one study itself, from the live strategy, as its trials are claimed.
//
// A study whose failure limit (FailureLimiter, from
// search.max_failed_trials) is crossed stops: the queue marks it
// results.StudyFailed when the failure that crosses it is stored, and
// hands out none of its trials from then on. Every worker, finding
// nothing more to claim, sees the stop when it replays the study, logs one
// line and leaves the study, as it leaves a complete one; its trials
// already running finish and are stored.
//
// Early stopping (Job.Pruner) decides as in a one-process run: each
// report is stored under the trial's lease (Reporter.AddReport), and
// a trial is judged over the stored reports of the trials it is compared
// with (Reporter.Progress), whichever worker runs them, so the same trials are
// pruned at the same steps. A trial waiting at a rung gives its compute
// slot back (a command trial is paused) and keeps its heartbeats: at most
// Parallelism trials compute at once here, while any number may wait.
// Only the reports of a trial's current attempt count: a trial whose
// worker died runs again from the start.
type Worker struct {
	ID          string // unique among all workers, e.g. host-pid-random
	Store       results.Store
	Queue       Queue
	Parallelism int           // trials computing at once; 0 means the number of CPUs
	Heartbeat   time.Duration // how often the worker says it is alive; 0 means 10s
	Grace       time.Duration // silence after which a worker's trials are retried; 0 means 60s
	MaxAttempts int           // runs of a trial before it fails; 0 means 4 (three retries)
	Poll        time.Duration // how often an idle worker looks again; 0 means 100ms
	// Discover, when set, is asked for new studies whenever the worker is
	// idle, and Serve returns only when ctx ends (hpsearch worker --wait).
	// Such a worker also looks again, every Heartbeat, at the studies it
	// left because they stopped, and serves them again once resumed.
	// Discover returning ErrNoMoreStudies (with its last jobs) says that no
	// study will come any more: Serve then returns once the ones it has
	// are complete, as without Discover (a worker waiting for named
	// studies, all of which it now has).
	Discover func(ctx context.Context) ([]*Job, error)
	// Progress is told about every trial this worker finished; done counts
	// the study's finished trials as far as this worker knows.
	Progress func(t results.Trial, done, total int)
	// Logf receives one line per event worth a log: a lost claim, a
	// requeued trial, a failed call to the store and its retry.
	Logf func(format string, args ...any)
	// Hold, when set, is called as each trial starts computing, and the
	// release it returns as the trial ends: a running trial holds a core,
	// so that an evaluator lending idle cores to its own steps (the
	// built-in trainer) borrows only those no trial is using.
	Hold func() (release func())

	mu      sync.Mutex
	studies map[string]*served
	// discovered: Discover said ErrNoMoreStudies; w.mu guards it.
	discovered bool
	held       map[leaseKey]results.Lease // trials running here, kept alive by heartbeats
	advance    sync.Mutex                 // one replay at a time in this worker
}

// leaseKey tells leases apart even when this worker claims a trial again
// that it had lost: the attempt differs.
type leaseKey struct {
	study           string
	number, attempt int
}

// served is what a Worker knows of one study.
type served struct {
	job         *Job
	complete    bool
	stopped     bool      // too many of its trials failed (results.StudyFailed)
	checked     time.Time // when a stopped study was last looked at
	done, total int
}

// Defaults of a Worker's zero fields.
const (
	DefaultHeartbeat   = 10 * time.Second
	DefaultGrace       = 60 * time.Second
	DefaultMaxAttempts = 4
	defaultPoll        = 100 * time.Millisecond
	// Backoff between retries of a store that cannot be reached.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
	// releaseTimeout bounds giving a trial back while stopping: if the
	// store cannot be reached in time, the grace period requeues it.
	releaseTimeout = 5 * time.Second
)

func (w *Worker) setDefaults() error {
	if w.ID == "" || w.Queue == nil {
		return errors.New("worker: ID, Store and Queue are required")
	}
	// A live queue proposes its study itself; any other is proposed to
	// by replaying the study from the store.
	if _, live := w.Queue.(liveQueue); !live {
		if w.Store == nil {
			return errors.New("worker: ID, Store and Queue are required")
		}
		if _, ok := w.Queue.(Enqueuer); !ok {
			return fmt.Errorf("worker: %T cannot serve a study: nobody can propose its trials (it is no Enqueuer)", w.Queue)
		}
	}
	if w.Parallelism <= 0 {
		w.Parallelism = runtime.GOMAXPROCS(0)
	}
	if w.Heartbeat == 0 {
		w.Heartbeat = DefaultHeartbeat
	}
	if w.Grace == 0 {
		w.Grace = DefaultGrace
	}
	if w.MaxAttempts == 0 {
		w.MaxAttempts = DefaultMaxAttempts
	}
	if w.Poll == 0 {
		w.Poll = defaultPoll
	}
	if w.Heartbeat < 0 || w.Grace <= w.Heartbeat || w.MaxAttempts < 1 {
		return fmt.Errorf("worker: heartbeat %s must be positive and shorter than the grace period %s, and attempts %d at least 1 (e.g. --heartbeat 10s --grace 60s)",
			w.Heartbeat, w.Grace, w.MaxAttempts)
	}
	return nil
}

// Serve runs the jobs' trials until every one of their studies is complete
// (all planned trials finished, by whichever worker) or stopped (too many
// failed trials), or until ctx ends; with Discover set it only returns
// when ctx ends. Trials running when ctx
// ends are given back to the queue; finished ones are always stored.
func (w *Worker) Serve(ctx context.Context, jobs []*Job) error {
	if err := w.setDefaults(); err != nil {
		return err
	}
	w.mu.Lock()
	w.studies = make(map[string]*served)
	w.held = make(map[leaseKey]results.Lease)
	w.mu.Unlock()
	if err := w.add(jobs); err != nil {
		return err
	}

	beatCtx, stopBeat := context.WithCancel(ctx)
	beatDone := make(chan struct{})
	go func() {
		defer close(beatDone)
		w.beat(beatCtx)
	}()
	defer func() { stopBeat(); <-beatDone }()

	// Each claimed trial runs in its own goroutine, holding one of
	// Parallelism compute tokens while it computes: a trial parked at a
	// rung (early stopping) gives its token back, so another can be
	// claimed and its group catch up.
	g, gctx := errgroup.WithContext(ctx)
	tokens := make(chan struct{}, w.Parallelism)
	for range w.Parallelism {
		g.Go(func() error { return w.slot(gctx, g, tokens) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// add starts serving jobs not served yet.
func (w *Worker) add(jobs []*Job) error {
	_, reports := w.Queue.(Reporter)
	if _, live := w.Queue.(liveQueue); !reports && !live {
		for _, j := range jobs {
			if j.Pruner != nil {
				return fmt.Errorf("worker: study %s stops trials early, which needs a queue that keeps their reports (%T does not)", j.Study, w.Queue)
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, j := range jobs {
		if _, ok := w.studies[j.Study]; !ok {
			w.studies[j.Study] = &served{job: j}
		}
	}
	return nil
}

// active lists the studies neither complete nor stopped.
func (w *Worker) active() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var names []string
	for name, s := range w.studies {
		if !s.complete && !s.stopped {
			names = append(names, name)
		}
	}
	return names
}

// ErrNoMoreStudies is what Discover returns, with its last jobs, once no
// other study will come.
var ErrNoMoreStudies = errors.New("no more studies to discover")

// discovering says whether Discover may still bring studies.
func (w *Worker) discovering() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Discover != nil && !w.discovered
}

// stopped says whether the study stopped for too many failed trials, as
// far as this worker knows.
func (w *Worker) stopped(study string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.studies[study]
	return s != nil && s.stopped
}

// slot is one of the Parallelism loops: with a compute token in hand,
// claim a trial and start it (it keeps the token); when there is none,
// help the studies advance, or wait.
func (w *Worker) slot(ctx context.Context, g *errgroup.Group, tokens chan struct{}) error {
	for ctx.Err() == nil {
		names := w.active()
		if len(names) == 0 && !w.discovering() {
			return nil
		}
		// Taken before the claim, so that no change after it is missed.
		changed := w.changed()
		if len(names) > 0 {
			cs := &computeSlot{ch: tokens}
			if cs.Acquire(ctx) != nil {
				return nil
			}
			var (
				l  results.Lease
				ok bool
			)
			err := w.retry(ctx, "claim a trial", func(ctx context.Context) (err error) {
				l, ok, err = w.Queue.Claim(ctx, w.ID, names)
				return err
			})
			if err != nil {
				cs.Release()
				return ignoreCancel(ctx, err)
			}
			if ok {
				// A Batcher's trials of the round run together on this slot.
				leases, err := w.claimBatch(ctx, l)
				g.Go(func() error {
					defer cs.Release()
					return w.runBatch(ctx, leases, cs)
				})
				if err != nil {
					return ignoreCancel(ctx, err)
				}
				continue
			}
			cs.Release()
		}
		progressed, err := w.advanceAll(ctx)
		if err != nil {
			return ignoreCancel(ctx, err)
		}
		if !progressed {
			w.idle(ctx, changed)
		}
	}
	return nil
}

// ignoreCancel drops the error of a call cut short because ctx ended:
// Serve reports ctx's end itself.
func ignoreCancel(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// changed is the live queue's signal of its next change; nil for a queue
// that is polled.
func (w *Worker) changed() <-chan struct{} {
	if lq, ok := w.Queue.(liveQueue); ok {
		return lq.changed()
	}
	return nil
}

// idle waits for something to do: a change of a live queue, or Poll.
func (w *Worker) idle(ctx context.Context, changed <-chan struct{}) {
	if changed == nil {
		sleep(ctx, w.Poll)
		return
	}
	select {
	case <-ctx.Done():
	case <-changed:
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// run evaluates a leased trial and reports its result. The trial gets
// heartbeats from its claim until its result is stored or given up on.
// cs is the compute token it holds, given back while it waits at a rung.
// A trial of a batch (runBatch) gets the batch, which holds its core.
func (w *Worker) run(ctx context.Context, l results.Lease, cs *computeSlot, batch *Batch) error {
	key := leaseKey{l.Trial.Study, l.Trial.Number, l.Attempt}
	w.mu.Lock()
	s := w.studies[l.Trial.Study]
	w.held[key] = l
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.held, key)
		w.mu.Unlock()
	}()
	if s == nil { // Claim only returns trials of the studies asked for
		return fmt.Errorf("worker %s: claimed trial %d of study %q, which it does not serve", w.ID, l.Trial.Number, l.Trial.Study)
	}
	task := Task{Study: l.Trial.Study, Number: l.Trial.Number, Round: l.Trial.Round, Params: l.Trial.Params, Seed: l.Trial.Seed, Batch: batch}
	// tctx ends with ctx, or when the trial must stop unreported: its
	// lease was lost, its reports could not be stored, or its study
	// stopped while it waited at a rung.
	tctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var reports []results.Reported
	if s.job.Pruner != nil {
		j := w.judge(s.job.Pruner)
		slot := &parkingSlot{computeSlot: cs}
		task.Pausable = slot.pausable
		reports = []results.Reported{}
		task.Report = func(step int, value float64) bool {
			reports = append(reports, results.Reported{Step: step, Value: value})
			keep, err := j.report(tctx, l, reports, slot)
			if err != nil {
				cancel(err)
				return false
			}
			// A pruned or interrupted trial stays paused: stopping it
			// continues it, and it computes nothing before.
			if keep && tctx.Err() == nil {
				slot.goOn()
			}
			return keep
		}
	}
	start := time.Now()
	release := func() {}
	if w.Hold != nil && batch == nil {
		release = w.Hold()
	}
	endLive := w.follow(tctx, &task)
	t, err := evaluateTrial(tctx, s.job.Evaluator, task)
	endLive()
	release()
	if cause := context.Cause(tctx); tctx.Err() != nil && (err != nil || ctx.Err() == nil) {
		// Interrupted, or stopped unreported: it runs again, here or
		// elsewhere (giving back a lost lease changes nothing).
		if ctx.Err() == nil {
			w.logf("trial %d of %s: stopped (%v); it will run again", l.Trial.Number, l.Trial.Study, cause)
		}
		w.release(ctx, l)
		return nil
	}
	return w.finish(ctx, s, l, Settle(t, err, task, reports, start))
}

// finish stores a result, retrying an unreachable store for up to the
// grace period even while stopping: after that, the trial's silence gets it
// requeued, and whoever claims it next reports it. A lease lost meanwhile
// drops the result, so no trial is ever reported twice.
func (w *Worker) finish(ctx context.Context, s *served, l results.Lease, t results.Trial) error {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.Grace)
	defer cancel()
	var ok bool
	err := w.retry(fctx, fmt.Sprintf("store trial %d of %s", t.Number, t.Study), func(ctx context.Context) (err error) {
		ok, err = w.Queue.Finish(ctx, l, t)
		return err
	})
	if errors.Is(err, context.DeadlineExceeded) {
		w.logf("trial %d of %s: not stored (%v); it will run again elsewhere", t.Number, t.Study, err)
		return nil
	}
	if err != nil {
		return err
	}
	if !ok {
		w.logf("trial %d of %s: this worker's claim was given to another worker meanwhile; its result is dropped", t.Number, t.Study)
		return nil
	}
	w.mu.Lock()
	s.done++
	done, total := s.done, s.total
	if lq, ok := w.Queue.(liveQueue); ok {
		// It knows the total, and the trials an earlier run finished.
		_, all, resumed := lq.plan(t.Study)
		done, total = done+resumed, all
	}
	if w.Progress != nil {
		w.Progress(t, done, total)
	}
	w.mu.Unlock()
	return nil
}

// advanceAll lets every incomplete study propose its next batch, and looks
// for new studies (Discover). progressed says that there may be new work.
// A live queue proposes its study's trials itself, as they are claimed:
// the worker only learns whether it is complete. Any other queue's
// studies are replayed from the store (replayAll).
func (w *Worker) advanceAll(ctx context.Context) (progressed bool, err error) {
	lq, ok := w.Queue.(liveQueue)
	if !ok {
		return w.replayAll(ctx)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for name, s := range w.studies {
		s.complete, s.total, _ = lq.plan(name)
		// A complete study ends the slot's loop: it must not wait.
		progressed = progressed || s.complete
	}
	return progressed, nil
}

// retry calls f until it succeeds, fails for a reason other than an
// unreachable store (results.ErrUnavailable), or ctx ends; between tries
// it waits, doubling the wait up to maxBackoff, and logs one line.
func (w *Worker) retry(ctx context.Context, what string, f func(ctx context.Context) error) error {
	delay := minBackoff
	for {
		err := f(ctx)
		if err == nil || !errors.Is(err, results.ErrUnavailable) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w (%v)", what, ctx.Err(), err)
		}
		w.logf("%s: %v; retrying in %s", what, err, delay)
		sleep(ctx, delay)
		delay = min(2*delay, maxBackoff)
	}
}

func (w *Worker) logf(format string, args ...any) {
	if w.Logf != nil {
		w.Logf(format, args...)
	}
}
