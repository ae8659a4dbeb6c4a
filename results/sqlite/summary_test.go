package sqlite

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// The SQL summary must agree with the one computed from the trials.
func TestSummariesAgreeWithTrials(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, goal := range []string{"minimize", "maximize"} {
		if err := s.PutStudy(ctx, results.Study{Name: goal, Goal: goal, Total: 6, Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
		for i, v := range []float64{0.5, 0.2, math.NaN(), 0.9, 0.2, 0.7} {
			st := results.StatusOK
			switch i {
			case 2:
				st = results.StatusDiverged
			case 5:
				st = results.StatusRunning
			}
			if err := s.PutTrial(ctx, results.Trial{Study: goal, Number: i, Status: st, Value: v, Accuracy: math.NaN(), TrainLoss: v}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d summaries", len(got))
	}
	for _, sum := range got {
		st, trials, err := s.Study(ctx, sum.Study.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := results.Summarize(st, trials)
		if sum.Done != want.Done || sum.OK != want.OK || sum.BestTrial != want.BestTrial || sum.Best != want.Best {
			t.Errorf("%s: SQL summary %+v, from trials %+v", sum.Study.Name, sum, want)
		}
	}
}
