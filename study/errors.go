package study

import (
	"errors"
	"fmt"
)

// Kind is what an Error says about a run, which a caller must tell apart:
// the CLI maps each to its exit status.
type Kind int

const (
	// Usage: the command line, the config or a stored study is wrong;
	// nothing ran (exit status 2). A script should not retry it as it is.
	Usage Kind = iota + 1
	// NotFinished: the study ran but could not finish — no trial
	// succeeded, too many failed, or a store or file could not be
	// written (exit status 1).
	NotFinished
	// Interrupted: the context was cancelled (Ctrl-C); what finished is
	// kept (exit status 130).
	Interrupted
)

// Error is an error of a study's lifecycle with its Kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// KindOf is the Kind of the first *Error in err's chain; 0 when there is
// none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func usageErr(format string, a ...any) error {
	return &Error{Kind: Usage, Err: fmt.Errorf(format, a...)}
}

func interruptedErr(format string, a ...any) error {
	return &Error{Kind: Interrupted, Err: fmt.Errorf(format, a...)}
}

// failed marks err as work that could not be finished, unless it already
// has a Kind.
func failed(err error) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return &Error{Kind: NotFinished, Err: err}
}
