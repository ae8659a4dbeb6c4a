package study

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// loadWarmStart reads the study named by from (--warm-start), else by
// search.warm_start; nil when neither names one. What does not match this
// config's space is a warning given to warn (nil: none).
func (s *Study) loadWarmStart(ctx context.Context, store results.Store, from string, warn func(string)) (*search.WarmStart, error) {
	if from == "" {
		from = s.Config.Search.WarmStart
	}
	if from == "" {
		return nil, nil
	}
	if err := CheckName(from); err != nil {
		return nil, usageErr("warm start: %v", err)
	}
	if from == s.Name {
		return nil, usageErr("warm start: study %s cannot start from itself (use --resume to continue it)", from)
	}
	prev, trials, err := store.Study(ctx, from)
	if err != nil {
		return nil, usageErr("warm start: %v", err)
	}
	w, err := search.NewWarmStart(from, s.Space, prev, trials, s.WarmStartPoints())
	if err != nil {
		return nil, usageErr("%v", err)
	}
	notes, err := warmStartNotes(from, s.Space, w, prev, trials)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		if warn != nil {
			warn(n)
		}
	}
	return w, nil
}

// warmStartNotes says what a warm start from a study takes, so that a
// space that changed does not make it silently do nothing. When none of
// the study's parameters is searched here it is refused: it would change
// nothing. Otherwise each mismatch is one warning: parameters of the study
// that are not searched here (pinned or removed), ones searched here that
// it did not search, and best trials that do not fit this space, which
// are then not evaluated again (only its ranges are used).
func warmStartNotes(from string, space *search.Space, w *search.WarmStart, prev results.Study, trials []results.Trial) ([]string, error) {
	var here []string
	for _, d := range space.Dims {
		here = append(here, d.Name)
	}
	there := results.ParamNames(trials)
	if len(prev.Rounds) > 0 {
		for _, r := range prev.Rounds[len(prev.Rounds)-1].Ranges {
			if !slices.Contains(there, r.Name) {
				there = append(there, r.Name)
			}
		}
	}
	var shared, onlyThere, onlyHere []string
	for _, n := range there {
		if slices.Contains(here, n) {
			shared = append(shared, n)
		} else {
			onlyThere = append(onlyThere, n)
		}
	}
	for _, n := range here {
		if !slices.Contains(there, n) {
			onlyHere = append(onlyHere, n)
		}
	}
	if len(shared) == 0 {
		return nil, usageErr("warm start from %s: none of its parameters (%s) is searched by this config (%s): it would change nothing",
			from, strings.Join(there, ", "), strings.Join(here, ", "))
	}
	var notes []string
	if len(onlyThere) > 0 {
		notes = append(notes, fmt.Sprintf("warm start from %s: its parameters %s are not searched by this config: ignored", from, strings.Join(onlyThere, ", ")))
	}
	if len(onlyHere) > 0 {
		notes = append(notes, fmt.Sprintf("warm start from %s: it did not search %s: their ranges are this config's", from, strings.Join(onlyHere, ", ")))
	}
	ok := 0
	for _, t := range trials {
		if t.Status == results.StatusOK {
			ok++
		}
	}
	if w != nil && len(w.Points) == 0 && ok > 0 {
		notes = append(notes, fmt.Sprintf("warm start from %s: none of its best trials fits this config's parameters and ranges, so none is evaluated again; only its last ranges are used", from))
	}
	return notes, nil
}
