package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// Run checks the behaviours every results.Store has, each as a subtest
// with a store of its own from open (an empty store; open registers its
// own cleanup). What depends on the store (which file or database errors
// name, migrations, SQL columns) is for the store's own tests.
func Run(t *testing.T, open func(t *testing.T) results.Store) {
	t.Run("TrialRoundTrip", func(t *testing.T) { testTrialRoundTrip(t, open(t)) })
	t.Run("MeasuredOrNot", func(t *testing.T) { RunMeasuredOrNot(t, open(t)) })
	t.Run("StudyRoundTripAndUpsert", func(t *testing.T) { testStudyRoundTrip(t, open(t)) })
	t.Run("PutTrialUpsert", func(t *testing.T) { testPutTrialUpsert(t, open(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, open(t)) })
	t.Run("StudiesOldestFirst", func(t *testing.T) { testStudiesOldestFirst(t, open(t)) })
	t.Run("Summaries", func(t *testing.T) { testSummaries(t, open(t)) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testConcurrentWriters(t, open(t)) })
}

// RunBadInput checks that a store which encodes its rows with
// results/rowcodec refuses what it cannot store faithfully, with the same
// messages whatever the store, and not as an unavailable store.
func RunBadInput(t *testing.T, open func(t *testing.T) results.Store) {
	s := open(t)
	ctx := context.Background()
	if err := s.PutStudy(ctx, Study("s", T0)); err != nil {
		t.Fatal(err)
	}
	badParam := FinishedTrial("s", 1)
	badParam.Params = results.Params{{Name: "n", Value: 3}} // int, not int64
	badTime := FinishedTrial("s", 2)
	badTime.Finished = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	badChoice := Study("s", T0)
	badChoice.Rounds[0].Ranges[1].Choices = []any{true}
	tests := []struct {
		name string
		put  func() error
		want string
	}{
		{"unsupported param type", func() error { return s.PutTrial(ctx, badParam) }, `param "n": unsupported value type int`},
		{"time past 2262", func() error { return s.PutTrial(ctx, badTime) }, "finished: time 2300"},
		{"no study name", func() error { return s.PutTrial(ctx, results.Trial{}) }, "empty study name"},
		{"unsupported choice type", func() error { return s.PutStudy(ctx, badChoice) }, "unsupported value type bool"},
		{"no study name (study)", func() error { return s.PutStudy(ctx, results.Study{}) }, "empty study name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.put()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
			if errors.Is(err, results.ErrUnavailable) {
				t.Errorf("a bad input is not a connection problem: %v", err)
			}
		})
	}
}

func testTrialRoundTrip(t *testing.T, s results.Store) {
	diverged := FinishedTrial("s", 1)
	diverged.Status, diverged.Value, diverged.TrainLoss = results.StatusDiverged, results.Measurement{}, results.Measured(math.Inf(1))
	diverged.StopReason = "diverged"

	failed := FinishedTrial("s", 2)
	failed.Status, failed.Error, failed.Value = results.StatusFailed, "exit status 2: \"boom\"\n", results.Measurement{}
	failed.History, failed.Params, failed.BestIteration = nil, nil, 0

	running := FinishedTrial("s", 3)
	running.Status, running.Finished, running.Value = results.StatusRunning, time.Time{}, results.Measurement{}
	running.History, running.Seed, running.BestIteration = nil, 0, 0

	odd := FinishedTrial("s", 4)
	odd.Params = results.Params{
		{Name: `quote"and\slash`, Value: "naïve \u2028 <html>"},
		{Name: "nan", Value: math.NaN()},
		{Name: "inf", Value: math.Inf(-1)},
		{Name: "big", Value: int64(math.MaxInt64)},
		{Name: "small", Value: int64(math.MinInt64)},
		{Name: "nanstring", Value: "NaN"},
		{Name: "negzero", Value: math.Copysign(0, -1)},
	}
	odd.Seed = math.MaxUint64
	odd.Accuracy = results.Measured(0.875)
	odd.Value = results.Measured(math.Inf(-1))
	odd.Number = -1                 // numbers are not validated here; they must still round-trip
	odd.BestIteration = math.MaxInt // 64 bits where int has them

	tests := []struct {
		name  string
		trial results.Trial
	}{
		{"finished, no accuracy, NaN in history, seed above 2^63", FinishedTrial("s", 0)},
		{"diverged: no value, infinite train loss", diverged},
		{"failed: no params, no history, error text", failed},
		{"running: zero finish time", running},
		{"awkward params, -Inf value and max seed", odd},
	}
	ctx := context.Background()
	if err := s.PutStudy(ctx, Study("s", T0)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.PutTrial(ctx, tc.trial); err != nil {
				t.Fatalf("PutTrial: %v", err)
			}
			_, trials, err := s.Study(ctx, "s")
			if err != nil {
				t.Fatalf("Study: %v", err)
			}
			got, ok := FindTrial(trials, tc.trial.Number)
			if !ok {
				t.Fatalf("trial %d not read back", tc.trial.Number)
			}
			AssertTrial(t, tc.trial, got)
		})
	}
	_, trials, err := s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(trials); i++ {
		if trials[i-1].Number >= trials[i].Number {
			t.Errorf("trials not ordered by number: #%d before #%d", trials[i-1].Number, trials[i].Number)
		}
	}
}

// RunMeasuredOrNot checks, on an empty store, that a zero Trial has
// measured nothing and a measured 0 is a value: each reads back as it was
// put, not as the other, and ranks as such. Run includes it; it is
// exported for the memory store, which keeps the rest of the contract
// except the order of Studies (ties go by creation, not by name).
func RunMeasuredOrNot(t *testing.T, s results.Store) {
	ctx := context.Background()
	if err := s.PutStudy(ctx, Study("s", T0)); err != nil {
		t.Fatal(err)
	}
	zero := results.Measured(0)
	puts := []results.Trial{
		{Study: "s", Number: 0, Status: results.StatusOK},
		{Study: "s", Number: 1, Status: results.StatusOK, Value: zero, TrainLoss: zero, Accuracy: zero},
	}
	for _, tr := range puts {
		if err := s.PutTrial(ctx, tr); err != nil {
			t.Fatalf("PutTrial %d: %v", tr.Number, err)
		}
	}
	_, trials, err := s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != len(puts) {
		t.Fatalf("got %d trials, want %d", len(trials), len(puts))
	}
	for i, want := range puts {
		got := trials[i]
		for _, m := range []struct {
			field     string
			got, want results.Measurement
		}{{"Value", got.Value, want.Value}, {"TrainLoss", got.TrainLoss, want.TrainLoss}, {"Accuracy", got.Accuracy, want.Accuracy}} {
			if m.got != m.want {
				t.Errorf("trial %d %s: read back %s, put %s", want.Number, m.field, describe(m.got), describe(m.want))
			}
		}
	}
	for _, goal := range []results.Goal{results.GoalMinimize, results.GoalMaximize} {
		if b, ok := results.Best(trials, goal); !ok || b.Number != 1 {
			t.Errorf("%s: best is trial %d (%v), want the measured 0 (trial 1), not the trial without a value", goal, b.Number, ok)
		}
	}
}

// describe names a measurement in a test message.
func describe(m results.Measurement) string {
	if !m.Measured() {
		return "no measurement"
	}
	return fmt.Sprintf("measured %g", m.Float())
}

func testStudyRoundTrip(t *testing.T, s results.Store) {
	ctx := context.Background()
	want := Study("s", T0)
	if err := s.PutStudy(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, trials, err := s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 0 {
		t.Errorf("got %d trials, want none", len(trials))
	}
	AssertStudy(t, want, got)

	// Upsert: the study finishes, gains a round and loses its config and
	// source; its trials stay.
	if err := s.PutTrial(ctx, FinishedTrial("s", 0)); err != nil {
		t.Fatal(err)
	}
	want.Status, want.Config, want.Source = "finished", "", ""
	want.Rounds = append(want.Rounds, results.Round{Round: 2, Best: 0.1, Median: 0.2})
	if err := s.PutStudy(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, trials, err = s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	AssertStudy(t, want, got)
	if len(trials) != 1 {
		t.Errorf("after updating the study: %d trials, want 1", len(trials))
	}
}

// A trial is put when it starts and again when it ends: still one trial,
// with the later record in full.
func testPutTrialUpsert(t *testing.T, s results.Store) {
	ctx := context.Background()
	if err := s.PutStudy(ctx, Study("s", T0)); err != nil {
		t.Fatal(err)
	}
	done := FinishedTrial("s", 7)
	started := results.Trial{Study: "s", Number: 7, Round: 1, Params: done.Params, Seed: done.Seed,
		Status: results.StatusRunning, Started: done.Started}
	progressed := done
	progressed.Status, progressed.Finished, progressed.History, progressed.Value = results.StatusRunning, time.Time{}, nil, results.Measurement{}
	progressed.BestIteration = 100 // the best so far, replaced by the final one
	for i, step := range []results.Trial{started, progressed, done} {
		if err := s.PutTrial(ctx, step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		_, trials, err := s.Study(ctx, "s")
		if err != nil {
			t.Fatal(err)
		}
		if len(trials) != 1 {
			t.Fatalf("step %d: got %d trials, want 1", i, len(trials))
		}
		AssertTrial(t, step, trials[0])
	}
}

func testNotFound(t *testing.T, s results.Store) {
	ctx := context.Background()
	if _, _, err := s.Study(ctx, "nope"); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("Study(missing) = %v, want ErrNotFound", err)
	}
	if err := s.PutTrial(ctx, FinishedTrial("nope", 0)); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("PutTrial(unknown study) = %v, want ErrNotFound", err)
	}
	if _, _, err := s.Study(ctx, "nope"); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("Study after a refused PutTrial = %v, want ErrNotFound", err)
	}
}

// studiesInOrder puts five studies out of order and returns them oldest
// first, as Studies must list them.
func studiesInOrder() (puts []results.Study, order string) {
	puts = []results.Study{
		Study("middle", T0.Add(time.Hour)),
		Study("newest", T0.Add(2*time.Hour)),
		Study("oldest-b", T0),
		Study("oldest-a", T0), // same time: ties go by name
		Study("no-date", time.Time{}),
	}
	return puts, "no-date oldest-a oldest-b middle newest"
}

func testStudiesOldestFirst(t *testing.T, s results.Store) {
	ctx := context.Background()
	if got, err := s.Studies(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: Studies = %v, %v", got, err)
	}
	puts, want := studiesInOrder()
	for _, st := range puts {
		if err := s.PutStudy(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Studies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range got {
		names = append(names, st.Name)
	}
	if strings.Join(names, " ") != want {
		t.Fatalf("Studies order = %v, want %s", names, want)
	}
	AssertStudy(t, puts[0], got[3])
}

// Summaries, when the store computes them itself, agree with
// results.Summarize over the trials, for both goals, with a tie for the
// best, a diverged trial and a running trial that would otherwise win.
func testSummaries(t *testing.T, s results.Store) {
	sum, ok := s.(results.Summarizer)
	if !ok {
		t.Skipf("%T is not a results.Summarizer", s)
	}
	ctx := context.Background()
	puts, order := studiesInOrder()
	puts[1].Goal = "maximize" // newest
	for _, st := range puts {
		if err := s.PutStudy(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"middle", "newest"} {
		for i, v := range []float64{0.5, 0.2, math.NaN(), 0.9, 0.2, 0.7} {
			tr := FinishedTrial(name, i)
			tr.Value = results.Measured(v)
			if i == 2 {
				tr.Status = results.StatusDiverged
			}
			if err := s.PutTrial(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
		for i, v := range []float64{0.01, 0.99} { // better than any ok trial, for either goal
			run := FinishedTrial(name, 8+i)
			run.Status, run.Value = results.StatusRunning, results.Measured(v)
			if err := s.PutTrial(ctx, run); err != nil {
				t.Fatal(err)
			}
		}
	}
	sums, err := sum.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range sums {
		names = append(names, x.Study.Name)
	}
	if strings.Join(names, " ") != order {
		t.Fatalf("Summaries order = %v, want %s", names, order)
	}
	for _, x := range sums {
		st, trials, err := s.Study(ctx, x.Study.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := results.Summarize(st, trials)
		if x.Done != want.Done || x.OK != want.OK || x.BestTrial != want.BestTrial || !SameFloat(x.Best, want.Best) {
			t.Errorf("summary of %s = %+v, want %+v", x.Study.Name, x, want)
		}
		AssertStudy(t, st, x.Study)
	}
	if got := sums[4]; got.BestTrial != 3 || got.Best != 0.9 || got.Done != 6 || got.OK != 5 {
		t.Errorf("maximize: %+v, want best trial 3 (0.9), 6 done, 5 ok", got)
	}
	if got := sums[3]; got.BestTrial != 1 || got.Best != 0.2 {
		t.Errorf("minimize: %+v, want best trial 1 (0.2, the first of a tie)", got)
	}
	if got := sums[0]; got.Done != 0 || got.OK != 0 || got.BestTrial != -1 || !math.IsNaN(got.Best) {
		t.Errorf("study without trials: %+v, want nothing done and a NaN best", got)
	}
}

// Eight goroutines put trials (running, then finished) and read the study
// alongside; every trial is there afterwards, in order.
func testConcurrentWriters(t *testing.T, s results.Store) {
	ctx := context.Background()
	if err := s.PutStudy(ctx, Study("s", T0)); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, 3*workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tr := FinishedTrial("s", w*each+i)
				running := tr
				running.Status, running.Finished, running.History = results.StatusRunning, time.Time{}, nil
				if err := s.PutTrial(ctx, running); err != nil {
					errs <- err
				}
				if err := s.PutTrial(ctx, tr); err != nil {
					errs <- err
				}
				if i%5 == 0 { // readers alongside the writers
					if _, _, err := s.Study(ctx, "s"); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, trials, err := s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != workers*each {
		t.Fatalf("got %d trials, want %d", len(trials), workers*each)
	}
	for i, tr := range trials {
		if tr.Number != i {
			t.Fatalf("trials[%d] is #%d, want #%d", i, tr.Number, i)
		}
		AssertTrial(t, FinishedTrial("s", i), tr)
	}
}
