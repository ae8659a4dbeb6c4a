package storetest

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// LiveStore is a store that keeps running trials' curves and users' stop
// requests (see package results' notes on live trials).
type LiveStore interface {
	results.Store
	RecordProgress(ctx context.Context, study string, number int, points []results.Point, replace bool) (stop bool, err error)
	RequestStop(ctx context.Context, study string, number int) error
}

// RunLive checks live trials: open returns two handles on one empty store
// (two processes, or two machines, sharing it; the same handle twice for
// a store of one process). The trial runs and reports through the first,
// and is watched and stopped through the second.
func RunLive(t *testing.T, open func(t *testing.T) (runner, watcher LiveStore)) {
	t.Run("ProgressReadWhileRunning", func(t *testing.T) { testLiveProgress(t, open) })
	t.Run("StopReachesTheRunningTrial", func(t *testing.T) { testLiveStop(t, open) })
	t.Run("StopRefusedUnlessRunning", func(t *testing.T) { testLiveStopRefused(t, open) })
	t.Run("FinishedTrialUntouched", func(t *testing.T) { testLiveFinished(t, open) })
}

// runningTrial is trial n of study as a run stores it when it starts.
func runningTrial(study string, n int) results.Trial {
	return results.Trial{Study: study, Number: n, Round: 1, Seed: uint64(n) + 7, Status: results.StatusRunning, Started: T0,
		Params: results.Params{{Name: "lr", Value: 0.01}}}
}

func livePoints(from, n int) []results.Point {
	out := make([]results.Point, n)
	for i := range out {
		it := from + i
		out[i] = results.Point{Iteration: it, TrainLoss: 1 / float64(it+1), GradNorm: 2 / float64(it+1), ValidationLoss: math.NaN()}
	}
	return out
}

// setUpLive stores a study with trial 0 finished, 1 running and 2 waiting.
func setUpLive(t *testing.T, s results.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutStudy(ctx, Study("live", T0)); err != nil {
		t.Fatal(err)
	}
	waiting := runningTrial("live", 2)
	waiting.Status = results.StatusWaiting
	for _, tr := range []results.Trial{FinishedTrial("live", 0), runningTrial("live", 1), waiting} {
		if err := s.PutTrial(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
}

func readTrial(t *testing.T, s results.Store, n int) results.Trial {
	t.Helper()
	_, trials, err := s.Study(context.Background(), "live")
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := FindTrial(trials, n)
	if !ok {
		t.Fatalf("trial %d not read back", n)
	}
	return tr
}

func samePoints(t *testing.T, what string, want, got []results.Point) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d points, want %d", what, len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.Iteration != g.Iteration || !SameFloat(w.TrainLoss, g.TrainLoss) || !SameFloat(w.GradNorm, g.GradNorm) ||
			!SameFloat(w.ValidationLoss, g.ValidationLoss) {
			t.Fatalf("%s: point %d is %+v, want %+v", what, i, g, w)
		}
	}
}

func testLiveProgress(t *testing.T, open func(t *testing.T) (LiveStore, LiveStore)) {
	run, watch := open(t)
	setUpLive(t, run)
	ctx := context.Background()
	want := livePoints(0, 3)
	if stop, err := run.RecordProgress(ctx, "live", 1, want, false); err != nil || stop {
		t.Fatalf("RecordProgress = %v, %v; want no stop, no error", stop, err)
	}
	more := livePoints(3, 2)
	if _, err := run.RecordProgress(ctx, "live", 1, more, false); err != nil {
		t.Fatal(err)
	}
	// Only the new points were sent; what is read is all of them, in order.
	want = append(want, more...)
	got := readTrial(t, watch, 1)
	if got.Status != results.StatusRunning {
		t.Errorf("status %s, want running", got.Status)
	}
	samePoints(t, "after two appends", want, got.History)
	// A poll with nothing new changes nothing.
	if _, err := run.RecordProgress(ctx, "live", 1, nil, false); err != nil {
		t.Fatal(err)
	}
	samePoints(t, "after an empty poll", want, readTrial(t, watch, 1).History)
	// Thinned: the history is replaced by what is sent.
	thinned := []results.Point{want[0], want[2], want[4]}
	if _, err := run.RecordProgress(ctx, "live", 1, thinned, true); err != nil {
		t.Fatal(err)
	}
	samePoints(t, "after a replace", thinned, readTrial(t, watch, 1).History)
}

func testLiveStop(t *testing.T, open func(t *testing.T) (LiveStore, LiveStore)) {
	run, watch := open(t)
	setUpLive(t, run)
	ctx := context.Background()
	if err := watch.RequestStop(ctx, "live", 1); err != nil {
		t.Fatalf("RequestStop(running trial) = %v", err)
	}
	if err := watch.RequestStop(ctx, "live", 1); err != nil {
		t.Fatalf("a second RequestStop = %v, want nil: asking twice is harmless", err)
	}
	stop, err := run.RecordProgress(ctx, "live", 1, livePoints(0, 1), false)
	if err != nil || !stop {
		t.Fatalf("RecordProgress after RequestStop = %v, %v; want stop", stop, err)
	}
	if stop, err := run.RecordProgress(ctx, "live", 1, nil, false); err != nil || !stop {
		t.Fatalf("a poll (no points) after RequestStop = %v, %v; want stop", stop, err)
	}
	// The trial stops and stores its result: the request is spent.
	res := FinishedTrial("live", 1)
	res.StopReason = "user"
	if err := run.PutTrial(ctx, res); err != nil {
		t.Fatal(err)
	}
	AssertTrial(t, res, readTrial(t, watch, 1))
	// Run again (a resumed study runs a trial left running): no stop
	// carries over from the earlier run.
	if err := run.PutTrial(ctx, runningTrial("live", 1)); err != nil {
		t.Fatal(err)
	}
	if stop, err := run.RecordProgress(ctx, "live", 1, nil, false); err != nil || stop {
		t.Errorf("RecordProgress of the trial run again = %v, %v; want no stop", stop, err)
	}
}

func testLiveStopRefused(t *testing.T, open func(t *testing.T) (LiveStore, LiveStore)) {
	run, watch := open(t)
	setUpLive(t, run)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		study  string
		number int
	}{
		{"finished", "live", 0},
		{"waiting", "live", 2},
		{"unknown trial", "live", 99},
		{"unknown study", "nope", 1},
	} {
		err := watch.RequestStop(ctx, tc.study, tc.number)
		if !errors.Is(err, results.ErrNotRunning) {
			t.Errorf("RequestStop(%s) = %v, want ErrNotRunning", tc.name, err)
		}
		if errors.Is(err, results.ErrUnavailable) {
			t.Errorf("RequestStop(%s) = %v: not a connection problem", tc.name, err)
		}
		if _, err := run.RecordProgress(ctx, tc.study, tc.number, livePoints(0, 1), false); !errors.Is(err, results.ErrNotRunning) {
			t.Errorf("RecordProgress(%s) = %v, want ErrNotRunning", tc.name, err)
		}
		if _, err := run.RecordProgress(ctx, tc.study, tc.number, nil, false); !errors.Is(err, results.ErrNotRunning) {
			t.Errorf("RecordProgress(%s, a poll) = %v, want ErrNotRunning", tc.name, err)
		}
	}
}

// A finished trial's row is what PutTrial stored: a late progress write
// (a flush racing the trial's end) neither changes it nor is kept.
func testLiveFinished(t *testing.T, open func(t *testing.T) (LiveStore, LiveStore)) {
	run, watch := open(t)
	setUpLive(t, run)
	ctx := context.Background()
	if _, err := run.RecordProgress(ctx, "live", 1, livePoints(0, 50), false); err != nil {
		t.Fatal(err)
	}
	res := FinishedTrial("live", 1)
	res.Finished = T0.Add(time.Minute)
	if err := run.PutTrial(ctx, res); err != nil {
		t.Fatal(err)
	}
	if _, err := run.RecordProgress(ctx, "live", 1, livePoints(50, 5), false); !errors.Is(err, results.ErrNotRunning) {
		t.Errorf("RecordProgress after the result = %v, want ErrNotRunning", err)
	}
	AssertTrial(t, res, readTrial(t, watch, 1))
}

// LiveQueue is a LiveStore whose trials are claimed by workers, which may
// die: their trials run again (results.MemoryQueue, results/postgres).
type LiveQueue interface {
	LiveStore
	Enqueue(ctx context.Context, study string, trials []results.Trial) error
	Claim(ctx context.Context, worker string, studies []string) (results.Lease, bool, error)
	Requeue(ctx context.Context, grace time.Duration, maxAttempts int) ([]results.Trial, error)
}

// RunLiveQueue checks that a trial claimed again, after its worker went
// silent, starts with neither the dead run's curve nor its stop request,
// and that a trial requeued waits with no curve.
func RunLiveQueue(t *testing.T, q LiveQueue) {
	ctx := context.Background()
	if err := q.PutStudy(ctx, Study("q", T0)); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(ctx, "q", []results.Trial{runningTrial("q", 0)}); err != nil {
		t.Fatal(err)
	}
	l, ok, err := q.Claim(ctx, "w1", nil)
	if err != nil || !ok {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if _, err := q.RecordProgress(ctx, "q", l.Trial.Number, livePoints(0, 4), false); err != nil {
		t.Fatal(err)
	}
	if err := q.RequestStop(ctx, "q", l.Trial.Number); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // w1 goes silent
	if _, err := q.Requeue(ctx, time.Millisecond, 3); err != nil {
		t.Fatal(err)
	}
	_, trials, err := q.Study(ctx, "q")
	if err != nil || len(trials) != 1 || trials[0].Status != results.StatusWaiting || trials[0].History != nil {
		t.Fatalf("the requeued trial = %+v, %v; want it waiting with no history", trials, err)
	}
	if err := q.RequestStop(ctx, "q", 0); !errors.Is(err, results.ErrNotRunning) {
		t.Errorf("RequestStop(waiting trial) = %v, want ErrNotRunning", err)
	}
	if _, ok, err := q.Claim(ctx, "w2", nil); err != nil || !ok {
		t.Fatalf("Claim again = %v, %v", ok, err)
	}
	more := livePoints(0, 2)
	stop, err := q.RecordProgress(ctx, "q", 0, more, false)
	if err != nil || stop {
		t.Errorf("RecordProgress of the new run = %v, %v; want no stop: the request was for the dead run", stop, err)
	}
	_, trials, err = q.Study(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	samePoints(t, "the new run's curve", more, trials[0].History)
}
