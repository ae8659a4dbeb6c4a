package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// RunTrialJobs checks a store's record of the batch jobs that run a
// study's trials (results.JobRecorder): every job kept in submission
// order, the newest open one per trial for a resume, closing, and a job
// of an unknown study refused.
func RunTrialJobs(t *testing.T, open func(t *testing.T) results.Store) {
	s := open(t)
	jr, ok := s.(results.JobRecorder)
	if !ok {
		t.Fatalf("%T is not a results.JobRecorder", s)
	}
	ctx := context.Background()
	if err := s.PutStudy(ctx, Study("s", T0)); err != nil {
		t.Fatal(err)
	}
	if jobs, err := jr.TrialJobs(ctx, "s"); err != nil || len(jobs) != 0 {
		t.Fatalf("jobs of a new study = %v, %v; want none", jobs, err)
	}
	for _, j := range []struct {
		n   int
		job string
	}{{2, "101"}, {0, "102"}, {2, "103"}, {1, "104"}} {
		if err := jr.AddTrialJob(ctx, "s", j.n, j.job, T0.Add(time.Second)); err != nil {
			t.Fatalf("AddTrialJob(%d, %s): %v", j.n, j.job, err)
		}
	}
	if err := jr.CloseTrialJob(ctx, "s", 1, "104"); err != nil {
		t.Fatal(err)
	}
	jobs, err := jr.TrialJobs(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	at := T0.Add(time.Second)
	want := []results.TrialJob{{Number: 0, Job: "102", Submitted: at}, {Number: 1, Job: "104", Submitted: at, Closed: true},
		{Number: 2, Job: "101", Submitted: at}, {Number: 2, Job: "103", Submitted: at}}
	if len(jobs) != len(want) {
		t.Fatalf("TrialJobs = %v, want %v", jobs, want)
	}
	for i := range want {
		if jobs[i].Number != want[i].Number || jobs[i].Job != want[i].Job || !jobs[i].Submitted.Equal(want[i].Submitted) || jobs[i].Closed != want[i].Closed {
			t.Errorf("TrialJobs[%d] = %+v, want %+v", i, jobs[i], want[i])
		}
	}
	openJobs := results.OpenJobs(jobs)
	if len(openJobs) != 2 || openJobs[0] != "102" || openJobs[2] != "103" {
		t.Errorf("OpenJobs = %v, want trial 0's 102 and trial 2's newest, 103 (trial 1's is closed)", openJobs)
	}
	if err := jr.AddTrialJob(ctx, "nope", 0, "1", T0); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("AddTrialJob of an unknown study: %v, want ErrNotFound", err)
	}
}
