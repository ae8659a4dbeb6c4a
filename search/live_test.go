package search

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// fastLive saves live curves every few milliseconds for one test.
func fastLive(t *testing.T) {
	old := liveEvery
	liveEvery = 5 * time.Millisecond
	t.Cleanup(func() { liveEvery = old })
}

// liveEvaluator pushes one point per millisecond until its trial is
// stopped, then returns the trial ok with the last point's loss, as a
// stopped trial keeps what it has.
func liveEvaluator(t *testing.T) EvaluatorFunc {
	return func(ctx context.Context, task Task) (results.Trial, error) {
		if task.Live == nil {
			t.Error("a store that keeps live trials, but the task has no Live")
			return results.Trial{Status: results.StatusFailed}, nil
		}
		tr := results.Trial{Status: results.StatusOK}
		for it := 0; ; it++ {
			p := results.Point{Iteration: it, TrainLoss: 1 / float64(it+1), GradNorm: math.NaN(), ValidationLoss: math.NaN()}
			task.Live.Add(p)
			tr.History = append(tr.History, p)
			select {
			case <-task.Live.Stopped():
				tr.Value, tr.Iterations, tr.StopReason = results.Measured(p.TrainLoss), it, "user"
				return tr, nil
			case <-ctx.Done():
				return tr, ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	}
}

// waitForCurve polls the store as hpsearch serve does until the running
// trial shows at least n points, and returns them.
func waitForCurve(t *testing.T, s results.Store, study string, number, n int) []results.Point {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		_, trials, err := s.Study(context.Background(), study)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range trials {
			if tr.Number == number && tr.Status == results.StatusRunning && len(tr.History) >= n {
				return tr.History
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("trial %d of %s never showed %d points while running", number, study, n)
	return nil
}

// A Runner's running trial shows its curve in its store as it goes, and a
// stop asked for through the store ends it: the trial is stored ok, with
// what it had when it stopped.
func TestRunnerLiveCurveAndStop(t *testing.T) {
	fastLive(t)
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	store := newStore(t, "live")
	done := make(chan error, 1)
	var trials []results.Trial
	go func() {
		var err error
		trials, err = (&Runner{Study: "live", Strategy: &random{plan: Plan{Space: space}, total: 1}, Evaluator: liveEvaluator(t),
			Store: store, Parallelism: 1}).Run(context.Background())
		done <- err
	}()
	curve := waitForCurve(t, store, "live", 0, 5)
	for i, p := range curve {
		if p.Iteration != i {
			t.Fatalf("live point %d is iteration %d: points lost or out of order", i, p.Iteration)
		}
	}
	if err := store.RequestStop(context.Background(), "live", 0); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the stopped trial did not end within a minute")
	}
	if len(trials) != 1 || trials[0].Status != results.StatusOK || trials[0].StopReason != "user" {
		t.Fatalf("trials = %+v, want one ok trial stopped by the user", trials)
	}
	_, stored, err := store.Study(context.Background(), "live")
	if err != nil {
		t.Fatal(err)
	}
	if got := stored[0]; got.Status != results.StatusOK || len(got.History) != got.Iterations+1 {
		t.Errorf("stored trial: %s with %d points over %d iterations; want its whole final history", got.Status, len(got.History), got.Iterations)
	}
	if err := store.RequestStop(context.Background(), "live", 0); !errors.Is(err, results.ErrNotRunning) {
		t.Errorf("RequestStop(finished trial) = %v, want ErrNotRunning", err)
	}
}

// Without a store that keeps live trials, a task has no Live, and a Live
// curve pushed past livePoints stays bounded and evenly spaced.
func TestLiveBounded(t *testing.T) {
	l := newLive()
	const n = 10*livePoints + 3
	var (
		mirror   []results.Point
		replaces int
	)
	for i := range n {
		l.Add(results.Point{Iteration: i})
		if i%97 == 0 {
			pts, replace := l.take(nil)
			if replace {
				mirror, replaces = mirror[:0], replaces+1
			}
			mirror = append(mirror, pts...)
		}
	}
	pts, replace := l.take(nil)
	if replace {
		mirror = mirror[:0]
	}
	mirror = append(mirror, pts...)
	if len(mirror) > livePoints || len(mirror) < livePoints/2 || replaces == 0 {
		t.Fatalf("%d points followed after %d replaces; want at most %d, thinned", len(mirror), replaces, livePoints)
	}
	stride := mirror[1].Iteration - mirror[0].Iteration
	for i, p := range mirror {
		if p.Iteration != i*stride {
			t.Fatalf("point %d is iteration %d, want %d: not evenly spaced", i, p.Iteration, i*stride)
		}
	}

	w := &Worker{Queue: newLocalQueue(&Runner{Study: "s", Strategy: &random{total: 1}}, nil)}
	var task Task
	w.follow(context.Background(), &task)()
	if task.Live != nil {
		t.Error("a runner without a store gave its task a Live")
	}
}
