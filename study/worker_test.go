package study

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// logLines collects a worker's lines for a test to wait on.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) log(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *logLines) has(subs ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
	}
	return false
}

// waitFor polls until the log has a line containing one of subs (sub
// alone when none is given), or fails the test after a generous deadline
// (a correctness bound, not a timing target).
func (l *logLines) waitFor(t *testing.T, sub string, served <-chan error, subs ...string) {
	t.Helper()
	if len(subs) == 0 {
		subs = []string{sub}
	}
	deadline := time.After(30 * time.Second)
	for !l.has(subs...) {
		select {
		case err := <-served:
			t.Fatalf("Serve returned %v before logging %q; lines: %q", err, sub, l.lines)
		case <-deadline:
			t.Fatalf("no line %q after 30s; lines: %q", sub, l.lines)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// A worker given a study's name with wait comes up before the run that
// creates it: it waits for the study and serves it once it exists, instead
// of refusing a name it does not know yet. Without wait that stays an error.
func TestWorkerWaitsForANamedStudy(t *testing.T) {
	q := results.NewMemoryQueue()
	if err := func() error {
		w, err := NewWorker(q, WorkerOptions{Parallel: 1, Shared: DefaultShared, Where: "memory:", Log: func(string) {}})
		if err != nil {
			return err
		}
		return w.Serve(context.Background(), []string{"quickstart"}, false)
	}(); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("without wait: %v, want the study not found", err)
	}

	var lines logLines
	w, err := NewWorker(q, WorkerOptions{Parallel: 1, Shared: DefaultShared, Where: "memory:", Log: lines.log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- w.Serve(ctx, []string{"quickstart"}, true) }()
	lines.waitFor(t, "study quickstart does not exist yet; waiting for it", served)

	sets := []string{"output.dir=" + t.TempDir(), "search.rounds=1", "search.trials_per_round=4"}
	s, err := Load(quickstart, sets, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(ctx, q, RunOptions{Parallel: 1, Sets: sets, Shared: DefaultShared}); err != nil {
		t.Fatal(err)
	}
	// The run may finish every trial before the worker's next look: then
	// it finds the study finished, which it could only do by waiting.
	lines.waitFor(t, "study quickstart", served, "serving study quickstart", "study quickstart is already finished")
	// With every named study found and complete, the worker ends by itself,
	// as it does without --wait: a job array of workers must not hang.
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the worker waiting for its named study went on after the study was complete")
	}
}
