package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// RunUnreadableRows checks issue 16's damaged row: a params or history
// column that does not decode made the whole study unreadable (show,
// report, export and --resume all failed). Now that trial reads back
// failed, saying why, and every other trial as it was stored. s gets a
// study "kt" of four finished trials; damage then writes, under the store,
// params that do not decode into trial 1 and a history that does not into
// trial 2.
func RunUnreadableRows(t *testing.T, s results.Store, damage func(t *testing.T)) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutStudy(ctx, Study("kt", T0)); err != nil {
		t.Fatal(err)
	}
	var want []results.Trial
	for n := range 4 {
		tr := FinishedTrial("kt", n)
		want = append(want, tr)
		if err := s.PutTrial(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	damage(t)

	_, trials, err := s.Study(ctx, "kt")
	if err != nil {
		t.Fatalf("one damaged row made the study unreadable: %v", err)
	}
	if len(trials) != 4 {
		t.Fatalf("got %d trials, want 4", len(trials))
	}
	for _, n := range []int{0, 3} {
		AssertTrial(t, want[n], trials[n])
	}
	for n, reason := range map[int]string{1: "params at byte", 2: "history: 5 bytes"} {
		tr := trials[n]
		if tr.Number != n || tr.Status != results.StatusFailed || !strings.Contains(tr.Error, "unreadable row") || !strings.Contains(tr.Error, reason) {
			t.Errorf("trial %d: got number %d, status %s, error %q; want it failed, naming %q", n, tr.Number, tr.Status, tr.Error, reason)
		}
	}
	if len(trials[2].Params) != len(want[2].Params) || len(want[2].Params) == 0 {
		t.Errorf("trial 2: its readable params were dropped: %v", trials[2].Params)
	}
}
