package postgres

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

func progressString(ps []results.TrialProgress) string {
	s := ""
	for _, p := range ps {
		s += fmt.Sprintf("%d:%s:%s#%d%v ", p.Number, p.Status, p.Worker, p.Attempt, p.Reports)
	}
	return s
}

// Reports are stored only under a lease that holds, and Progress shows
// only the current attempt's: a trial that runs again starts clean.
func TestReportsFollowTheLease(t *testing.T) {
	s, url := queueStudy(t, 3)
	ctx := context.Background()
	l0 := mustClaim(t, s, "w1")
	l1 := mustClaim(t, s, "w1")
	for _, r := range []results.Reported{{Step: 20, Value: 0.5}, {Step: 10, Value: math.NaN()}, {Step: 30, Value: 0.25}} {
		if ok, err := s.AddReport(ctx, l0, r.Step, r.Value); err != nil || !ok {
			t.Fatalf("AddReport(%v) = %v, %v", r, ok, err)
		}
	}
	if ok, err := s.AddReport(ctx, l1, 10, 2); err != nil || !ok {
		t.Fatalf("AddReport = %v, %v", ok, err)
	}
	got, err := s.Progress(ctx, "q", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := "0:running:w1#1[{10 NaN} {20 0.5} {30 0.25}] 1:running:w1#1[{10 2}] 2:waiting:#0[] "; progressString(got) != want {
		t.Fatalf("Progress =\n%s\nwant\n%s", progressString(got), want)
	}
	if got, err := s.Progress(ctx, "q", 1); err != nil || len(got) != 0 {
		t.Fatalf("Progress of round 1 = %v, %v; want none", got, err)
	}
	if got, err := s.Progress(ctx, "q", -1); err != nil || len(got) != 3 {
		t.Fatalf("Progress of every round = %v, %v; want 3 trials", got, err)
	}

	// w1 goes silent: trial 0 runs again under w2, attempt 2, from scratch.
	age(t, url, time.Hour)
	if _, err := s.Requeue(ctx, time.Minute, 3); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AddReport(ctx, l0, 40, 0.1); err != nil || ok {
		t.Fatalf("AddReport under a lost lease = %v, %v; want refused", ok, err)
	}
	again := mustClaim(t, s, "w2")
	if again.Trial.Number != 0 || again.Attempt != 2 {
		t.Fatalf("claimed %+v, want trial 0's second attempt", again)
	}
	if ok, err := s.AddReport(ctx, again, 10, 0.75); err != nil || !ok {
		t.Fatalf("AddReport = %v, %v", ok, err)
	}
	// Trial 1 is given back (its worker stops): the next claim takes the
	// same attempt number again, without the reports of the given-back run.
	l1b := mustClaim(t, s, "w2")
	if l1b.Trial.Number != 1 {
		t.Fatalf("claimed %+v, want trial 1", l1b)
	}
	if err := s.Release(ctx, l1b); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AddReport(ctx, l1, 10, 2); err != nil || ok {
		t.Fatalf("AddReport under a lost lease = %v, %v; want refused", ok, err)
	}
	got, err = s.Progress(ctx, "q", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := "0:running:w2#2[{10 0.75}] 1:waiting:w2#1[] 2:waiting:#0[] "; progressString(got) != want {
		t.Fatalf("Progress =\n%s\nwant\n%s", progressString(got), want)
	}
	if ok, err := s.Finish(ctx, again, result(0.75)); err != nil || !ok {
		t.Fatalf("Finish = %v, %v", ok, err)
	}
	// A finished trial keeps its reports; it takes no more.
	if ok, err := s.AddReport(ctx, again, 20, 0.5); err != nil || ok {
		t.Fatalf("AddReport after Finish = %v, %v; want refused", ok, err)
	}
	got, err = s.Progress(ctx, "q", 0)
	if err != nil || progressString(got)[:22] != "0:ok:w2#2[{10 0.75}] 1" {
		t.Fatalf("Progress after Finish = %s, %v", progressString(got), err)
	}
}
