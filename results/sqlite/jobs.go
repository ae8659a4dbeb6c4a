package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hpsearch/hpsearch/results"
)

var _ results.JobRecorder = (*Store)(nil)

// AddTrialJob records that trial (study, number) now runs as job.
func (s *Store) AddTrialJob(ctx context.Context, study string, number int, job string, submitted time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO trial_jobs (study, number, job, submitted) VALUES (?, ?, ?, ?)`,
		study, number, job, submitted.UnixNano())
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		err = fmt.Errorf("study %q: %w", study, results.ErrNotFound)
	}
	if err != nil {
		return s.wrap(fmt.Sprintf("record job %s of trial %s#%d in", job, study, number), err)
	}
	return nil
}

// CloseTrialJob marks the trial's job as one hpsearch is done with.
func (s *Store) CloseTrialJob(ctx context.Context, study string, number int, job string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE trial_jobs SET closed = 1 WHERE study = ? AND number = ? AND job = ?`,
		study, number, job); err != nil {
		return s.wrap(fmt.Sprintf("close job %s of trial %s#%d in", job, study, number), err)
	}
	return nil
}

// TrialJobs lists the study's jobs by trial number, then in the order
// they were submitted.
func (s *Store) TrialJobs(ctx context.Context, study string) ([]results.TrialJob, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT number, job, submitted, closed FROM trial_jobs WHERE study = ? ORDER BY number, id`, study)
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("read the jobs of %q from", study), err)
	}
	defer rows.Close()
	var jobs []results.TrialJob
	for rows.Next() {
		var (
			j         results.TrialJob
			submitted int64
		)
		if err := rows.Scan(&j.Number, &j.Job, &submitted, &j.Closed); err != nil {
			return nil, s.wrap(fmt.Sprintf("read the jobs of %q from", study), err)
		}
		j.Submitted = time.Unix(0, submitted)
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(fmt.Sprintf("read the jobs of %q from", study), err)
	}
	return jobs, nil
}
