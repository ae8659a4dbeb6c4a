package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

const (
	distSeed   = 7
	distRounds = 3
	distPer    = 8
)

// distJob is a three-round coarse-to-fine study whose trials score by a
// smooth function of the parameters plus a little seed-dependent noise, so
// a trial run with the wrong seed shows.
func distJob(t testing.TB, name string) *Job {
	t.Helper()
	space := mustSpace(t,
		Dim{Name: "learning_rate", Dist: LogUniform, Low: 1e-4, High: 1},
		Dim{Name: "optimizer", Dist: Choice, Choices: []any{"gd", "adam"}})
	eval := EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
		lr, _ := task.Params.Get("learning_rate")
		v := math.Abs(math.Log10(lr.(float64))+2) + float64(task.Seed%1000)/1e6
		return results.Trial{Status: results.StatusOK, Value: results.Measured(v), TrainLoss: results.Measured(v), Iterations: 1}, nil
	})
	return &Job{
		Study: name, Seed: distSeed, Evaluator: eval,
		Strategy: func() (Strategy, error) {
			return newCoarseToFine(Plan{Space: space, Seed: distSeed, Goal: "minimize"}, distRounds, distPer, 0.25)
		},
	}
}

// reference runs the job in one process, as `hpsearch run` does with SQLite.
func reference(t *testing.T, job *Job) []results.Trial {
	t.Helper()
	strat, err := job.Strategy()
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Study: job.Study, Seed: job.Seed, Strategy: strat, Evaluator: job.Evaluator, Parallelism: 3}
	trials, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return trials
}

func putStudy(t testing.TB, s results.Store, name string) {
	t.Helper()
	if err := s.PutStudy(context.Background(), results.Study{Name: name, Goal: "minimize", Status: "running"}); err != nil {
		t.Fatal(err)
	}
}

// logs collects a worker's log lines.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func assertSameTrials(t *testing.T, want, got []results.Trial) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d trials, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Number != w.Number || g.Round != w.Round || g.Seed != w.Seed || g.Status != w.Status ||
			g.Value != w.Value || fmt.Sprint(g.Params) != fmt.Sprint(w.Params) {
			t.Fatalf("trial %d differs from the one-process run:\n got %+v\nwant %+v", w.Number, g, w)
		}
	}
}

// Three workers, each with its own connection pool as if on its own
// machine, share one study: each trial runs once, rounds advance whoever
// finished them, and the study equals a one-process run.
func TestWorkersShareAStudy(t *testing.T) {
	onBackends(t, func(t *testing.T, open backend) {
		ctx := context.Background()
		job := distJob(t, "shared")
		want := reference(t, job)
		putStudy(t, open(t), "shared")

		var (
			wg    sync.WaitGroup
			ran   atomic.Int32
			errs  = make([]error, 3)
			trace logs
		)
		for i := range errs {
			counting := *job
			counting.Evaluator = EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
				ran.Add(1)
				time.Sleep(time.Millisecond) // let the workers interleave
				return job.Evaluator.Evaluate(ctx, task)
			})
			s := open(t)
			w := &Worker{ID: fmt.Sprint("w", i), Store: s, Queue: s, Parallelism: 2, Heartbeat: 50 * time.Millisecond,
				Grace: time.Second, Poll: 10 * time.Millisecond, Logf: trace.logf}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.Serve(ctx, []*Job{&counting})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("worker %d: %v\n%s", i, err, trace.String())
			}
		}
		if n := ran.Load(); n != distRounds*distPer {
			t.Errorf("%d evaluations for %d trials: some trial ran twice or never\n%s", n, distRounds*distPer, trace.String())
		}
		st, got, err := open(t).Study(ctx, "shared")
		if err != nil {
			t.Fatal(err)
		}
		assertSameTrials(t, want, got)
		if st.Status != "finished" || len(st.Rounds) != distRounds {
			t.Errorf("study record: status %s, %d rounds; want finished with %d", st.Status, len(st.Rounds), distRounds)
		}
	})
}

// A worker that claimed a trial and went silent: after the grace period
// another worker runs it with the same seed, and the study still equals
// the one-process run.
func TestSilentWorkersTrialIsRetried(t *testing.T) {
	onBackends(t, func(t *testing.T, open backend) {
		ctx := context.Background()
		job := distJob(t, "silent")
		want := reference(t, job)
		s := open(t)
		putStudy(t, s, "silent")
		// The ghost proposes round 0 (as a worker would) and claims trial 0.
		if _, err := s.Propose(ctx, "silent", func(ctx context.Context) error {
			_, err := replay(ctx, s, s, job)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		lost, ok, err := s.Claim(ctx, "ghost", nil)
		if err != nil || !ok || lost.Trial.Number != 0 {
			t.Fatalf("ghost claim: %+v %v %v", lost, ok, err)
		}
		var trace logs
		w := &Worker{ID: "live", Store: s, Queue: s, Parallelism: 2, Heartbeat: 50 * time.Millisecond,
			Grace: 300 * time.Millisecond, Poll: 10 * time.Millisecond, Logf: trace.logf}
		if err := w.Serve(ctx, []*Job{job}); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Finish(ctx, lost, results.Trial{Status: results.StatusOK, Value: results.Measured(-1)}); err != nil || ok {
			t.Errorf("the ghost's late result = %v, %v; want refused", ok, err)
		}
		_, got, err := s.Study(ctx, "silent")
		if err != nil {
			t.Fatal(err)
		}
		assertSameTrials(t, want, got)
		if !strings.Contains(trace.String(), "trial 0 of silent runs again: worker ghost stopped sending heartbeats (attempt 1 of 4)") {
			t.Errorf("the requeue was not logged:\n%s", trace.String())
		}
	})
}

// flaky fails every other one of its first claims and finishes as an
// unreachable store would.
type flaky struct {
	sharedStore
	calls atomic.Int32
}

const flakyFailures = 6

func (f *flaky) down() error {
	if n := f.calls.Add(1); n%2 == 1 && n < 2*flakyFailures {
		return fmt.Errorf("store: %w: connection refused", results.ErrUnavailable)
	}
	return nil
}

func (f *flaky) Claim(ctx context.Context, w string, s []string) (results.Lease, bool, error) {
	if err := f.down(); err != nil {
		return results.Lease{}, false, err
	}
	return f.sharedStore.Claim(ctx, w, s)
}

func (f *flaky) Finish(ctx context.Context, l results.Lease, t results.Trial) (bool, error) {
	if err := f.down(); err != nil {
		return false, err
	}
	return f.sharedStore.Finish(ctx, l, t)
}

// A store that keeps dropping out is retried with a log line each time;
// no trial is lost or reported twice.
func TestWorkerRetriesAnUnreachableStore(t *testing.T) {
	onBackends(t, func(t *testing.T, open backend) {
		ctx := context.Background()
		job := distJob(t, "flaky")
		want := reference(t, job)
		s := &flaky{sharedStore: open(t)}
		putStudy(t, s, "flaky")
		var trace logs
		w := &Worker{ID: "w", Store: s, Queue: s, Parallelism: 1, Heartbeat: 50 * time.Millisecond,
			Grace: time.Second, Poll: 10 * time.Millisecond, Logf: trace.logf}
		if err := w.Serve(ctx, []*Job{job}); err != nil {
			t.Fatal(err)
		}
		_, got, err := s.Study(ctx, "flaky")
		if err != nil {
			t.Fatal(err)
		}
		assertSameTrials(t, want, got)
		if n := strings.Count(trace.String(), "connection refused; retrying in"); n != flakyFailures {
			t.Errorf("%d retry lines, want one per failure (%d):\n%s", n, flakyFailures, trace.String())
		}
	})
}

func TestWorkerRefusesBadSettings(t *testing.T) {
	s := results.NewMemoryStore()
	q := &flaky{}
	for _, w := range []*Worker{
		{Store: s, Queue: q},
		{ID: "w", Store: s, Queue: q, Heartbeat: time.Second, Grace: time.Second},
		{ID: "w", Store: s, Queue: q, MaxAttempts: -1},
	} {
		err := w.Serve(context.Background(), nil)
		if err == nil || errors.Is(err, context.Canceled) {
			t.Errorf("Serve with %+v = %v, want a settings error", w, err)
		}
	}
}

// A stored trial that differs from what the config proposes means the
// study was made from another config: refused, not silently mixed.
func TestReplayRefusesAnotherConfig(t *testing.T) {
	onBackends(t, func(t *testing.T, open backend) {
		ctx := context.Background()
		s := open(t)
		putStudy(t, s, "mixed")
		job := distJob(t, "mixed")
		strat, _ := job.Strategy()
		batch, _ := strat.Ask()
		odd := results.Trial{Study: "mixed", Number: batch[0].Number, Params: results.Params{{Name: "learning_rate", Value: 0.5}},
			Status: results.StatusOK, Value: results.Measured(1)}
		if err := s.PutTrial(ctx, odd); err != nil {
			t.Fatal(err)
		}
		w := &Worker{ID: "w", Store: s, Queue: s, Parallelism: 1, Poll: 10 * time.Millisecond}
		err := w.Serve(ctx, []*Job{job})
		if err == nil || !strings.Contains(err.Error(), "made from another config") {
			t.Fatalf("Serve = %v, want a refusal naming the config", err)
		}
	})
}

// unstorable cannot store trial 0's first result, as if the store were
// unreachable for that trial for longer than the grace period.
type unstorable struct {
	sharedStore
}

func (u unstorable) Finish(ctx context.Context, l results.Lease, t results.Trial) (bool, error) {
	if l.Trial.Number == 0 && l.Attempt == 1 {
		return false, fmt.Errorf("finish: %w: connection reset", results.ErrUnavailable)
	}
	return u.sharedStore.Finish(ctx, l, t)
}

// A result that cannot be stored within the grace period is given up:
// its trial stops getting heartbeats, goes back to waiting and runs again
// (here on the same worker), and the study still completes as it should.
func TestUnstorableResultRunsAgain(t *testing.T) {
	onBackends(t, func(t *testing.T, open backend) {
		ctx := context.Background()
		job := distJob(t, "unstorable")
		want := reference(t, job)
		s := unstorable{open(t)}
		putStudy(t, s, "unstorable")
		var trace logs
		w := &Worker{ID: "w", Store: s, Queue: s, Parallelism: 2, Heartbeat: 50 * time.Millisecond,
			Grace: 300 * time.Millisecond, Poll: 10 * time.Millisecond, Logf: trace.logf}
		serveWithin(t, ctx, w, []*Job{job}, 30*time.Second, "the given-up trial kept its heartbeat", &trace)
		_, got, err := s.Study(ctx, "unstorable")
		if err != nil {
			t.Fatal(err)
		}
		assertSameTrials(t, want, got)
		for _, line := range []string{"trial 0 of unstorable: not stored", "trial 0 of unstorable runs again"} {
			if !strings.Contains(trace.String(), line) {
				t.Errorf("log lacks %q:\n%s", line, trace.String())
			}
		}
	})
}

// failTrials makes the trials numbered numbers fail, as a broken training
// program would; the others run as before.
func failTrials(job *Job, numbers ...int) {
	ok := job.Evaluator
	job.Evaluator = EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
		if slices.Contains(numbers, task.Number) {
			return results.Trial{}, errors.New("exit status 3")
		}
		return ok.Evaluate(ctx, task)
	})
}

// serveWithin runs w on jobs and fails if it does not return, without an
// error, within limit; hang says what a hang would mean.
func serveWithin(t *testing.T, ctx context.Context, w *Worker, jobs []*Job, limit time.Duration, hang string, trace *logs) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx, jobs) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(limit):
		t.Fatalf("the worker never returned: %s\n%s", hang, trace.String())
	}
}
