package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// exitBrokenPipe is the status of a process whose stdout reader went away
// (hpsearch run … | head -3): 128+SIGPIPE, what a shell reports for a
// program SIGPIPE ended, so `set -o pipefail` scripts read it as usual.
const exitBrokenPipe = 128 + int(syscall.SIGPIPE)

// errStdoutGone marks a write to a stdout nobody reads any more. It is
// told apart from any other broken pipe (a database connection's).
var errStdoutGone = errors.New("stdout closed by its reader")

// catchSIGPIPE makes a write to a broken pipe return EPIPE instead of
// killing the process on the spot, which Go's runtime does for fd 1 and 2:
// a sweep whose stderr reader went away keeps running, and one whose
// stdout reader went away still stores its trials and writes best.yaml,
// trials.csv and the report (they are written before stdout is), then
// ends with exitBrokenPipe. Programs the trials start get the default
// SIGPIPE back: a caught signal is reset on exec.
func catchSIGPIPE() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}

// stdoutWriter is the process's stdout, remembering that its reader went
// away even when the write's error was dropped on the way up.
type stdoutWriter struct {
	f    *os.File
	gone atomic.Bool
}

func (w *stdoutWriter) Write(p []byte) (int, error) {
	if w.gone.Load() {
		return 0, fmt.Errorf("%w: %w", errStdoutGone, syscall.EPIPE)
	}
	n, err := w.f.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		w.gone.Store(true)
		return n, fmt.Errorf("%w: %w", errStdoutGone, err)
	}
	return n, err
}

// Fd is stdout's descriptor: whether it is a terminal decides the width
// of the tables.
func (w *stdoutWriter) Fd() uintptr { return w.f.Fd() }
