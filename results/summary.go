package results

import (
	"context"
	"fmt"
	"math"
)

// Summary is one line of `hpsearch studies`: a study and how far it got.
type Summary struct {
	Study     Study
	Done      int     // finished trials, whatever their status
	OK        int     // trials with status ok
	Best      float64 // best ok value; NaN when none
	BestTrial int     // -1 when none
}

// Summarizer is an optional capability of a Store: summarising every study
// without reading every trial (a database can aggregate in place).
type Summarizer interface {
	Summaries(ctx context.Context) ([]Summary, error)
}

// Summaries summarises every study in s, using s's own Summarizer when it
// has one and reading each study's trials otherwise.
func Summaries(ctx context.Context, s Store) ([]Summary, error) {
	if sum, ok := s.(Summarizer); ok {
		return sum.Summaries(ctx)
	}
	studies, err := s.Studies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(studies))
	for _, st := range studies {
		_, trials, err := s.Study(ctx, st.Name)
		if err != nil {
			return nil, fmt.Errorf("study %s: %w", st.Name, err)
		}
		out = append(out, Summarize(st, trials))
	}
	return out, nil
}

// Summarize counts a study's trials and finds its best.
func Summarize(st Study, trials []Trial) Summary {
	s := Summary{Study: st, Best: math.NaN(), BestTrial: -1}
	for _, t := range trials {
		if t.Status.Finished() {
			s.Done++
		}
		if t.Status == StatusOK {
			s.OK++
		}
	}
	if b, ok := Best(trials, st.Goal); ok {
		s.Best, s.BestTrial = b.Value.Float(), b.Number
	}
	return s
}
