package study

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/trainer"
)

// RunOptions are what a run takes besides the config: what the command
// line says, and where its messages and outputs go.
type RunOptions struct {
	// Parallel is how many trials run at once (0: one per CPU), before
	// the device pool caps it.
	Parallel int
	// Resume continues a stored study of the same name, whose config must
	// be the same; without it a stored study of that name is refused.
	Resume bool
	// WarmStart names a stored study to start from (overriding
	// search.warm_start); "" for none.
	WarmStart string
	// Sets are the --set overrides the config was loaded with, stored
	// with the study for workers and later runs.
	Sets []string
	// Shared holds the fault-tolerance settings: the lease's heartbeat
	// and grace period, and a shared study's retries. The zero value
	// means DefaultShared: no heartbeat can be 0, so it is not a value
	// someone asked for.
	Shared SharedOptions
	// Where is the store as it may be shown to the user (no password).
	Where string
	// ResumeHint says how to continue the study once interrupted.
	ResumeHint string
	// ResumeCommand is the command that continues the study; "" when
	// nothing is kept (a memory store).
	ResumeCommand string
	// Log receives a line for the user (nil: none); Warn a warning.
	Log, Warn func(string)
	// Progress is called once the study's total is known, and is told of
	// every finished trial; nil: nothing is told.
	Progress func(total int) Progress
	// Report writes the outcome's outputs while the study is still this
	// run's (nil: none). Its error ends the run.
	Report func(*Outcome) error
	// Exports says that Report writes files into output.dir/<study>
	// (hpsearch run's best.yaml, trials.csv and report.html). The run then
	// claims the directory, as it does for command trials, whose files go
	// there too: a run of the study name in another store (its own
	// --storage, or memory:) is refused while this one runs, rather than
	// overwrite its files.
	Exports bool
}

// Progress is told of each trial as it finishes, one at a time, and when
// the run is over. One that also has Resumed([]results.Trial) is first
// given the trials an earlier run of the study finished (--resume).
type Progress interface {
	Trial(t results.Trial, done, total int)
	Finish()
}

func (o *RunOptions) log(msg string) {
	if o.Log != nil {
		o.Log(msg)
	}
}

func (o *RunOptions) progress(total int) Progress {
	if o.Progress == nil {
		return noProgress{}
	}
	return o.Progress(total)
}

type noProgress struct{}

func (noProgress) Trial(results.Trial, int, int) {}
func (noProgress) Finish()                       {}

// sharedQueue is a store shared between machines (PostgreSQL): workers
// anywhere claim its studies' trials, and it stops a study for all of them
// at its failure limit.
type sharedQueue interface {
	search.Queue
	search.FailureLimiter
}

// started is a study ready to run its trials: its record is stored.
type started struct {
	rec      results.Study
	finished map[int]results.Trial // kept from an earlier run (resume)
	warm     *search.WarmStart
	strat    search.Strategy
	pruner   *search.Pruner
}

// Run runs the study in store: it takes the study's lease, refuses a
// stored study of the same name unless Resume (and then keeps its finished
// trials), warm-starts, runs the trials in this process — or, in a store
// shared between machines, alongside any workers — records how the study
// ended, and gives the outcome to o.Report. The error says why the study
// did not finish: an *Error whose Kind tells a refused config, an
// interruption and a study that could not finish apart.
func (s *Study) Run(ctx context.Context, store results.Store, o RunOptions) error {
	if o.Shared == (SharedOptions{}) {
		o.Shared = DefaultShared
	}
	if err := o.Shared.Check(); err != nil {
		return err
	}
	par := s.CapParallel(o.Parallel)
	// Taken before the study is read: a second run of a running study,
	// resumed or new, is refused rather than run beside this one.
	leaseCtx, lease, err := hold(ctx, store, s.leaseRequest(store, &o))
	if err != nil {
		return err
	}
	defer lease.release()
	if o.Exports || s.Command != nil {
		// The run writes into output.dir/<study>: its outputs, its
		// command trials' files.
		releaseOutput, err := s.claimOutput(store)
		if err != nil {
			return err
		}
		defer releaseOutput()
	}
	if s.Command != nil {
		s.Command.owner = trialOwner(store, s.Name)
	}
	if err := s.checkLauncher(ctx, store); err != nil {
		return err
	}
	st, err := s.start(ctx, store, &o)
	if err != nil {
		return err
	}
	if err := s.attachJobs(ctx, store, st, &o); err != nil {
		return err
	}
	if q, ok := store.(sharedQueue); ok {
		return s.runShared(leaseCtx, store, q, st, par, lease, &o)
	}
	return s.runHere(leaseCtx, ctx, store, st, par, lease, &o)
}

// start checks everything that can refuse the run, then stores the study
// record: a refused run leaves no half-made study behind.
func (s *Study) start(ctx context.Context, store results.Store, o *RunOptions) (*started, error) {
	cfg := s.Config
	st := &started{rec: results.Study{Name: s.Name, Created: time.Now(), Metric: cfg.Search.Metric, Goal: s.Goal(),
		Status: results.StudyRunning, Config: configs.FormatCanonical(cfg.Canonical())}}
	var err error
	if st.rec.Source, err = s.Source(o.Sets, o.WarmStart); err != nil {
		return nil, err
	}
	if st.finished, err = s.existing(ctx, store, &st.rec, o); err != nil {
		return nil, err
	}
	if st.warm, err = s.loadWarmStart(ctx, store, o.WarmStart, o.Warn); err != nil {
		return nil, err
	}
	if st.strat, err = s.Strategy(st.warm); err != nil {
		return nil, err
	}
	if st.pruner, err = s.pruner(); err != nil {
		return nil, err
	}
	if _, shared := store.(sharedQueue); shared && st.pruner != nil && len(cfg.Trainer.Devices) > 0 {
		// A trial waiting for others keeps its device, and in a shared
		// study the trial it waits for may have to run again here after its
		// worker died: with every device held by waiting trials, it never
		// could.
		return nil, usageErr("%s: search.early_stopping with trainer.devices is not supported in a study shared through PostgreSQL: a waiting trial keeps its device; run it with SQLite storage, or without trainer.devices", cfg.File)
	}
	st.rec.Strategy, st.rec.Total = st.strat.Name(), st.strat.Total()
	st.rec.Floor = s.floor(ctx, o.Warn)
	if err := store.PutStudy(ctx, st.rec); err != nil {
		return nil, failed(err)
	}
	return st, nil
}

// existing checks the store for a study of the same name. Without Resume
// it is refused; with it, its config must match and its finished trials
// are returned to be kept. Trials it left running are not returned: they
// run again with the same parameters and seed.
func (s *Study) existing(ctx context.Context, store results.Store, rec *results.Study, o *RunOptions) (map[int]results.Trial, error) {
	prev, trials, err := store.Study(ctx, rec.Name)
	if errors.Is(err, results.ErrNotFound) {
		if o.Resume {
			o.log(fmt.Sprintf("no study %s to resume; starting it", rec.Name))
		}
		return nil, nil
	}
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if !o.Resume {
		return nil, usageErr("study %s already exists (%d trials, %s); continue it with --resume, or start another with --study NAME",
			rec.Name, len(trials), prev.Status)
	}
	if diffs := configs.DiffCanonical(prev.Config, s.Config.Canonical()); len(diffs) > 0 {
		return nil, usageErr("cannot resume study %s: the config differs from the one it started with:\n  %s",
			rec.Name, strings.Join(diffs, "\n  "))
	}
	rec.Created = prev.Created
	finished := map[int]results.Trial{}
	for _, t := range trials {
		switch {
		case t.Damaged:
			// Its stored row could not be read: what it measured is lost,
			// so it runs again, with the same parameters and seed.
			o.log(fmt.Sprintf("study %s: trial %d runs again: %s", rec.Name, t.Number, t.Error))
		case t.Status.Finished():
			finished[t.Number] = t
		}
	}
	return finished, nil
}

// runHere runs the trials in this process. ctx is the caller's, leaseCtx
// also ends when the lease is lost.
func (s *Study) runHere(leaseCtx, ctx context.Context, store results.Store, st *started, par int, lease *lease, o *RunOptions) error {
	cfg := s.Config
	prog := o.progress(st.strat.Total())
	if r, ok := prog.(interface{ Resumed([]results.Trial) }); ok && len(st.finished) > 0 {
		r.Resumed(sortedTrials(st.finished))
	}
	runner := &search.Runner{
		Study: s.Name, Seed: cfg.Seed, Strategy: st.strat, Evaluator: s.Evaluator(),
		Store: store, Parallelism: par, Progress: prog.Trial, Finished: st.finished,
		Hold: trainer.HoldCore, Pruner: st.pruner, MaxFailed: cfg.Search.MaxFailedTrials,
	}
	o.log(fmt.Sprintf("study %s: %s, %d trials (%d already finished), %d at a time, stored in %s",
		s.Name, st.strat.Name(), st.strat.Total(), len(st.finished), EffectiveParallel(par), o.Where))
	r, err := runLocal(leaseCtx, ctx, store, runner, st.rec, lease, prog)
	if err != nil {
		return err
	}
	var limit error
	if !r.interrupted { // Ctrl-C wins: 130, not 1
		limit = s.failureLimit(r.limit, r.trials)
	}
	stopped := limit != nil
	if r.err != nil && !r.interrupted && !stopped {
		return failed(fmt.Errorf("%w (finished trials are stored; continue with --resume)", r.err))
	}
	out := s.outcome(r.rec, r.trials)
	if err := report(o, out); err != nil {
		return err
	}
	switch {
	case r.interrupted:
		return interruptedErr("interrupted: %d of %d trials finished; %s", len(r.trials), st.strat.Total(), o.ResumeHint)
	case stopped:
		if o.ResumeCommand != "" {
			limit = fmt.Errorf("%w; the finished trials are stored: fix the cause, then continue with: %s", limit, o.ResumeCommand)
		}
		return &Error{Kind: NotFinished, Err: limit}
	}
	return out.noSuccess()
}

// localRun is how a run of a study's trials in this process ended.
type localRun struct {
	rec    results.Study // as stored: finished, or interrupted if the run stopped early
	trials []results.Trial
	// err is why the run stopped before its last trial; nil when it ran
	// them all.
	err         error
	interrupted bool                      // by the caller's context: then limit is nil (Ctrl-C wins)
	limit       *search.FailureLimitError // the failure that took the study past its limit
}

// runLocal runs runner's trials under the study's lease and stores how
// the study ended in rec, for both front doors: a config's Run and
// Optimize. ctx is the caller's, leaseCtx also ends when the lease is
// lost; the error is then the lost lease, and nothing is written: the
// study is another process's now.
func runLocal(leaseCtx, ctx context.Context, store results.Store, runner *search.Runner, rec results.Study, lease *lease, prog Progress) (localRun, error) {
	trials, runErr := runner.Run(leaseCtx)
	prog.Finish()
	if err := lease.lostErr(); err != nil {
		return localRun{}, err
	}
	r := localRun{rec: rec, trials: trials, err: runErr,
		interrupted: runErr != nil && ctx.Err() != nil && errors.Is(runErr, ctx.Err())}
	if !r.interrupted {
		errors.As(runErr, &r.limit)
	}
	r.rec.Rounds = runner.Strategy.Rounds()
	switch {
	case r.limit != nil:
		// Stopped by search.max_failed_trials: "failed", as a shared study
		// so stopped is, not "interrupted", which is Ctrl-C's.
		r.rec.Status = results.StudyFailed
	case runErr != nil:
		r.rec.Status = results.StudyInterrupted
	default:
		r.rec.Status = results.StudyFinished
	}
	// Whatever happened, the study record says so: a later --resume or
	// `hpsearch studies` must not be told a broken run finished.
	if err := store.PutStudy(context.WithoutCancel(ctx), r.rec); err != nil && runErr == nil {
		r.err = err
	}
	return r, nil
}

func report(o *RunOptions, out *Outcome) error {
	if o.Report == nil {
		return nil
	}
	return o.Report(out)
}

// sortedTrials is a resumed study's finished trials in number order.
func sortedTrials(byNumber map[int]results.Trial) []results.Trial {
	trials := make([]results.Trial, 0, len(byNumber))
	for _, t := range byNumber {
		trials = append(trials, t)
	}
	slices.SortFunc(trials, func(a, b results.Trial) int { return a.Number - b.Number })
	return trials
}
