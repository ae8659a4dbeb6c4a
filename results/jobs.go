package results

import (
	"context"
	"time"
)

// TrialJob is a batch job a cluster's scheduler (Slurm) ran, or runs, for
// a trial: hpsearch stores it as soon as the scheduler gives its id, so a
// run that dies can find the job again (--resume re-attaches to it rather
// than submit the trial twice).
type TrialJob struct {
	Number    int       // the trial's number
	Job       string    // the scheduler's job id
	Submitted time.Time // when the scheduler accepted it
	// Closed says hpsearch is done with the job: it cancelled it when the
	// run was interrupted (Ctrl-C), so a resume submits the trial afresh
	// rather than collect a job it stopped itself.
	Closed bool
}

// JobRecorder is a store that keeps the batch jobs of a study's trials,
// every one submitted, in order (a trial whose node failed is submitted
// again). Every store of this package and its subpackages is one.
type JobRecorder interface {
	// AddTrialJob records that trial (study, number) now runs as job.
	AddTrialJob(ctx context.Context, study string, number int, job string, submitted time.Time) error
	// CloseTrialJob marks the trial's job as one hpsearch is done with.
	CloseTrialJob(ctx context.Context, study string, number int, job string) error
	// TrialJobs lists the study's jobs by trial number, then in the order
	// they were submitted; nil when it has none.
	TrialJobs(ctx context.Context, study string) ([]TrialJob, error)
}

// OpenJobs are the jobs a resumed study may re-attach to: each trial's
// newest job, unless hpsearch closed it.
func OpenJobs(jobs []TrialJob) map[int]string {
	last := map[int]TrialJob{}
	for _, j := range jobs {
		last[j.Number] = j
	}
	open := map[int]string{}
	for n, j := range last {
		if !j.Closed {
			open[n] = j.Job
		}
	}
	return open
}
