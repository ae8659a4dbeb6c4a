package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// TestUnreadableRowFailsOnlyItsTrial is issue 16's damaged row: a params
// or history column that does not decode made the whole study unreadable
// (show, report, export and --resume all failed). Now that trial reads
// back failed, saying why, and every other trial as it was stored.
func TestUnreadableRowFailsOnlyItsTrial(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	if err := s.PutStudy(ctx, storetest.Study("kt", storetest.T0)); err != nil {
		t.Fatal(err)
	}
	var want []results.Trial
	for n := range 4 {
		tr := storetest.FinishedTrial("kt", n)
		want = append(want, tr)
		if err := s.PutTrial(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	execRaw(t, path, `UPDATE trials SET params = '[["lr",garbage' WHERE number = 1;
		UPDATE trials SET history = x'0102030405' WHERE number = 2`)

	_, trials, err := s.Study(ctx, "kt")
	if err != nil {
		t.Fatalf("one damaged row made the study unreadable: %v", err)
	}
	if len(trials) != 4 {
		t.Fatalf("got %d trials, want 4", len(trials))
	}
	for _, n := range []int{0, 3} {
		storetest.AssertTrial(t, want[n], trials[n])
	}
	for n, reason := range map[int]string{1: "params at byte", 2: "history: 5 bytes"} {
		tr := trials[n]
		if tr.Number != n || tr.Status != results.StatusFailed || !strings.Contains(tr.Error, "unreadable row") || !strings.Contains(tr.Error, reason) {
			t.Errorf("trial %d: got number %d, status %s, error %q; want it failed, naming %q", n, tr.Number, tr.Status, tr.Error, reason)
		}
	}
	if len(trials[2].Params) != len(want[2].Params) || len(want[2].Params) == 0 {
		t.Errorf("trial 2: its readable params were dropped")
	}
}
