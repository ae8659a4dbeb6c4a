package study

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// errTooManyFailed ends a run once search.max_failed_trials is exceeded.
var errTooManyFailed = errors.New("too many failed trials")

// failureLimit counts a study's failed trials and stops the run when
// there are more than max: a program that fails every time should not
// spend the whole night doing it.
type failureLimit struct {
	max    int
	failed int
	last   results.Trial // the latest failure, quoted in the message
	cancel context.CancelCauseFunc
}

// newFailureLimit derives the run's context; failures of an earlier run
// of the study (resume) count too. max 0 means no limit.
func newFailureLimit(ctx context.Context, max int, finished map[int]results.Trial) (context.Context, *failureLimit) {
	ctx, cancel := context.WithCancelCause(ctx)
	l := &failureLimit{max: max, cancel: cancel}
	for _, t := range finished {
		if t.Status == results.StatusFailed {
			l.failed++
		}
	}
	return ctx, l
}

// watch wraps the progress callback, which the runner calls one trial at
// a time.
func (l *failureLimit) watch(next search.Progress) search.Progress {
	return func(t results.Trial, done, total int) {
		if next != nil {
			next(t, done, total)
		}
		if t.Status != results.StatusFailed {
			return
		}
		l.failed++
		l.last = t
		if l.max > 0 && l.failed > l.max {
			l.cancel(errTooManyFailed)
		}
	}
}

func (l *failureLimit) exceeded() bool { return l.max > 0 && l.failed > l.max }

func (l *failureLimit) stop() { l.cancel(nil) }

// err says why the run stopped, and where the last failure's output is
// when trials keep it (trialsDir; "" for the built-in trainer).
func (l *failureLimit) err(trialsDir string) error {
	return errors.New(tooManyFailed(l.failed, l.max, l.last, trialsDir, false))
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

// sharedStopped says why a shared study stopped, as a one-process run
// does, counting the failed trials stored by every worker; and how to go
// on once the program is fixed. elsewhere counts the trials other workers
// were still running.
func (s *Study) sharedStopped(st results.Study, finished []results.Trial, elsewhere int) error {
	var (
		failed int
		last   results.Trial
	)
	for _, t := range finished {
		if t.Status != results.StatusFailed {
			continue
		}
		failed++
		if failed == 1 || t.Finished.After(last.Finished) || t.Finished.Equal(last.Finished) && t.Number > last.Number {
			last = t
		}
	}
	msg := tooManyFailed(failed, s.Config.Search.MaxFailedTrials, last, s.TrialsDir(), true)
	msg += fmt.Sprintf("; %d of %d trials finished and are stored", len(finished), st.Total)
	if elsewhere > 0 {
		msg += fmt.Sprintf(", %d still running on other workers will be when they end", elsewhere)
	}
	return fmt.Errorf("%s; no worker starts another: fix the cause, then continue with: hpsearch run %s --study %s --storage URL --resume",
		msg, s.Path, st.Name)
}
