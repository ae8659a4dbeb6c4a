package search

import (
	"context"
	"errors"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// A study run here stops at the failure that takes it past MaxFailed: the
// trials still running are interrupted (stored as running, without a
// result), the error says how many failed and which failure crossed the
// limit, and no trial starts after it. (Which failure crosses it depends
// on timing, as it always has: the trials fail at once.)
func TestRunnerStopsAtTheFailureLimit(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	eval := EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
		if task.Number%2 == 1 { // runs until the stop interrupts it
			<-ctx.Done()
			return results.Trial{}, ctx.Err()
		}
		return results.Trial{Status: results.StatusFailed, Error: "broken"}, nil
	})
	store := newStore(t, "lim")
	trials, err := (&Runner{Study: "lim", Strategy: &random{plan: Plan{Space: space}, total: 40}, Evaluator: eval,
		Store: store, Parallelism: 4, MaxFailed: 2}).Run(context.Background())
	var limit *FailureLimitError
	if !errors.As(err, &limit) || limit.Failed != 3 || limit.Max != 2 || limit.Last.Status != results.StatusFailed {
		t.Fatalf("Run: %v (%+v); want a *FailureLimitError of 3 failures over 2", err, limit)
	}
	if len(trials) != 3 {
		t.Fatalf("%d trials finished; want the 3 failures", len(trials))
	}
	if n := limit.Last.Number; n != trials[0].Number && n != trials[1].Number && n != trials[2].Number {
		t.Fatalf("the last failure is trial %d, not one of those that finished", n)
	}
	_, stored, err := store.Study(context.Background(), "lim")
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, tr := range stored {
		if tr.Status == results.StatusRunning {
			running++
		}
	}
	if running == 0 || len(stored) != 3+running {
		t.Fatalf("stored %d trials, %d running; want the 3 failures and the interrupted trials, running", len(stored), running)
	}
}

// An earlier run's failures already past the limit stop nothing: only a
// new failure does.
func TestRunnerResumedPastTheLimitRuns(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	strat := func() Strategy { return &random{plan: Plan{Space: space}, total: 6} }
	failing := EvaluatorFunc(func(context.Context, Task) (results.Trial, error) {
		return results.Trial{Status: results.StatusFailed}, nil
	})
	first, err := (&Runner{Strategy: strat(), Evaluator: failing, Parallelism: 1}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	finished := map[int]results.Trial{}
	for _, tr := range first[:3] {
		finished[tr.Number] = tr
	}
	ok := EvaluatorFunc(func(context.Context, Task) (results.Trial, error) {
		return results.Trial{Status: results.StatusOK, Value: results.Measured(1)}, nil
	})
	trials, err := (&Runner{Strategy: strat(), Evaluator: ok, Parallelism: 2, Finished: finished, MaxFailed: 1}).Run(context.Background())
	if err != nil || len(trials) != 6 {
		t.Fatalf("Run: %d trials, %v; want all 6 and no error", len(trials), err)
	}
}
