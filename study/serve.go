package study

import (
	"context"
	"errors"
	"sync"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// NewServed is the set of studies of store a worker serves; logf receives
// its lines.
func NewServed(store results.Store, logf func(format string, args ...any)) *Served {
	return &Served{store: store, logf: logf, known: map[string]*search.Job{}, refused: map[string]bool{}}
}

// Served builds the studies a worker serves, once each.
type Served struct {
	store   results.Store
	logf    func(format string, args ...any)
	mu      sync.Mutex
	known   map[string]*search.Job
	refused map[string]bool // studies this machine cannot run, reported once
}

// Named builds the named studies; one that does not exist or cannot be
// rebuilt here is a usage error, a finished one is skipped.
func (j *Served) Named(ctx context.Context, names []string) ([]*search.Job, error) {
	var jobs []*search.Job
	for _, name := range names {
		st, _, err := j.store.Study(ctx, name)
		if err != nil {
			return nil, usageErr("%v (list them with: hpsearch studies --storage URL)", err)
		}
		if st.Status == results.StudyFinished {
			j.logf("study %s is already finished", name)
			continue
		}
		job, err := Rebuild(ctx, j.store, st)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		jobs = append(jobs, job)
	}
	return jobs, nil
}

// Awaited is Named for a worker that waits: asked at each idle round, it
// builds the named studies that exist by then and are not finished, and
// says once of each other that it is waited for; once it has them all,
// it says there will be no more (search.ErrNoMoreStudies), so the worker
// ends when they are complete. One that exists but
// cannot be rebuilt here is a usage error, as with Named.
func (j *Served) Awaited(names []string) func(ctx context.Context) ([]*search.Job, error) {
	waiting := map[string]bool{}
	finished := map[string]bool{}
	return func(ctx context.Context) ([]*search.Job, error) {
		var jobs []*search.Job
		for _, name := range names {
			j.mu.Lock()
			job, ok := j.known[name]
			j.mu.Unlock()
			if ok {
				jobs = append(jobs, job)
				continue
			}
			if finished[name] {
				continue
			}
			st, _, err := j.store.Study(ctx, name)
			switch {
			case errors.Is(err, results.ErrNotFound):
				if !waiting[name] {
					waiting[name] = true
					j.logf("study %s does not exist yet; waiting for it", name)
				}
				continue
			case errors.Is(err, results.ErrUnavailable):
				j.logf("read study %s: %v", name, err)
				continue // the next idle round asks again
			case err != nil:
				return nil, err
			case st.Status == results.StudyFinished:
				finished[name] = true
				j.logf("study %s is already finished", name)
				continue
			}
			job, err = Rebuild(ctx, j.store, st)
			if err != nil {
				return nil, usageErr("%v", err)
			}
			j.mu.Lock()
			j.known[name] = job
			j.mu.Unlock()
			jobs = append(jobs, job)
			j.logf("serving study %s", name)
		}
		if len(jobs)+len(finished) == len(names) {
			// Every named study is here or done: none is waited for any
			// more, and the worker ends with them, as without --wait.
			return jobs, search.ErrNoMoreStudies
		}
		return jobs, nil
	}
}

// Unfinished builds every study that is not finished. A study this
// machine cannot rebuild is logged and left to the others.
func (j *Served) Unfinished(ctx context.Context) ([]*search.Job, error) {
	studies, err := j.store.Studies(ctx)
	if err != nil {
		if errors.Is(err, results.ErrUnavailable) {
			j.logf("list studies: %v", err)
			return nil, nil // the next idle round asks again
		}
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var jobs []*search.Job
	for _, st := range studies {
		if st.Status == results.StudyFinished || j.refused[st.Name] {
			continue
		}
		if job, ok := j.known[st.Name]; ok {
			jobs = append(jobs, job)
			continue
		}
		if st.Status == results.StudyFailed {
			continue // stopped for too many failures: served again once resumed
		}
		job, err := Rebuild(ctx, j.store, st)
		if err != nil {
			j.refused[st.Name] = true
			j.logf("skipping %v", err)
			continue
		}
		j.known[st.Name] = job
		jobs = append(jobs, job)
		j.logf("serving study %s", st.Name)
	}
	return jobs, nil
}
