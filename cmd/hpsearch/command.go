package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/study"
)

// newEvaluator picks what runs the sweep's trials: the user's program with
// trainer.command, else the built-in trainer on the config's data.
func (sw *sweep) newEvaluator() error {
	cfg := sw.cfg
	var err error
	if len(cfg.Trainer.Command) > 0 {
		sw.command, err = study.NewCommandObjective(cfg, filepath.Join(cfg.Output.Dir, sw.study, "trials"))
		return err
	}
	sw.objective, err = study.NewObjective(cfg)
	return err
}

func (sw *sweep) evaluator() search.Evaluator {
	if sw.benchmark != nil {
		return sw.benchmark
	}
	if sw.command != nil {
		return sw.command
	}
	return sw.objective
}

// forEval sends a command's output to runs/<study>/eval/<n>/, so that
// re-running a trial alone keeps the sweep's own record of it.
func (sw *sweep) forEval() {
	if sw.command != nil {
		sw.command.TrialsDir = filepath.Join(sw.cfg.Output.Dir, sw.study, "eval")
	}
}

// capParallel bounds parallelism by the device pool: a trial beyond it
// would only wait for a device.
func (sw *sweep) capParallel(par int) int {
	if sw.command == nil || sw.command.Devices() == 0 {
		return par
	}
	return min(effectiveParallel(par), sw.command.Devices())
}

// describeCommand is `validate`'s line on the program a command sweep runs.
func describeCommand(w io.Writer, sw *sweep) {
	c := sw.cfg
	fmt.Fprintf(w, "command   %s (in %s", strings.Join(sw.command.Command().Argv, " "), c.Trainer.Workdir)
	if c.Trainer.Timeout > 0 {
		fmt.Fprintf(w, ", timeout %s", c.Trainer.Timeout)
	}
	if n := sw.command.Devices(); n > 0 {
		fmt.Fprintf(w, ", devices %s", strings.Join(c.Trainer.Devices, ", "))
	}
	fmt.Fprintf(w, "); metric %s of the values printed", c.Search.MetricStrategy)
	if c.Search.MetricRegex != "" {
		fmt.Fprintf(w, ", read with %q", c.Search.MetricRegex)
	}
	fmt.Fprintln(w)
}

// errTooManyFailed ends a sweep once search.max_failed_trials is exceeded.
var errTooManyFailed = errors.New("too many failed trials")

// failureLimit counts a study's failed trials and stops the sweep when
// there are more than max: a program that fails every time should not
// spend the whole night doing it.
type failureLimit struct {
	max    int
	failed int
	last   results.Trial // the latest failure, quoted in the message
	cancel context.CancelCauseFunc
}

// newFailureLimit derives the sweep's context; failures of an earlier run
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
		next(t, done, total)
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

// err says why the sweep stopped, and where the last failure's output is
// when trials keep it (trialsDir; "" for the built-in trainer).
func (l *failureLimit) err(trialsDir string) error {
	return errors.New(tooManyFailed(l.failed, l.max, l.last, trialsDir, false))
}

// tooManyFailed is the message of a sweep stopped by
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

// trialsDir is where command trials keep their output; "" without one.
func (sw *sweep) trialsDir() string {
	if sw.command == nil {
		return ""
	}
	return sw.command.TrialsDir
}
