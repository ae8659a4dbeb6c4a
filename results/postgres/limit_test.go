package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func failure(why string) results.Trial {
	return results.Trial{Status: results.StatusFailed, Error: why,
		StopReason: "exit 3", Started: storetest.T0, Finished: storetest.T0.Add(time.Second)}
}

func studyStatus(t *testing.T, s *Store, name string) results.StudyStatus {
	t.Helper()
	st, _, err := s.Study(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return st.Status
}

func limitFailures(t *testing.T, s *Store, study string, max int) bool {
	t.Helper()
	lifted, err := s.LimitFailures(context.Background(), study, max)
	if err != nil {
		t.Fatalf("LimitFailures(%s, %d): %v", study, max, err)
	}
	return lifted
}

// A study with a failure limit of 2 stops when its third failure is
// stored: Claim hands out no more of its trials (another study's still),
// a trial already running finishes and is stored, a record written from
// an earlier read keeps the stop, and setting the limit again lifts it.
func TestClaimSkipsStoppedStudy(t *testing.T) {
	s, _ := queueStudy(t, 8)
	ctx := context.Background()
	if err := s.PutStudy(ctx, storetest.Study("other", storetest.T0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, "other", waitingTrials("other", 100, 1)); err != nil {
		t.Fatal(err)
	}
	if limitFailures(t, s, "q", 2) {
		t.Error("LimitFailures of a running study says it lifted a stop")
	}
	if max, err := s.FailureLimit(ctx, "q"); err != nil || max != 2 {
		t.Fatalf("FailureLimit = %d, %v; want 2", max, err)
	}
	before, _, err := s.Study(ctx, "q") // what a replaying worker read before the stop
	if err != nil {
		t.Fatal(err)
	}

	var leases []results.Lease
	for range 4 {
		leases = append(leases, mustClaim(t, s, "w"))
	}
	for i, l := range leases[:3] {
		if ok, err := s.Finish(ctx, l, failure(fmt.Sprint("boom ", i))); err != nil || !ok {
			t.Fatalf("Finish failure %d = %v, %v", i, ok, err)
		}
		want := results.StudyRunning
		if i == 2 {
			want = results.StudyFailed
		}
		if got := studyStatus(t, s, "q"); got != want {
			t.Fatalf("after %d failures the study is %s, want %s", i+1, got, want)
		}
	}
	// Trials 4…7 wait; none is handed out, another study's trial is.
	l, ok, err := s.Claim(ctx, "w", nil)
	if err != nil || !ok || l.Trial.Study != "other" {
		t.Fatalf("Claim after the stop = %+v, %v, %v; want the other study's trial", l, ok, err)
	}
	if l, ok, err := s.Claim(ctx, "w", []string{"q"}); err != nil || ok {
		t.Fatalf("Claim of the stopped study = %+v, %v, %v; want nothing", l, ok, err)
	}
	// The trial running when it stopped is stored, and counts.
	if ok, err := s.Finish(ctx, leases[3], result(0.5)); err != nil || !ok {
		t.Fatalf("Finish of a trial running at the stop = %v, %v", ok, err)
	}
	// A replay that read the study before the stop writes it back: the stop stays.
	before.Status = "running"
	if err := s.PutStudy(ctx, before); err != nil {
		t.Fatal(err)
	}
	if got := studyStatus(t, s, "q"); got != results.StudyFailed {
		t.Fatalf("PutStudy from an earlier read undid the stop: status %s", got)
	}
	sums, err := s.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sum := range sums {
		if sum.Study.Name == "q" && (sum.Study.Status != results.StudyFailed || sum.Done != 4) {
			t.Errorf("summary of the stopped study: %s, %d done; want failed, 4", sum.Study.Status, sum.Done)
		}
	}

	// Resume: setting the limit lifts the stop; the waiting trials are
	// claimed again, lowest first; the failures stored still count.
	if !limitFailures(t, s, "q", 2) {
		t.Error("LimitFailures of a stopped study did not say it lifted the stop")
	}
	if limitFailures(t, s, "q", 2) {
		t.Error("a second LimitFailures lifted the stop again")
	}
	if got := studyStatus(t, s, "q"); got != "running" {
		t.Fatalf("after LimitFailures the study is %s, want running", got)
	}
	again := mustClaim(t, s, "w")
	if again.Trial.Study != "q" || again.Trial.Number != 4 {
		t.Fatalf("claim after resuming: %s#%d, want q#4", again.Trial.Study, again.Trial.Number)
	}
	if ok, err := s.Finish(ctx, again, failure("still broken")); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got := studyStatus(t, s, "q"); got != results.StudyFailed {
		t.Fatalf("a failure after resuming with 3 stored: status %s, want failed", got)
	}

	if _, err := s.LimitFailures(ctx, "nope", 1); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("LimitFailures of a missing study = %v, want ErrNotFound", err)
	}
	if _, err := s.FailureLimit(ctx, "nope"); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("FailureLimit of a missing study = %v, want ErrNotFound", err)
	}
	if _, err := s.LimitFailures(ctx, "q", -1); err == nil {
		t.Error("LimitFailures with a negative limit succeeded")
	}
}

// Without a limit (0, the default) failures never stop a study; a trial
// whose worker went silent and that then succeeded is not a failure; one
// that ran out of attempts is, and Requeue stops its study.
func TestFailureLimitCountsStoredFailures(t *testing.T) {
	s, url := queueStudy(t, 6)
	ctx := context.Background()
	for range 3 {
		if ok, err := s.Finish(ctx, mustClaim(t, s, "w"), failure("boom")); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	if got := studyStatus(t, s, "q"); got != "running" {
		t.Fatalf("3 failures without a limit: status %s", got)
	}
	// Limit 3: three failures are not more than three.
	limitFailures(t, s, "q", 3)
	retried := mustClaim(t, s, "silent")
	age(t, url, time.Hour)
	if _, err := s.Requeue(ctx, time.Minute, 2); err != nil {
		t.Fatal(err)
	}
	l := mustClaim(t, s, "w")
	if l.Trial.Number != retried.Trial.Number || l.Attempt != 2 {
		t.Fatalf("claimed %d attempt %d, want the requeued %d attempt 2", l.Trial.Number, l.Attempt, retried.Trial.Number)
	}
	if ok, err := s.Finish(ctx, l, result(1)); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got := studyStatus(t, s, "q"); got != "running" {
		t.Fatalf("a retried trial that succeeded stopped the study: %s", got)
	}
	// A trial whose last attempt went silent fails, and is the fourth.
	mustClaim(t, s, "silent")
	age(t, url, time.Hour)
	requeued, err := s.Requeue(ctx, time.Minute, 1)
	if err != nil || len(requeued) != 1 || requeued[0].Status != results.StatusFailed {
		t.Fatalf("Requeue = %+v, %v; want one failed trial", requeued, err)
	}
	if got := studyStatus(t, s, "q"); got != results.StudyFailed {
		t.Fatalf("a fourth failure, by Requeue, with limit 3: status %s, want failed", got)
	}
}

// Workers storing failures at the same moment count each other's: three
// failures stored at once with a limit of 2 always stop the study, however
// the transactions interleave (each counting only its own and those
// committed before it started would leave it running).
func TestConcurrentFailuresAllCount(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	const studies, racers = 12, 3
	for i := range studies {
		name := fmt.Sprint("race", i)
		if err := s.PutStudy(ctx, storetest.Study(name, storetest.T0)); err != nil {
			t.Fatal(err)
		}
		if err := s.Enqueue(ctx, name, waitingTrials(name, 0, racers+1)); err != nil {
			t.Fatal(err)
		}
		// Limit racers-1: the study must stop once all racers' failures are in.
		limitFailures(t, s, name, racers-1)
	}
	for i := range studies {
		name := fmt.Sprint("race", i)
		var leases []results.Lease
		for w := range racers {
			l, ok, err := s.Claim(ctx, fmt.Sprint("w", w), []string{name})
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			leases = append(leases, l)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, l := range leases {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if ok, err := s.Finish(ctx, l, failure("boom")); err != nil || !ok {
					t.Errorf("Finish %s#%d = %v, %v", name, l.Trial.Number, ok, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if got := studyStatus(t, s, name); got != results.StudyFailed {
			t.Fatalf("%s: %d failures stored at once with limit %d: status %s, want failed", name, racers, racers-1, got)
		}
		if _, ok, err := s.Claim(ctx, "w", []string{name}); err != nil || ok {
			t.Fatalf("%s: a trial of the stopped study was claimed (%v)", name, err)
		}
	}
}
