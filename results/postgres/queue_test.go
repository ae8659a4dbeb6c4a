package postgres

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
	"github.com/hpsearch/hpsearch/results/storetest"
)

// queueStudy opens a store holding study "q" with n waiting trials.
func queueStudy(t *testing.T, n int) (*Store, string) {
	t.Helper()
	s, url := openTest(t)
	ctx := context.Background()
	if err := s.PutStudy(ctx, storetest.Study("q", storetest.T0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, "q", waitingTrials("q", 0, n)); err != nil {
		t.Fatal(err)
	}
	return s, url
}

func mustClaim(t *testing.T, s *Store, worker string) results.Lease {
	t.Helper()
	l, ok, err := s.Claim(context.Background(), worker, nil)
	if err != nil || !ok {
		t.Fatalf("Claim(%s) = %v, %v; want a trial", worker, ok, err)
	}
	return l
}

func result(v float64) results.Trial {
	return results.Trial{Status: results.StatusOK, Value: results.Measured(v), TrainLoss: results.Measured(v),
		Iterations: 10, BestIteration: 7, StopReason: "max_iterations", Started: storetest.T0, Finished: storetest.T0.Add(time.Second)}
}

// age makes every running trial's heartbeat d old, as if its worker had
// gone silent d ago.
func age(t *testing.T, url string, d time.Duration) {
	t.Helper()
	if _, err := rawConn(t, url).Exec(context.Background(),
		`UPDATE trials SET heartbeat = now() - make_interval(secs => $1) WHERE status = 'running'`, d.Seconds()); err != nil {
		t.Fatal(err)
	}
}

func TestEnqueueIsIdempotent(t *testing.T) {
	s, _ := queueStudy(t, 4)
	ctx := context.Background()
	l := mustClaim(t, s, "w1")
	if ok, err := s.Finish(ctx, l, result(0.5)); err != nil || !ok {
		t.Fatalf("Finish = %v, %v", ok, err)
	}
	// Proposing the same batch again (and one more) changes nothing stored.
	again := waitingTrials("q", 0, 5)
	again[0].Params = results.Params{{Name: "lr", Value: 99.0}}
	if err := s.Enqueue(ctx, "q", again); err != nil {
		t.Fatal(err)
	}
	_, trials, err := s.Study(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 5 {
		t.Fatalf("%d trials after enqueueing twice, want 5", len(trials))
	}
	if trials[0].Status != results.StatusOK || trials[0].Value != results.Measured(0.5) || trials[0].BestIteration != 7 || trials[0].Params[0].Value != 0.0 {
		t.Errorf("the finished trial was touched by a second Enqueue: %+v", trials[0])
	}
	want := waitingTrials("q", 0, 5)
	for _, tr := range trials[1:] {
		w := want[tr.Number]
		w.Status, w.Value, w.TrainLoss, w.Accuracy = results.StatusWaiting, results.Measurement{}, results.Measurement{}, results.Measurement{}
		storetest.AssertTrial(t, w, tr)
	}
	if err := s.Enqueue(ctx, "q", nil); err != nil {
		t.Errorf("Enqueue of nothing: %v", err)
	}
}

// Eight claimers race for 40 trials: each trial is claimed exactly once,
// and claims come lowest number first.
func TestClaimIsExclusive(t *testing.T) {
	const trials, claimers = 40, 8
	s, _ := queueStudy(t, trials)
	ctx := context.Background()
	var (
		mu      sync.Mutex
		claimed = map[int][]string{}
		wg      sync.WaitGroup
		errs    atomic.Int32
	)
	for w := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("w", w)
			for {
				l, ok, err := s.Claim(ctx, name, []string{"q"})
				if err != nil {
					t.Error(err)
					errs.Add(1)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				claimed[l.Trial.Number] = append(claimed[l.Trial.Number], name)
				mu.Unlock()
				if l.Attempt != 1 || l.Trial.Seed != uint64(1000+l.Trial.Number) || l.Trial.Status != results.StatusRunning {
					t.Errorf("lease %+v: want attempt 1, seed %d, running", l, 1000+l.Trial.Number)
				}
				if ok, err := s.Finish(ctx, l, result(float64(l.Trial.Number))); err != nil || !ok {
					t.Errorf("Finish %d = %v, %v", l.Trial.Number, ok, err)
				}
			}
		}()
	}
	wg.Wait()
	if len(claimed) != trials {
		t.Fatalf("%d trials claimed, want %d", len(claimed), trials)
	}
	for n, who := range claimed {
		if len(who) != 1 {
			t.Errorf("trial %d claimed by %v", n, who)
		}
	}
	_, stored, err := s.Study(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range stored {
		if tr.Status != results.StatusOK || tr.Value != results.Measured(float64(tr.Number)) {
			t.Errorf("trial %d stored as %s %v", tr.Number, tr.Status, tr.Value.Float())
		}
	}
}

func TestClaimOrderAndStudies(t *testing.T) {
	s, _ := queueStudy(t, 3)
	ctx := context.Background()
	if err := s.PutStudy(ctx, storetest.Study("other", storetest.T0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, "other", waitingTrials("other", 0, 1)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		l, ok, err := s.Claim(ctx, "w", []string{"q"})
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, fmt.Sprint(l.Trial.Study, l.Trial.Number))
	}
	if strings.Join(got, " ") != "q0 q1 q2" {
		t.Errorf("claims of study q: %v, want q0 q1 q2 (lowest number first, no other study)", got)
	}
	l, ok, err := s.Claim(ctx, "w", nil)
	if err != nil || !ok || l.Trial.Study != "other" {
		t.Errorf("Claim of any study = %+v, %v, %v; want other's trial", l, ok, err)
	}
	if _, _, err := s.Claim(ctx, "", nil); err == nil {
		t.Error("Claim with no worker name succeeded")
	}
}

// A worker that went silent loses its trial: it waits again with the
// attempt counted, and after the last attempt it fails. Its late result is
// refused; the new claimer's is stored once.
func TestRequeueRetriesThenFails(t *testing.T) {
	s, url := queueStudy(t, 1)
	ctx := context.Background()
	const maxAttempts = 2

	first := mustClaim(t, s, "dead-1")
	age(t, url, time.Hour)
	requeued, err := s.Requeue(ctx, time.Minute, maxAttempts)
	if err != nil {
		t.Fatal(err)
	}
	if len(requeued) != 1 || requeued[0].Status != results.StatusWaiting || requeued[0].Seed != 1000 {
		t.Fatalf("Requeue = %+v, want trial 0 waiting with its seed", requeued)
	}
	firstErr := requeued[0].Error
	if ok, err := s.Finish(ctx, first, result(1)); err != nil || ok {
		t.Errorf("Finish of a lost claim = %v, %v; want refused", ok, err)
	}

	second := mustClaim(t, s, "dead-2")
	if second.Attempt != 2 || second.Trial.Seed != first.Trial.Seed || fmt.Sprint(second.Trial.Params) != fmt.Sprint(first.Trial.Params) {
		t.Errorf("retry lease %+v: want attempt 2 with the same params and seed as %+v", second, first)
	}
	age(t, url, time.Hour)
	requeued, err = s.Requeue(ctx, time.Minute, maxAttempts)
	if err != nil {
		t.Fatal(err)
	}
	if len(requeued) != 1 || requeued[0].Status != results.StatusFailed ||
		!strings.Contains(requeued[0].Error, "worker dead-2 stopped sending heartbeats; gave up after 2 attempts") ||
		!strings.Contains(firstErr, "worker dead-1 stopped sending heartbeats (attempt 1 of 2)") {
		t.Fatalf("Requeue after the last attempt = %+v, want failed naming the worker", requeued)
	}
	if _, ok, _ := s.Claim(ctx, "w", nil); ok {
		t.Error("a failed trial was claimed again")
	}
	if ok, err := s.Finish(ctx, second, result(2)); err != nil || ok {
		t.Errorf("Finish after failing = %v, %v; want refused", ok, err)
	}
	_, trials, err := s.Study(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	if tr := trials[0]; tr.Status != results.StatusFailed || tr.Value.Measured() || tr.Finished.IsZero() {
		t.Errorf("stored %+v, want failed with no value and a finish time", tr)
	}
	for _, bad := range []struct {
		grace time.Duration
		max   int
	}{{0, 1}, {time.Second, 0}} {
		if _, err := s.Requeue(ctx, bad.grace, bad.max); err == nil {
			t.Errorf("Requeue(%s, %d) succeeded", bad.grace, bad.max)
		}
	}
}

// Heartbeats keep a slow trial: only silence gets it requeued, and only
// the lease held is kept alive.
func TestHeartbeatKeepsTrial(t *testing.T) {
	s, url := queueStudy(t, 2)
	ctx := context.Background()
	alive := mustClaim(t, s, "alive")
	dead := mustClaim(t, s, "dead")
	age(t, url, time.Hour)
	forged := dead
	forged.Attempt = 2 // not the lease the store holds: beats nothing
	if err := s.Heartbeat(ctx, []results.Lease{alive, forged}); err != nil {
		t.Fatal(err)
	}
	requeued, err := s.Requeue(ctx, time.Minute, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(requeued) != 1 || requeued[0].Number != dead.Trial.Number {
		t.Fatalf("Requeue = %+v, want only the silent worker's trial %d", requeued, dead.Trial.Number)
	}
	if ok, err := s.Finish(ctx, alive, result(3)); err != nil || !ok {
		t.Errorf("Finish of a beating worker's trial = %v, %v", ok, err)
	}
	if err := s.Heartbeat(ctx, nil); err != nil {
		t.Errorf("Heartbeat of no trial: %v", err)
	}
	// Nothing is stale: a second requeue is a no-op.
	if requeued, err := s.Requeue(ctx, time.Minute, 3); err != nil || len(requeued) != 0 {
		t.Errorf("second Requeue = %v, %v; want nothing", requeued, err)
	}
}

// Finish retried after a lost answer finds its own result and says ok;
// a second result for the same lease is refused.
func TestFinishRetryAndRelease(t *testing.T) {
	s, _ := queueStudy(t, 2)
	ctx := context.Background()
	l := mustClaim(t, s, "w")
	r := result(0.25)
	for i := range 2 {
		if ok, err := s.Finish(ctx, l, r); err != nil || !ok {
			t.Fatalf("Finish #%d = %v, %v; want ok (the same result again)", i, ok, err)
		}
	}
	if ok, err := s.Finish(ctx, l, result(0.5)); err != nil || ok {
		t.Errorf("another result for a finished lease = %v, %v; want refused", ok, err)
	}
	if _, err := s.Finish(ctx, l, results.Trial{Status: results.StatusRunning}); err == nil {
		t.Error("Finish with a running status succeeded")
	}

	// Release: the trial waits again and the attempt does not count.
	l = mustClaim(t, s, "w")
	if err := s.Release(ctx, l); err != nil {
		t.Fatal(err)
	}
	again := mustClaim(t, s, "w2")
	if again.Trial.Number != l.Trial.Number || again.Attempt != 1 {
		t.Errorf("after Release: claimed %d attempt %d, want %d attempt 1", again.Trial.Number, again.Attempt, l.Trial.Number)
	}
	if ok, err := s.Finish(ctx, l, result(1)); err != nil || ok {
		t.Errorf("Finish of a released lease = %v, %v; want refused", ok, err)
	}
}

// Propose is exclusive per study, never waits, and releases the lock
// whether f succeeds or fails.
func TestProposeIsExclusive(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	var inside, ran, skipped atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Propose(ctx, "q", func(context.Context) error {
				if inside.Add(1) != 1 {
					t.Error("two proposers inside at once")
				}
				time.Sleep(50 * time.Millisecond)
				inside.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
			if ok {
				ran.Add(1)
			} else {
				skipped.Add(1)
			}
		}()
	}
	wg.Wait()
	if ran.Load() < 1 || ran.Load()+skipped.Load() != 6 || skipped.Load() == 0 {
		t.Errorf("ran %d, skipped %d: want at least one of each", ran.Load(), skipped.Load())
	}
	// Another study's lock is independent.
	boom := errors.New("boom")
	ok, err := s.Propose(ctx, "q", func(ctx context.Context) error {
		other, err := s.Propose(ctx, "other", func(context.Context) error { return nil })
		if err != nil || !other {
			t.Errorf("Propose of another study inside = %v, %v; want it to run", other, err)
		}
		return boom
	})
	if !ok || !errors.Is(err, boom) {
		t.Errorf("Propose = %v, %v; want ran with f's error", ok, err)
	}
	if ok, err := s.Propose(ctx, "q", func(context.Context) error { return nil }); !ok || err != nil {
		t.Errorf("Propose after a failed f = %v, %v; the lock must be free", ok, err)
	}
}

// A Queue error from an unreachable server is marked retryable; errors
// about the request itself are not.
func TestUnavailableIsMarked(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	s.pool.Close() // as good as a server that went away, for the pool
	_, _, err := s.Claim(ctx, "w", nil)
	if err == nil {
		t.Fatal("Claim on a closed pool succeeded")
	}
	// A closed pool is our own doing, not the network: not retryable.
	if errors.Is(err, results.ErrUnavailable) {
		t.Errorf("closed pool marked retryable: %v", err)
	}
	down, err := Open(ctx, "postgres://hpsearch:secret@127.0.0.1:1/x?connect_timeout=1")
	if err == nil {
		down.Close()
		t.Fatal("Open of a closed port succeeded")
	}
	if !errors.Is(err, results.ErrUnavailable) || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open of a closed port = %v; want ErrUnavailable and no password", err)
	}
}
