package study

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// SharedOptions are the fault-tolerance settings of a run's lease and of
// a study shared through PostgreSQL.
type SharedOptions struct {
	// Heartbeat is how often this process tells the others it is alive.
	Heartbeat time.Duration
	// Grace is the silence after which another process takes over this
	// one's study (its lease) or trials (shared).
	Grace time.Duration
	// Retries is how many times a trial whose worker went silent runs
	// again, before it fails.
	Retries int
}

// DefaultShared are the settings of a run that asks for none.
var DefaultShared = SharedOptions{Heartbeat: search.DefaultHeartbeat, Grace: search.DefaultGrace, Retries: search.DefaultMaxAttempts - 1}

// Check refuses settings that cannot work, before anything is stored.
func (s SharedOptions) Check() error {
	if s.Heartbeat <= 0 || s.Grace <= s.Heartbeat || s.Retries < 0 {
		return usageErr("--heartbeat %s, --grace %s, --retries %d: the heartbeat must be positive and shorter than the grace period (3× or more is safe), retries 0 or more",
			s.Heartbeat, s.Grace, s.Retries)
	}
	return nil
}

// newWorker sets up this process as a worker of studies shared through
// q, running par trials at once (0: one per CPU); log receives its lines.
func newWorker(store results.Store, q search.Queue, par int, s SharedOptions, log func(string)) (*search.Worker, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	id := workerID()
	return &search.Worker{
		ID: id, Store: store, Queue: q, Parallelism: par,
		Heartbeat: s.Heartbeat, Grace: s.Grace, MaxAttempts: s.Retries + 1,
		Logf: func(format string, args ...any) {
			log(fmt.Sprintf("worker %s: %s", id, fmt.Sprintf(format, args...)))
		},
	}, nil
}

// workerID names this process among all workers: host, process and a
// random suffix, since a pid is reused after a restart.
func workerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	var b [3]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// runShared is a run whose store is shared: the study's trials wait in
// the store, this process works on them like any other worker, and the
// outcome is the study once every trial has finished, wherever, or once
// it stopped because too many trials failed. ctx also ends when the
// lease is lost.
func (s *Study) runShared(ctx context.Context, store results.Store, q sharedQueue, st *started, par int, lease *lease, o *RunOptions) error {
	w, err := newWorker(store, q, par, o.Shared, o.log)
	if err != nil {
		return err
	}
	// The limit is the study's: every worker's failures count, and the
	// store stops the study for all of them. Setting it lifts an earlier
	// stop (--resume after fixing the program): the waiting trials run.
	maxFailed := s.Config.Search.MaxFailedTrials
	lifted, err := q.LimitFailures(ctx, s.Name, maxFailed)
	if err != nil {
		return err
	}
	if lifted {
		o.log(fmt.Sprintf("study %s had stopped after too many failed trials; resuming it: its waiting trials run again (the failed ones are kept, and still count towards search.max_failed_trials: %d)",
			s.Name, maxFailed))
	}
	prog := o.progress(st.rec.Total)
	w.Progress = prog.Trial
	o.log(fmt.Sprintf("study %s: %s, %d trials, %d at a time here (worker %s), shared in %s; more machines join with: hpsearch worker --storage URL %s",
		s.Name, st.rec.Strategy, st.rec.Total, EffectiveParallel(par), w.ID, o.Where, s.Name))
	job, err := s.job(st.warm)
	if err != nil {
		return err
	}
	serveErr := w.Serve(ctx, []*search.Job{job})
	prog.Finish()
	if err := lease.lostErr(); err != nil {
		return err // another run coordinates the study now: the record and outputs are its to write
	}
	interrupted := ctx.Err() != nil
	if serveErr != nil && !interrupted {
		return failed(fmt.Errorf("%w (finished trials are stored; continue with --resume or hpsearch worker)", serveErr))
	}
	return s.finishShared(ctx, store, interrupted, o)
}

// finishShared records an interrupted shared study as such, gives its
// outcome to o.Report (Ctrl-C still prints and exports what finished),
// and says how it ended.
func (s *Study) finishShared(ctx context.Context, store results.Store, interrupted bool, o *RunOptions) error {
	sctx := context.WithoutCancel(ctx)
	rec, trials, err := store.Study(sctx, s.Name)
	if err != nil {
		return err
	}
	elsewhere := 0 // trials other workers still run: stored when they end
	for _, t := range trials {
		if t.Status == results.StatusRunning {
			elsewhere++
		}
	}
	trials = FinishedOnly(trials)
	// Ctrl-C wins: 130, not 1.
	stopped := rec.Status == results.StudyFailed && !interrupted
	if interrupted && rec.Status != results.StudyFinished && rec.Status != results.StudyFailed {
		rec.Status = results.StudyInterrupted
		if err := store.PutStudy(sctx, rec); err != nil {
			return err
		}
	}
	out := s.outcome(rec, trials)
	if err := report(o, out); err != nil {
		return err
	}
	switch {
	case interrupted:
		return interruptedErr("interrupted: %d of %d trials finished and are stored; workers go on with the rest; continue here with: hpsearch run %s --study %s --storage URL --resume",
			len(trials), rec.Total, s.Path, s.Name)
	case stopped:
		return &Error{Kind: NotFinished, Err: s.sharedStopped(rec, trials, elsewhere)}
	}
	return out.noSuccess()
}
