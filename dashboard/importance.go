package dashboard

// Parameter importance (results/importance, fANOVA over a random forest)
// takes seconds on a large study, far more than a poll. So it is computed
// in the background, one study at a time, and a page shows the latest
// result with how many trials it was computed on; it is computed again
// when more trials finished ok, no sooner than a multiple of its cost.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hpsearch/hpsearch/results/importance"
)

const (
	// importanceSamples caps each tree's bootstrap sample: the scores of a
	// 100,000-trial study in about the time of 1,000.
	importanceSamples = 1000
	// importanceTimeout bounds one computation.
	importanceTimeout = 5 * time.Minute
	// importanceRest is the least time between two computations of a
	// study: a night-long sweep recomputes a few times a minute at most.
	importanceRest = 30 * time.Second
)

// importanceState is one study's latest importance.
type importanceState struct {
	result  *importance.Result
	note    string // why there is no result (too few trials), or the error
	ok      int    // ok trials when computed
	at      time.Time
	cost    time.Duration
	running bool
}

// importanceDoc is what a page shows.
type importanceDoc struct {
	Pending bool                   `json:"pending"` // being computed; ask again
	Params  []importance.Score     `json:"params"`
	Pairs   []importance.PairScore `json:"pairs"`
	Trials  int                    `json:"trials"`  // ok trials it was computed on
	Skipped int                    `json:"skipped"` // diverged, failed, pruned left out
	OK      int                    `json:"ok"`      // ok trials now
	Note    string                 `json:"note,omitempty"`
	Method  string                 `json:"method"`
}

// maxPairs is how many pairs a page lists.
const maxPairs = 5

func (s *Server) apiImportance(w http.ResponseWriter, r *http.Request) {
	snap, err := s.snapshot(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.importanceOf(snap))
}

// importanceOf returns snap's study's latest importance, starting a
// computation when none runs and the latest is missing or out of date.
func (s *Server) importanceOf(snap *snapshot) importanceDoc {
	name := snap.study.Name
	s.impMu.Lock()
	defer s.impMu.Unlock()
	st, ok := s.imp[name]
	if !ok {
		if len(s.imp) >= s.opts.MaxStudies {
			for n, x := range s.imp {
				if !x.running {
					delete(s.imp, n)
					break
				}
			}
		}
		st = &importanceState{}
		s.imp[name] = st
	}
	stale := st.at.IsZero() || (st.ok != snap.summary.OK && time.Since(st.at) > max(importanceRest, 10*st.cost))
	if stale && !st.running {
		st.running = true
		go s.computeImportance(name, snap, st)
	}
	doc := importanceDoc{Pending: st.running && st.result == nil && st.note == "", OK: snap.summary.OK, Note: st.note,
		Method: "fANOVA over a random forest: the share of the metric's variance each parameter, and each pair beyond the two alone, explains (successful trials only)",
		Params: []importance.Score{}, Pairs: []importance.PairScore{}}
	if st.result != nil {
		doc.Params, doc.Trials, doc.Skipped = st.result.Params, st.result.Trials, st.result.Skipped
		doc.Pairs = st.result.Pairs[:min(maxPairs, len(st.result.Pairs))]
	}
	return doc
}

func (s *Server) computeImportance(name string, snap *snapshot, st *importanceState) {
	s.impSem <- struct{}{} // one at a time: a core at most
	defer func() { <-s.impSem }()
	ctx, cancel := context.WithTimeout(context.Background(), importanceTimeout)
	defer cancel()
	start := time.Now()
	res, err := importance.OfStudy(ctx, snap.study, snap.trials, importanceSamples)
	s.impMu.Lock()
	defer s.impMu.Unlock()
	st.running, st.at, st.cost, st.ok = false, time.Now(), time.Since(start), snap.summary.OK
	switch {
	case err == nil:
		st.result, st.note = &res, ""
	case errors.Is(err, importance.ErrTooFewTrials):
		st.result, st.note = nil, "Not yet: "+err.Error()+"."
	default:
		s.opts.Log.Printf("serve: study %s: importance: %v", name, err)
		st.result, st.note = nil, "Could not be computed: "+err.Error()
	}
}
