package search

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
)

// prunedJob is configs/iris-mlp.yaml over two rounds with early stopping
// of the given kind, as `hpsearch run` and `hpsearch worker` build it.
func prunedJob(t *testing.T, name, kind string) *Job {
	t.Helper()
	cfg, err := configs.Load("../configs/iris-mlp.yaml", []string{"trainer.max_iterations=270", "search.rounds=2",
		"search.early_stopping.kind=" + kind})
	if err != nil {
		t.Fatal(err)
	}
	return prunedConfigJob(t, cfg, name)
}

// prunedConfigJob is the shared job of a built-in trainer config with
// early stopping, with its pruner and report interval as `hpsearch run`
// and `hpsearch worker` set them.
func prunedConfigJob(tb testing.TB, cfg *configs.Config, study string) *Job {
	tb.Helper()
	obj, err := NewTrainerObjective(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	space, err := ConfigSpace(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	rule, ok := ConfigRule(cfg)
	if !ok {
		tb.Fatal("no early-stopping rule")
	}
	p, err := NewPruner(rule, false)
	if err != nil {
		tb.Fatal(err)
	}
	obj.ReportEvery(cfg.Search.EarlyStopping.Interval, rule.MaxResource)
	return &Job{Study: study, Seed: cfg.Seed, Evaluator: obj, Pruner: p,
		Strategy: func() (Strategy, error) { return NewStrategy(ConfigStrategy(cfg), space, nil) }}
}

// prunedReference runs the job in one process with a pruner of the same rule.
func prunedReference(t *testing.T, job *Job) []results.Trial {
	t.Helper()
	strat, err := job.Strategy()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPruner(job.Pruner.rule, false)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Study: job.Study, Seed: job.Seed, Strategy: strat, Evaluator: job.Evaluator, Parallelism: 3, Pruner: p}
	trials, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return trials
}

// assertSamePruning is assertSameTrials, and the same steps: each trial
// stopped where the one-process run stopped it, having reported the same.
func assertSamePruning(t *testing.T, want, got []results.Trial) {
	t.Helper()
	assertSameTrials(t, want, got)
	pruned := 0
	for i, w := range want {
		g := got[i]
		if g.Iterations != w.Iterations || fmt.Sprint(g.Reports) != fmt.Sprint(w.Reports) {
			t.Fatalf("trial %d: %s at %d iterations, reports %v; the one-process run: %s at %d, reports %v",
				w.Number, g.Status, g.Iterations, g.Reports, w.Status, w.Iterations, w.Reports)
		}
		if w.Status == results.StatusPruned {
			pruned++
		}
	}
	if pruned == 0 {
		t.Fatal("no trial was pruned: the test shows nothing")
	}
}

// serveAll runs one Worker per queue, each with its own pool as if on its
// own machine, until the study is complete.
func serveAll(t *testing.T, ctx context.Context, job *Job, qs []sharedStore, par int, trace *logs) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(qs))
	for i, s := range qs {
		w := &Worker{ID: fmt.Sprint("w", i), Store: s, Queue: s, Parallelism: par, Heartbeat: 50 * time.Millisecond,
			Grace: time.Second, Poll: 5 * time.Millisecond, Logf: trace.logf}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.Serve(ctx, []*Job{job})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v\n%s", i, err, trace.String())
		}
	}
}

// Workers sharing a study with early stopping prune the same trials at
// the same steps as one process with the same seed, with every rule and
// at any number of workers. One worker computing one trial at a time
// shows that a trial parked at a rung gives its slot back.
func TestWorkersSuccessiveHalvingAsOneProcess(t *testing.T) {
	pruneAsOneProcess(t, SuccessiveHalving, 3, 2)
	pruneAsOneProcess(t, SuccessiveHalving, 1, 1)
}

func TestWorkersHyperbandAsOneProcess(t *testing.T) { pruneAsOneProcess(t, Hyperband, 2, 2) }

func TestWorkersMedianRuleAsOneProcess(t *testing.T) { pruneAsOneProcess(t, MedianRule, 3, 1) }

func pruneAsOneProcess(t *testing.T, kind string, workers, par int) {
	t.Helper()
	onBackends(t, func(t *testing.T, open backend) {
		ctx := context.Background()
		study := fmt.Sprintf("prune-%s-%dx%d", kind, workers, par)
		job := prunedJob(t, study, kind)
		want := prunedReference(t, job)
		var qs []sharedStore
		for range workers {
			qs = append(qs, open(t))
		}
		putStudy(t, qs[0], study)
		var trace logs
		start := time.Now()
		serveAll(t, ctx, job, qs, par, &trace)
		t.Logf("%s: %d workers × %d: %s", kind, workers, par, time.Since(start))
		st, got, err := qs[0].Study(ctx, study)
		if err != nil {
			t.Fatal(err)
		}
		assertSamePruning(t, want, got)
		if st.Status != "finished" {
			t.Errorf("study status %s, want finished", st.Status)
		}
	})
}

// mortal is a worker's store that dies with it: once dead, nothing it
// does reaches the store any more (no result, no giving back), as when its
// machine is switched off.
type mortal struct {
	sharedStore
	reports atomic.Int32
	after   int32 // reports before it dies
	die     func()
	dead    atomic.Bool
}

func (m *mortal) AddReport(ctx context.Context, l results.Lease, step int, value float64) (bool, error) {
	if m.reports.Add(1) == m.after {
		m.dead.Store(true)
		m.die()
	}
	if m.dead.Load() {
		return false, fmt.Errorf("report: %w: host is down", results.ErrUnavailable)
	}
	return m.sharedStore.AddReport(ctx, l, step, value)
}

func (m *mortal) Finish(ctx context.Context, l results.Lease, t results.Trial) (bool, error) {
	if m.dead.Load() {
		return false, nil
	}
	return m.sharedStore.Finish(ctx, l, t)
}

func (m *mortal) Release(ctx context.Context, l results.Lease) error {
	if m.dead.Load() {
		return nil
	}
	return m.sharedStore.Release(ctx, l)
}

// A worker that dies in the middle of a study with early stopping leaves
// trials running, with reports stored: they are requeued after the grace
// period, run again from the start, and the study still prunes exactly as
// one process does.
func TestWorkerDiesWhilePruning(t *testing.T) {
	onBackends(t, func(t *testing.T, open backend) {
		for _, kind := range []string{SuccessiveHalving, MedianRule} {
			t.Run(kind, func(t *testing.T) {
				ctx := context.Background()
				study := "dies-" + kind
				job := prunedJob(t, study, kind)
				want := prunedReference(t, job)
				s := open(t)
				putStudy(t, s, study)

				var trace logs
				dctx, die := context.WithCancel(ctx)
				defer die()
				m := &mortal{sharedStore: open(t), after: 12, die: die}
				doomed := &Worker{ID: "doomed", Store: m, Queue: m, Parallelism: 2, Heartbeat: 50 * time.Millisecond,
					Grace: 300 * time.Millisecond, Poll: 5 * time.Millisecond, Logf: trace.logf}
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = doomed.Serve(dctx, []*Job{job})
				}()
				// The survivors join once the doomed worker holds trials.
				waitFor(t, "the doomed worker to report", func() bool { return m.reports.Load() > 0 })
				start := time.Now()
				var survivors []*Worker
				for i := range 2 {
					o := open(t)
					survivors = append(survivors, &Worker{ID: fmt.Sprint("w", i), Store: o, Queue: o, Parallelism: 2,
						Heartbeat: 50 * time.Millisecond, Grace: 300 * time.Millisecond, Poll: 5 * time.Millisecond, Logf: trace.logf})
				}
				errs := make([]error, len(survivors))
				for i, w := range survivors {
					wg.Add(1)
					go func() {
						defer wg.Done()
						errs[i] = w.Serve(ctx, []*Job{job})
					}()
				}
				wg.Wait()
				t.Logf("survivors took %s", time.Since(start))
				for i, err := range errs {
					if err != nil {
						t.Fatalf("worker %d: %v\n%s", i, err, trace.String())
					}
				}
				if !m.dead.Load() {
					t.Fatal("the doomed worker never died")
				}
				_, got, err := s.Study(ctx, study)
				if err != nil {
					t.Fatal(err)
				}
				assertSamePruning(t, want, got)
				if !strings.Contains(trace.String(), "worker doomed stopped sending heartbeats") {
					t.Errorf("none of the doomed worker's trials ran again:\n%s", trace.String())
				}
			})
		}
	})
}

// A study that stops for too many failed trials while trials wait at a
// rung for trials that will now never run: the waiting ones are given
// back (to run again once the stop is lifted) and the worker returns.
func TestPrunedStudyStopsAtTheFailureLimit(t *testing.T) {
	ctx := context.Background()
	onBackends(t, func(t *testing.T, open backend) {
		s := limitedStudy(t, open, "prune-lim", 1)
		job := prunedJob(t, "prune-lim", SuccessiveHalving)
		failTrials(job, 1, 2)
		var trace logs
		w := &Worker{ID: "w", Store: s, Queue: s, Parallelism: 1, Heartbeat: 50 * time.Millisecond,
			Grace: time.Second, Poll: 5 * time.Millisecond, Logf: trace.logf}
		serveWithin(t, ctx, w, []*Job{job}, 20*time.Second, "a trial waits at its rung for ever", &trace)
		st, trials, err := s.Study(ctx, "prune-lim")
		if err != nil {
			t.Fatal(err)
		}
		if n := countStatus(trials); st.Status != results.StudyFailed || n[results.StatusRunning] != 0 || n[results.StatusFailed] != 2 {
			t.Errorf("study %s with %v; want stopped, 2 failed, none left running\n%s", st.Status, n, trace.String())
		}
		if !strings.Contains(trace.String(), "trial 0 of prune-lim: stopped (its study stopped") {
			t.Errorf("trial 0 was not given back:\n%s", trace.String())
		}
		if p, err := s.Progress(ctx, "prune-lim", 0); err != nil || p[0].Status != results.StatusWaiting || len(p[0].Reports) != 0 || p[0].Attempt != 0 {
			t.Errorf("trial 0 after the stop: %+v, %v; want waiting, as never run", p, err)
		}
	})
}
