package results

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryStore keeps studies in memory: for tests, and for runs that ask for
// no storage. It is safe for concurrent use, and copies trials and studies
// in and out, so callers never share slices with it or with each other.
type MemoryStore struct {
	mu      sync.Mutex
	studies map[string]*memStudy
	nextSeq int // creation order, to list studies created at the same instant stably
	leases  map[string]Holder
	jobs    map[string][]TrialJob // by study, in submission order (memory_jobs.go)
	id      string                // random: no two memory stores hold the same studies
}

type memStudy struct {
	seq    int
	study  Study
	trials map[int]Trial
	stops  map[int]bool // running trials a user asked to stop (RequestStop)
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	return &MemoryStore{studies: make(map[string]*memStudy), leases: make(map[string]Holder),
		id: hex.EncodeToString(b[:])}
}

// PutStudy creates or updates a study's record; its trials are kept.
func (m *MemoryStore) PutStudy(ctx context.Context, s Study) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put study %s: %w", s.Name, err)
	}
	if s.Name == "" {
		return errors.New("put study: empty name")
	}
	s = copyStudy(s)
	m.mu.Lock()
	defer m.mu.Unlock()
	if rec, ok := m.studies[s.Name]; ok {
		rec.study = s
		return nil
	}
	m.studies[s.Name] = &memStudy{seq: m.nextSeq, study: s, trials: make(map[int]Trial)}
	m.nextSeq++
	return nil
}

// PutTrial creates or replaces trial (t.Study, t.Number). The study must
// have been created with PutStudy first; otherwise the error wraps
// ErrNotFound, as a trial without a study has no metric or goal to rank by.
func (m *MemoryStore) PutTrial(ctx context.Context, t Trial) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put trial %s/%d: %w", t.Study, t.Number, err)
	}
	t = copyTrial(t)
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.studies[t.Study]
	if !ok {
		return fmt.Errorf("put trial %d: study %q: %w", t.Number, t.Study, ErrNotFound)
	}
	rec.trials[t.Number] = t
	delete(rec.stops, t.Number) // a result, or a new run: no stop pending
	return nil
}

// RecordProgress adds points to the History of the running trial (study,
// number), after what it holds or in its place (replace), and reports
// whether a stop was requested; see package results' notes on live trials.
func (m *MemoryStore) RecordProgress(ctx context.Context, study string, number int, points []Point, replace bool) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("record the progress of trial %s/%d: %w", study, number, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, t, err := m.running(study, number)
	if err != nil {
		return false, fmt.Errorf("record the progress: %w", err)
	}
	if replace {
		t.History = t.History[:0]
	}
	// A fresh slice: copies handed out by Study share none of it.
	t.History = append(slices.Clip(t.History), points...)
	rec.trials[number] = t
	return rec.stops[number], nil
}

// RequestStop asks the running trial (study, number) to stop; the error
// wraps ErrNotRunning when there is no such running trial.
func (m *MemoryStore) RequestStop(ctx context.Context, study string, number int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stop trial %s/%d: %w", study, number, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, _, err := m.running(study, number)
	if err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	if rec.stops == nil {
		rec.stops = make(map[int]bool)
	}
	rec.stops[number] = true
	return nil
}

// running returns the running trial (study, number), or an error wrapping
// ErrNotRunning; m.mu is held.
func (m *MemoryStore) running(study string, number int) (*memStudy, Trial, error) {
	rec, ok := m.studies[study]
	if !ok {
		return nil, Trial{}, NotRunning(study, number, "")
	}
	t, ok := rec.trials[number]
	if !ok {
		return nil, Trial{}, NotRunning(study, number, "")
	}
	if t.Status != StatusRunning {
		return nil, Trial{}, NotRunning(study, number, t.Status)
	}
	return rec, t, nil
}

// Study returns a copy of the named study and its trials ordered by
// number; the error wraps ErrNotFound if there is no such study.
func (m *MemoryStore) Study(ctx context.Context, name string) (Study, []Trial, error) {
	if err := ctx.Err(); err != nil {
		return Study{}, nil, fmt.Errorf("study %s: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.studies[name]
	if !ok {
		return Study{}, nil, fmt.Errorf("study %q: %w", name, ErrNotFound)
	}
	trials := make([]Trial, 0, len(rec.trials))
	for _, t := range rec.trials {
		trials = append(trials, copyTrial(t))
	}
	slices.SortFunc(trials, func(a, b Trial) int { return cmp.Compare(a.Number, b.Number) })
	return copyStudy(rec.study), trials, nil
}

// Studies lists copies of all studies, oldest first (by Created, then by
// the order they were first stored).
func (m *MemoryStore) Studies(ctx context.Context) ([]Study, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list studies: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	recs := make([]*memStudy, 0, len(m.studies))
	for _, rec := range m.studies {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b *memStudy) int {
		if c := a.study.Created.Compare(b.study.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	out := make([]Study, len(recs))
	for i, rec := range recs {
		out[i] = copyStudy(rec.study)
	}
	return out, nil
}

// AcquireStudy makes me the holder of study's lease, unless a live holder
// has it (a *StudyBusyError). A memory store lives in one process, so
// only runs within that process can contend for it; the rules are the
// other stores' all the same. It returns the holder it replaced, if any.
func (m *MemoryStore) AcquireStudy(ctx context.Context, study string, me Holder, grace time.Duration) (*Holder, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("take the lease of study %s: %w", study, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	var replaced *Holder
	if h, ok := m.leases[study]; ok && h.ID != me.ID {
		if silence := now.Sub(h.Heartbeat); !h.Replaceable(silence, grace) {
			return nil, &StudyBusyError{Study: study, Holder: h, Silence: silence}
		}
		replaced = &h
	}
	me.Started, me.Heartbeat = now, now
	m.leases[study] = me
	return replaced, nil
}

// RenewStudy refreshes me's heartbeat on study's lease; the error wraps
// ErrStudyLeaseLost when another holder has taken it.
func (m *MemoryStore) RenewStudy(ctx context.Context, study string, me Holder) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("renew the lease of study %s: %w", study, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.leases[study]
	if !ok {
		return StudyLeaseLost(study, nil)
	}
	if h.ID != me.ID {
		return StudyLeaseLost(study, &h)
	}
	h.Heartbeat = time.Now()
	m.leases[study] = h
	return nil
}

// ReleaseStudy ends me's lease on study; a lease someone else holds now is
// left alone.
func (m *MemoryStore) ReleaseStudy(ctx context.Context, study string, me Holder) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, ok := m.leases[study]; ok && h.ID == me.ID {
		delete(m.leases, study)
	}
	return nil
}

// copyTrial returns t with its own Params, History and Reports. Param values are
// scalars (float64, int64, string), so a shallow copy of each is enough.
func copyTrial(t Trial) Trial {
	t.Params = slices.Clone(t.Params)
	t.History = slices.Clone(t.History)
	t.Reports = slices.Clone(t.Reports)
	return t
}

// copyStudy returns s with its own rounds, ranges and choices.
func copyStudy(s Study) Study {
	s.Rounds = slices.Clone(s.Rounds)
	for i := range s.Rounds {
		s.Rounds[i].Ranges = slices.Clone(s.Rounds[i].Ranges)
		for j := range s.Rounds[i].Ranges {
			s.Rounds[i].Ranges[j].Choices = slices.Clone(s.Rounds[i].Ranges[j].Choices)
		}
	}
	return s
}

// Identity names this store alone: no other holds its studies.
func (m *MemoryStore) Identity() string { return "memory:" + m.id }
