package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

var _ results.JobRecorder = (*Store)(nil)

// AddTrialJob records that trial (study, number) now runs as job.
func (s *Store) AddTrialJob(ctx context.Context, study string, number int, job string, submitted time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO trial_jobs (study, number, job, submitted) VALUES ($1, $2, $3, $4)`,
		study, number, job, submitted.UnixNano())
	if isForeignKey(err) {
		err = fmt.Errorf("study %q: %w", study, results.ErrNotFound)
	}
	if err != nil {
		return s.wrap(fmt.Sprintf("record job %s of trial %s#%d in", job, study, number), err)
	}
	return nil
}

// CloseTrialJob marks the trial's job as one hpsearch is done with.
func (s *Store) CloseTrialJob(ctx context.Context, study string, number int, job string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE trial_jobs SET closed = true WHERE study = $1 AND number = $2 AND job = $3`,
		study, number, job); err != nil {
		return s.wrap(fmt.Sprintf("close job %s of trial %s#%d in", job, study, number), err)
	}
	return nil
}

// TrialJobs lists the study's jobs by trial number, then in the order
// they were submitted.
func (s *Store) TrialJobs(ctx context.Context, study string) ([]results.TrialJob, error) {
	op := fmt.Sprintf("read the jobs of %q from", study)
	rows, err := s.pool.Query(ctx, `SELECT number, job, submitted, closed FROM trial_jobs WHERE study = $1 ORDER BY number, id`, study)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var jobs []results.TrialJob
	for rows.Next() {
		var (
			j         results.TrialJob
			number    int64
			submitted int64
		)
		if err := rows.Scan(&number, &j.Job, &submitted, &j.Closed); err != nil {
			return nil, s.wrap(op, err)
		}
		j.Number, j.Submitted = int(number), time.Unix(0, submitted)
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	return jobs, nil
}
