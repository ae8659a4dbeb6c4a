package results

import (
	"context"
	"fmt"
	"slices"
	"time"
)

var _ JobRecorder = (*MemoryStore)(nil)

// AddTrialJob records that trial (study, number) now runs as job.
func (m *MemoryStore) AddTrialJob(ctx context.Context, study string, number int, job string, submitted time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("record job %s of trial %s/%d: %w", job, study, number, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.studies[study]; !ok {
		return fmt.Errorf("record job %s of trial %d: study %q: %w", job, number, study, ErrNotFound)
	}
	if m.jobs == nil {
		m.jobs = make(map[string][]TrialJob)
	}
	m.jobs[study] = append(m.jobs[study], TrialJob{Number: number, Job: job, Submitted: submitted})
	return nil
}

// CloseTrialJob marks the trial's job as one hpsearch is done with.
func (m *MemoryStore) CloseTrialJob(ctx context.Context, study string, number int, job string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("close job %s of trial %s/%d: %w", job, study, number, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, j := range m.jobs[study] {
		if j.Number == number && j.Job == job {
			m.jobs[study][i].Closed = true
		}
	}
	return nil
}

// TrialJobs lists the study's jobs by trial number, then in the order
// they were submitted.
func (m *MemoryStore) TrialJobs(ctx context.Context, study string) ([]TrialJob, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read the jobs of %s: %w", study, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	jobs := slices.Clone(m.jobs[study])
	slices.SortStableFunc(jobs, func(a, b TrialJob) int { return a.Number - b.Number })
	return jobs, nil
}
