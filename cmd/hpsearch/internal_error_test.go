package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestReportPanicIsOneLine: a panic that reaches the top of the program is
// one line naming the panic and where it happened, with status 1, not a
// goroutine dump (issue 16: no panic reaches a user).
func TestReportPanicIsOneLine(t *testing.T) {
	var stderr bytes.Buffer
	code := func() (code int) {
		defer reportPanic(&stderr, &code)
		var m map[string]int
		m["x"]++ // assignment to entry in nil map
		return 0
	}()
	msg := stderr.String()
	if code != exitInternal || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "hpsearch: internal error: assignment to entry in nil map in ") ||
		!strings.Contains(msg, "TestReportPanicIsOneLine") || !strings.Contains(msg, "internal_error_test.go:") || !strings.Contains(msg, "please report") {
		t.Errorf("status %d, stderr %q; want 1 and one line naming the panic, its site and asking for a report", code, msg)
	}
	var quiet bytes.Buffer
	code = func() (code int) {
		defer reportPanic(&quiet, &code)
		return 3
	}()
	if code != 3 || quiet.Len() != 0 {
		t.Errorf("without a panic: status %d, stderr %q; want 3 and nothing", code, quiet.String())
	}
}

// panicWriter panics on every write: a stand-in for any bug in a command.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("writer exploded") }

// TestRunRecoversPanics: run, the whole program, ends a command's panic
// with the one line and status 1, not a goroutine dump.
func TestRunRecoversPanics(t *testing.T) {
	var stderr bytes.Buffer
	code := run(t.Context(), []string{"--version"}, panicWriter{}, &stderr)
	msg := stderr.String()
	if code != exitInternal || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "hpsearch: internal error: writer exploded in ") {
		t.Errorf("status %d, stderr %q; want 1 and one line naming the panic", code, msg)
	}
}
