package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// limitJob is a two-round coarse-to-fine study of 20 trials a round whose
// trials all fail (broken) or all succeed.
func limitJob(t testing.TB, name string, broken bool, ran *atomic.Int32) *Job {
	t.Helper()
	space := mustSpace(t, Dim{Name: "learning_rate", Dist: LogUniform, Low: 1e-4, High: 1})
	return &Job{
		Study: name, Seed: distSeed,
		Evaluator: EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
			ran.Add(1)
			time.Sleep(5 * time.Millisecond) // let the workers overlap
			if broken {
				return results.Trial{}, errors.New("exit status 3: ImportError")
			}
			lr, _ := task.Params.Get("learning_rate")
			return results.Trial{Status: results.StatusOK, Value: results.Measured(lr.(float64)), Iterations: 1}, nil
		}),
		Strategy: func() (Strategy, error) {
			return newCoarseToFine(Plan{Space: space, Seed: distSeed, Goal: "minimize"}, 2, 20, 0.25)
		},
	}
}

// limitedStudy stores study name with a limit of max failed trials in a
// fresh shared store, and returns it.
func limitedStudy(t *testing.T, open backend, name string, max int) sharedStore {
	t.Helper()
	s := open(t)
	putStudy(t, s, name)
	if _, err := s.LimitFailures(context.Background(), name, max); err != nil {
		t.Fatal(err)
	}
	return s
}

func countStatus(trials []results.Trial) map[results.Status]int {
	n := map[results.Status]int{}
	for _, t := range trials {
		n[t.Status]++
	}
	return n
}

// Three workers of two slots share a study whose every trial fails, with a
// failure limit of 2: it stops once its third failure is stored, give or
// take the trials the other five slots were running then; each worker logs
// the stop once and returns; every trial that ran is stored; the rest
// wait. A waiting worker (Discover) that left the stopped study serves it
// again once the stop is lifted (run --resume), and it completes.
func TestWorkersStopAtTheFailureLimit(t *testing.T) {
	ctx := context.Background()
	onBackends(t, func(t *testing.T, open backend) {
		s := limitedStudy(t, open, "lim", 2)
		const workers, par = 3, 2
		var (
			wg     sync.WaitGroup
			ran    atomic.Int32
			errs   = make([]error, workers)
			traces = make([]logs, workers)
		)
		for i := range workers {
			ws := open(t)
			w := &Worker{ID: fmt.Sprint("w", i), Store: ws, Queue: ws, Parallelism: par, Heartbeat: 50 * time.Millisecond,
				Grace: time.Second, Poll: 10 * time.Millisecond, Logf: traces[i].logf}
			job := limitJob(t, "lim", true, &ran)
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.Serve(ctx, []*Job{job})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("worker %d: %v\n%s", i, err, traces[i].String())
			}
			if n := strings.Count(traces[i].String(), "study lim stopped: "); n != 1 ||
				!strings.Contains(traces[i].String(), "trials failed (search.max_failed_trials: 2)") {
				t.Errorf("worker %d logged the stop %d times, want once:\n%s", i, n, traces[i].String())
			}
		}
		st, trials, err := s.Study(ctx, "lim")
		if err != nil {
			t.Fatal(err)
		}
		n := countStatus(trials)
		if st.Status != results.StudyFailed {
			t.Fatalf("study status %s, want %s", st.Status, results.StudyFailed)
		}
		if maxFailed := 3 + workers*par - 1; n[results.StatusFailed] < 3 || n[results.StatusFailed] > maxFailed {
			t.Errorf("%d trials failed, want 3 to %d (the third, and those running then)", n[results.StatusFailed], maxFailed)
		}
		if int(ran.Load()) != n[results.StatusFailed] || n[results.StatusRunning] != 0 || n[results.StatusWaiting] != 20-n[results.StatusFailed] {
			t.Errorf("%d trials ran; stored %v: want every one that ran stored as failed, the rest of round 0 waiting", ran.Load(), n)
		}
		stoppedAt := n[results.StatusFailed]
		t.Logf("stopped with %d failed trials", stoppedAt)

		// A --wait worker finds the study stopped and leaves it ...
		var trace logs
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		good := limitJob(t, "lim", false, &ran)
		w := &Worker{ID: "waiter", Store: s, Queue: s, Parallelism: par, Heartbeat: 50 * time.Millisecond,
			Grace: time.Second, Poll: 10 * time.Millisecond, Logf: trace.logf,
			Discover: func(context.Context) ([]*Job, error) { return []*Job{good}, nil }}
		done := make(chan error, 1)
		go func() { done <- w.Serve(wctx, nil) }()
		waitFor(t, "the waiting worker to see the stop", func() bool { return strings.Contains(trace.String(), "study lim stopped") })
		// ... and serves it again when it is resumed, to the end.
		if lifted, err := s.LimitFailures(ctx, "lim", 2); err != nil || !lifted {
			t.Fatalf("LimitFailures = %v, %v; want the stop lifted", lifted, err)
		}
		waitFor(t, "the resumed study to finish", func() bool {
			st, _, err := s.Study(ctx, "lim")
			return err == nil && st.Status == "finished"
		})
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("waiting worker: %v", err)
		}
		_, trials, err = s.Study(ctx, "lim")
		if err != nil {
			t.Fatal(err)
		}
		n = countStatus(trials)
		if n[results.StatusFailed] != stoppedAt || n[results.StatusOK] != 40-stoppedAt || len(trials) != 40 {
			t.Errorf("resumed study: %v; want the %d failures kept and the other %d trials ok\n%s", n, stoppedAt, 40-stoppedAt, trace.String())
		}
		if !strings.Contains(trace.String(), "study lim was resumed") {
			t.Errorf("the waiting worker did not say it took the study up again:\n%s", trace.String())
		}
	})
}

// A study whose failures stay within its limit is not stopped: it
// completes, as without a limit.
func TestFailuresWithinTheLimitComplete(t *testing.T) {
	ctx := context.Background()
	onBackends(t, func(t *testing.T, open backend) {
		s := limitedStudy(t, open, "few", 2)
		var ran atomic.Int32
		job := limitJob(t, "few", false, &ran)
		failTrials(job, 3, 25)
		var trace logs
		w := &Worker{ID: "w", Store: s, Queue: s, Parallelism: 3, Heartbeat: 50 * time.Millisecond,
			Grace: time.Second, Poll: 10 * time.Millisecond, Logf: trace.logf}
		if err := w.Serve(ctx, []*Job{job}); err != nil {
			t.Fatal(err)
		}
		st, trials, err := s.Study(ctx, "few")
		if err != nil {
			t.Fatal(err)
		}
		if n := countStatus(trials); st.Status != "finished" || n[results.StatusFailed] != 2 || n[results.StatusOK] != 38 {
			t.Errorf("study %s with %v; want finished, 2 failed, 38 ok\n%s", st.Status, n, trace.String())
		}
		if strings.Contains(trace.String(), "stopped") {
			t.Errorf("a study within its limit was reported stopped:\n%s", trace.String())
		}
	})
}

// waitFor polls cond every 10ms for up to 20s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
