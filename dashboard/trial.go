package dashboard

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// A trial page needs the trial's history, which snapshots drop. A running
// trial's history grows while it trains (the trainer stores it as it
// goes), so its page reads the study again, no more often than the
// cache's wait for that study's read cost, and keeps only that one trial.

type trialKey struct {
	study  string
	number int
}

type liveTrial struct {
	study results.Study
	trial results.Trial
	read  time.Time
	cost  time.Duration
}

// maxLiveTrials bounds the trials kept for trial pages.
const maxLiveTrials = 16

// trial returns trial number of study name with its history.
func (s *Server) trial(ctx context.Context, name string, number int) (results.Study, results.Trial, error) {
	key := trialKey{name, number}
	s.trialMu.Lock()
	lt, ok := s.trials[key]
	s.trialMu.Unlock()
	if ok && time.Since(lt.read) < s.cache.wait(lt.cost) {
		return lt.study, lt.trial, nil
	}
	start := time.Now()
	st, trials, err := s.cache.store.Study(ctx, name)
	if err != nil {
		return st, results.Trial{}, err
	}
	cost := time.Since(start)
	var found *results.Trial
	for i := range trials {
		if trials[i].Number == number {
			found = &trials[i]
			break
		}
	}
	if found == nil {
		return st, results.Trial{}, fmt.Errorf("study %q has no trial %d (it has %d trials, numbered from 0): %w", name, number, len(trials), results.ErrNotFound)
	}
	st.Rounds = nil // not shown on a trial page
	lt = &liveTrial{study: st, trial: *found, read: time.Now(), cost: cost}
	s.trialMu.Lock()
	if len(s.trials) >= maxLiveTrials {
		clear(s.trials)
	}
	s.trials[key] = lt
	s.trialMu.Unlock()
	return st, lt.trial, nil
}

// forgetTrial drops a kept trial, so its page sees a change at once.
func (s *Server) forgetTrial(name string, number int) {
	s.trialMu.Lock()
	delete(s.trials, trialKey{name, number})
	s.trialMu.Unlock()
}

// configNumber reads a number from a study's resolved config (one
// "section.key: value" per line, as the study stores it); NaN when absent.
func configNumber(config, key string) float64 {
	for line := range strings.Lines(config) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok || (k != key && k != "trainer."+key) {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	return math.NaN()
}
