//go:build unix

package study

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/internal/dirlock"
	"github.com/hpsearch/hpsearch/results"
)

// Two runs of one study name in two stores (memory: twice, or two
// database files) and one output.dir: while the first runs, the second is
// refused, naming the directory and what to do, instead of overwriting the
// first's best.yaml and trials.csv. A run in the first's own store shares
// the directory, and once the first has ended, another store may have it;
// a run that writes no files there is not held up.
func TestRunOfAnotherStoreIsRefusedTheOutputDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Load(quickstart, []string{"output.dir=" + dir, "search.rounds=1", "search.trials_per_round=3"}, "")
	if err != nil {
		t.Fatal(err)
	}
	first := results.NewMemoryStore()
	release, err := s.claimOutput(first) // the first run, still running
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	opts := RunOptions{Parallel: 1, Exports: true, Report: func(*Outcome) error { reports++; return nil }}
	err = s.Run(ctx, results.NewMemoryStore(), opts)
	var e *Error
	if !errors.As(err, &e) || e.Kind != Usage || !strings.Contains(err.Error(), "output.dir "+dir) ||
		!strings.Contains(err.Error(), "in another store") || !strings.Contains(err.Error(), "--set output.dir=") {
		t.Fatalf("a run of another store meanwhile: %v; want a Usage error naming output.dir and what to do", err)
	}
	if reports != 0 {
		t.Fatal("the refused run reported (its files would overwrite the first's)")
	}
	// A Go caller that writes no files (its Report only reads the outcome,
	// as hpsearch-bench's does) claims nothing and is not refused.
	if err := s.Run(ctx, results.NewMemoryStore(), RunOptions{Parallel: 1}); err != nil {
		t.Fatalf("a run that exports nothing, meanwhile: %v", err)
	}
	if err := s.Run(ctx, first, opts); err != nil {
		t.Fatalf("a run in the first's own store: %v, want it to share the directory", err)
	}
	release()
	if err := s.Run(ctx, results.NewMemoryStore(), opts); err != nil {
		t.Fatalf("another store once the first has ended: %v", err)
	}
	if reports != 2 {
		t.Fatalf("%d reports of the two runs that ran", reports)
	}
	if _, err := os.Stat(filepath.Join(dir, s.Name, dirlock.ClaimFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the claim's file is left behind: %v", err)
	}
}
