package study

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// failureLimit says why a run here stopped past search.max_failed_trials,
// nil when it did not: the failure that stopped it (limit), or the
// failures of an earlier run already past the limit, which stop nothing
// but still make the study not finished.
func (s *Study) failureLimit(limit *search.FailureLimitError, trials []results.Trial) error {
	failed, last := lastFailure(trials)
	if limit != nil {
		// Trials that were running when the limit was crossed may fail
		// too before they stop: the message counts what is stored, as
		// show and studies do.
		if failed < limit.Failed {
			failed, last = limit.Failed, limit.Last
		}
		return errors.New(tooManyFailed(failed, limit.Max, last, s.TrialsDir(), false))
	}
	max := s.Config.Search.MaxFailedTrials
	if max > 0 && failed > max {
		return errors.New(tooManyFailed(failed, max, last, s.TrialsDir(), false))
	}
	return nil
}

// tooManyFailed is the message of a study stopped by
// search.max_failed_trials, in one process or shared: how many trials
// failed, the limit, the last failure's error, and where its output is
// when trials keep it (trialsDir; "" for the built-in trainer), which for
// a shared study (elsewhere) may be another machine.
func tooManyFailed(failed, max int, last results.Trial, trialsDir string, elsewhere bool) string {
	why, _, _ := strings.Cut(last.Error, "\n")
	if why == "" {
		why = last.StopReason
	}
	msg := fmt.Sprintf("stopped: %d trials failed (search.max_failed_trials: %d); the last, trial %d: %s",
		failed, max, last.Number, why)
	if trialsDir != "" {
		on := ""
		if elsewhere {
			on = " on the machine that ran it"
		}
		msg += fmt.Sprintf(" (its output is in %s%s)", filepath.Join(trialsDir, strconv.Itoa(last.Number)), on)
	}
	return msg
}

// lastFailure counts the failed trials and returns the one that failed
// last (by its end, then by number).
func lastFailure(trials []results.Trial) (failed int, last results.Trial) {
	for _, t := range trials {
		if t.Status != results.StatusFailed {
			continue
		}
		failed++
		if failed == 1 || t.Finished.After(last.Finished) || t.Finished.Equal(last.Finished) && t.Number > last.Number {
			last = t
		}
	}
	return failed, last
}

// sharedStopped says why a shared study stopped, as a one-process run
// does, counting the failed trials stored by every worker; and how to go
// on once the program is fixed. elsewhere counts the trials other workers
// were still running.
func (s *Study) sharedStopped(st results.Study, finished []results.Trial, elsewhere int) error {
	failed, last := lastFailure(finished)
	msg := tooManyFailed(failed, s.Config.Search.MaxFailedTrials, last, s.TrialsDir(), true)
	msg += fmt.Sprintf("; %d of %d trials finished and are stored", len(finished), st.Total)
	if elsewhere > 0 {
		msg += fmt.Sprintf(", %d still running on other workers will be when they end", elsewhere)
	}
	return fmt.Errorf("%s; no worker starts another: fix the cause, then continue with: hpsearch run %s --study %s --storage URL --resume",
		msg, s.Path, st.Name)
}
