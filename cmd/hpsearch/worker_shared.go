package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// sharedFlags are the fault-tolerance settings of a study shared through
// PostgreSQL, on `run` and on `worker`.
type sharedFlags struct {
	heartbeat, grace time.Duration
	retries          int
}

// register adds the flags to cmd, and checks them before cmd runs, so that
// nothing is stored with settings that cannot work.
func (s *sharedFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&s.heartbeat, "heartbeat", search.DefaultHeartbeat, "how often this process tells the others it is alive (run: for its study's lease; PostgreSQL: for its trials)")
	fl.DurationVar(&s.grace, "grace", search.DefaultGrace, "silence after which another process takes over this one's study (run) or trials (PostgreSQL)")
	fl.IntVar(&s.retries, "retries", search.DefaultMaxAttempts-1, "PostgreSQL: runs again of a trial whose worker went silent, before it fails")
	next := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if err := s.check(); err != nil {
			return err
		}
		if next != nil {
			return next(cmd, args)
		}
		return nil
	}
}

func (s sharedFlags) check() error {
	if s.heartbeat <= 0 || s.grace <= s.heartbeat || s.retries < 0 {
		return usageErr("--heartbeat %s, --grace %s, --retries %d: the heartbeat must be positive and shorter than the grace period (3× or more is safe), retries 0 or more",
			s.heartbeat, s.grace, s.retries)
	}
	return nil
}

// newWorker sets up this process as a worker of shared studies.
func newWorker(store results.Store, q search.Queue, par int, f sharedFlags, stderr io.Writer) (*search.Worker, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	id := workerID()
	return &search.Worker{
		ID: id, Store: store, Queue: q, Parallelism: par,
		Heartbeat: f.heartbeat, Grace: f.grace, MaxAttempts: f.retries + 1,
		Logf: func(format string, args ...any) {
			fmt.Fprintf(stderr, "hpsearch: worker %s: %s\n", id, fmt.Sprintf(format, args...))
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

// sharedQueue is a store shared between machines (PostgreSQL): workers
// anywhere claim its studies' trials, and it stops a study for all of them
// at its failure limit.
type sharedQueue interface {
	search.Queue
	search.FailureLimiter
}

// sharedRun is a `run` whose store is shared: the study's trials wait in
// the store, this process works on them like any other worker, and it
// prints and exports the study once every trial has finished, wherever,
// or once the study stopped because too many trials failed.
type sharedRun struct {
	store results.Store
	queue sharedQueue
	sw    *sweep
	warm  *search.WarmStart
	rec   results.Study
	path  string
	par   int
	flags runFlags
	lease *heldStudy // this run's lease on the study (one coordinating run at a time)
}

func runShared(ctx context.Context, r sharedRun, stdout, stderr io.Writer) error {
	sw := r.sw
	w, err := newWorker(r.store, r.queue, r.par, r.flags.shared, stderr)
	if err != nil {
		return err
	}
	// The limit is the study's: every worker's failures count, and the
	// store stops the study for all of them. Setting it lifts an earlier
	// stop (--resume after fixing the program): the waiting trials run.
	maxFailed := sw.cfg.Search.MaxFailedTrials
	lifted, err := r.queue.LimitFailures(ctx, sw.study, maxFailed)
	if err != nil {
		return err
	}
	if lifted {
		fmt.Fprintf(stderr, "hpsearch: study %s had stopped after too many failed trials; resuming it: its waiting trials run again (the failed ones are kept, and still count towards search.max_failed_trials: %d)\n",
			sw.study, maxFailed)
	}
	prog := newProgress(stderr, r.rec.Total, sw.cfg.Search.Goal)
	w.Progress = prog.trial
	fmt.Fprintf(stderr, "hpsearch: study %s: %s, %d trials, %d at a time here (worker %s), shared in %s; more machines join with: hpsearch worker --storage URL %s\n",
		sw.study, r.rec.Strategy, r.rec.Total, effectiveParallel(r.par), w.ID, redact(r.flags.storage), sw.study)
	job, err := sweepJob(sw, r.warm)
	if err != nil {
		return err
	}
	serveErr := w.Serve(ctx, []*search.Job{job})
	prog.finish()
	if err := r.lease.lostErr(); err != nil {
		return err // another run coordinates the study now: the record and outputs are its to write
	}
	interrupted := ctx.Err() != nil
	if serveErr != nil && !interrupted {
		return failed(fmt.Errorf("%w (finished trials are stored; continue with --resume or hpsearch worker)", serveErr))
	}
	// Ctrl-C still prints and exports what finished.
	sctx := context.WithoutCancel(ctx)
	st, trials, err := r.store.Study(sctx, sw.study)
	if err != nil {
		return err
	}
	elsewhere := 0 // trials other workers still run: stored when they end
	for _, t := range trials {
		if t.Status == results.StatusRunning {
			elsewhere++
		}
	}
	trials = finishedOnly(trials)
	// Ctrl-C wins: 130, not 1.
	stopped := st.Status == results.StudyFailed && !interrupted
	if interrupted && st.Status != results.StudyFinished && st.Status != results.StudyFailed {
		st.Status = results.StudyInterrupted
		if err := r.store.PutStudy(sctx, st); err != nil {
			return err
		}
	}
	// The files first, as in a one-process run.
	if err := export(st, trials, sw.cfg.Output.Dir, stderr); err != nil {
		return err
	}
	if err := report(st, trials, r.flags.json, r.flags.top, trialOutputs(sw.cfg.Output.Dir, st.Name), tableOut(stdout, r.flags.wide)); err != nil {
		return err
	}
	if interrupted {
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: %d of %d trials finished and are stored; workers go on with the rest; continue here with: hpsearch run %s --study %s --storage URL --resume",
			len(trials), st.Total, r.path, sw.study)}
	}
	if stopped {
		return &exitError{code: exitNoSuccess, err: sharedStopped(r, st, trials, elsewhere)}
	}
	if _, ok := results.Best(trials, st.Goal); !ok {
		return &exitError{code: exitNoSuccess, err: fmt.Errorf("no trial succeeded (%d trials ran); see the table for their stop reasons", len(trials))}
	}
	return nil
}

// sharedStopped says why a shared study stopped, as a one-process sweep
// does, counting the failed trials stored by every worker; and how to go
// on once the program is fixed. elsewhere counts the trials other workers
// were still running.
func sharedStopped(r sharedRun, st results.Study, finished []results.Trial, elsewhere int) error {
	var (
		failed int
		last   results.Trial
	)
	for _, t := range finished {
		if t.Status != results.StatusFailed {
			continue
		}
		failed++
		if failed == 1 || t.Finished.After(last.Finished) || t.Finished.Equal(last.Finished) && t.Number > last.Number {
			last = t
		}
	}
	msg := tooManyFailed(failed, r.sw.cfg.Search.MaxFailedTrials, last, r.sw.trialsDir(), true)
	msg += fmt.Sprintf("; %d of %d trials finished and are stored", len(finished), st.Total)
	if elsewhere > 0 {
		msg += fmt.Sprintf(", %d still running on other workers will be when they end", elsewhere)
	}
	return fmt.Errorf("%s; no worker starts another: fix the cause, then continue with: hpsearch run %s --study %s --storage URL --resume",
		msg, r.path, st.Name)
}
