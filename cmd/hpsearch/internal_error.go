package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// exitInternal is the status of a run that ended in a bug: like any other
// sweep that could not finish, 1.
const exitInternal = 1

// reportPanic, deferred at the top of run, turns a panic that got that far
// into one line asking for a bug report, with the panic and where it
// happened, and status 1: a goroutine dump helps nobody who runs hpsearch.
// (Trials, plots and the report recover their own panics, closer to where
// the cause is known; this is the last line of defence.)
func reportPanic(stderr io.Writer, code *int) {
	p := recover()
	if p == nil {
		return
	}
	where := ""
	if site := panicSite(debug.Stack()); site != "" {
		where = " in " + site
	}
	fmt.Fprintf(stderr, "hpsearch: internal error: %v%s (a bug: please report it with the command that caused it)\n", p, where)
	*code = exitInternal
}

// panicSite is the function and file:line that panicked, from a stack
// taken while panicking: the first frame after panic( that is not the
// runtime's.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "panic(") {
			continue
		}
		for j := i + 2; j+1 < len(lines); j += 2 {
			fn := strings.TrimSpace(lines[j])
			if strings.HasPrefix(fn, "runtime.") {
				continue
			}
			if k := strings.LastIndex(fn, "("); k > 0 {
				fn = fn[:k]
			}
			file, _, _ := strings.Cut(strings.TrimSpace(lines[j+1]), " ")
			return fn + " (" + filepath.Base(file) + ")"
		}
	}
	return ""
}
