package sqlite

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/rowcodec"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// benchTrial is a finished trial with a history of n points.
func benchTrial(study string, number, n int) results.Trial {
	t := storetest.FinishedTrial(study, number)
	t.History = make([]results.Point, n)
	for i := range t.History {
		x := float64(i + 1)
		t.History[i] = results.Point{Iteration: i * 10, TrainLoss: 1 / x, GradNorm: math.Sqrt(x), ValidationLoss: 1.1 / x}
	}
	return t
}

// BenchmarkPutTrial is the storage cost on a sweep's critical path: one
// committed upsert of a finished trial with a 100-point history.
func BenchmarkPutTrial(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "hpsearch.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.PutStudy(ctx, storetest.Study("s", storetest.T0)); err != nil {
		b.Fatal(err)
	}
	tr := benchTrial("s", 0, 100)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.PutTrial(ctx, tr); err != nil {
			b.Fatal(err)
		}
		tr.Number++ // a new row each time, as in a sweep
	}
}

// BenchmarkReadStudy100k reads back a 100,000-trial study (10-point
// histories) in one Study call.
func BenchmarkReadStudy100k(b *testing.B) {
	const n = 100_000
	s, err := Open(filepath.Join(b.TempDir(), "hpsearch.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.PutStudy(ctx, storetest.Study("s", storetest.T0)); err != nil {
		b.Fatal(err)
	}
	if err := putTrialsBatched(ctx, s, "s", n, 10); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, trials, err := s.Study(ctx, "s")
		if err != nil {
			b.Fatal(err)
		}
		if len(trials) != n {
			b.Fatalf("read %d trials, want %d", len(trials), n)
		}
	}
}

// putTrialsBatched inserts n trials in one transaction: building a large
// fixture one commit per trial would dominate the benchmark's run time.
func putTrialsBatched(ctx context.Context, s *Store, study string, n, historyLen int) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	stmt := tx.StmtContext(ctx, s.putTrial)
	for i := range n {
		args, err := rowcodec.TrialArgs(benchTrial(study, i, historyLen))
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("trial %d: %w", i, err)
		}
	}
	return tx.Commit()
}
