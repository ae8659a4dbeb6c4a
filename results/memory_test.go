package results

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestMemoryStoreConcurrentPutTrial(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	if err := m.PutStudy(ctx, Study{Name: "s", Total: 200}); err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				n := w*perWorker + i
				tr := Trial{Study: "s", Number: n, Status: StatusRunning, Params: Params{lr(float64(n))}}
				if err := m.PutTrial(ctx, tr); err != nil {
					errs <- err
				}
				tr.Status = StatusOK
				if err := m.PutTrial(ctx, tr); err != nil {
					errs <- err
				}
				// Readers run alongside writers, as show does during a run.
				if _, _, err := m.Study(ctx, "s"); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, trials, err := m.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != workers*perWorker {
		t.Fatalf("%d trials, want %d", len(trials), workers*perWorker)
	}
	for i, tr := range trials {
		if tr.Number != i || tr.Status != StatusOK {
			t.Errorf("trials[%d] = number %d status %s, want number %d status ok", i, tr.Number, tr.Status, i)
		}
	}
}

func TestMemoryStoreCopies(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	s := Study{Name: "s", Rounds: []Round{{Ranges: []Range{{Name: "b", Choices: []any{int64(1)}}}}}}
	if err := m.PutStudy(ctx, s); err != nil {
		t.Fatal(err)
	}
	tr := Trial{Study: "s", Number: 1, Params: Params{lr(0.1)}, History: []Point{{Iteration: 1}}}
	if err := m.PutTrial(ctx, tr); err != nil {
		t.Fatal(err)
	}
	// Mutating what was put in must not reach the store.
	tr.Params[0].Value = 9.0
	tr.History[0].Iteration = 9
	s.Rounds[0].Ranges[0].Choices[0] = int64(9)

	got, trials, err := m.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if trials[0].Params[0].Value != 0.1 || trials[0].History[0].Iteration != 1 {
		t.Errorf("store shares the caller's trial slices: %+v", trials[0])
	}
	if got.Rounds[0].Ranges[0].Choices[0] != int64(1) {
		t.Errorf("store shares the caller's study slices: %+v", got.Rounds)
	}
	// Mutating what came out must not reach the store either.
	trials[0].Params[0].Value = 7.0
	got.Rounds[0].Ranges[0].Choices[0] = int64(7)
	again, trials2, _ := m.Study(ctx, "s")
	if trials2[0].Params[0].Value != 0.1 || again.Rounds[0].Ranges[0].Choices[0] != int64(1) {
		t.Error("store hands out its own slices")
	}
}

func TestMemoryStoreErrors(t *testing.T) {
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	m := NewMemoryStore()
	tests := []struct {
		name   string
		call   func() error
		target error
	}{
		{"missing study", func() error { _, _, err := m.Study(ctx, "nope"); return err }, ErrNotFound},
		{"trial of a missing study", func() error { return m.PutTrial(ctx, Trial{Study: "nope"}) }, ErrNotFound},
		{"study without a name", func() error { return m.PutStudy(ctx, Study{}) }, nil},
		{"canceled put", func() error { return m.PutStudy(canceled, Study{Name: "x"}) }, context.Canceled},
		{"canceled list", func() error { _, err := m.Studies(canceled); return err }, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %v does not wrap %v", err, tc.target)
			}
		})
	}
}

func TestMemoryStoreStudies(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []Study{
		{Name: "late", Created: base.Add(time.Hour)},
		{Name: "early", Created: base},
		{Name: "tie-a", Created: base.Add(time.Minute)},
		{Name: "tie-b", Created: base.Add(time.Minute)},
	} {
		if err := m.PutStudy(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// Updating a study keeps its trials and its place.
	if err := m.PutTrial(ctx, Trial{Study: "early", Number: 0}); err != nil {
		t.Fatal(err)
	}
	if err := m.PutStudy(ctx, Study{Name: "early", Created: base, Status: "finished"}); err != nil {
		t.Fatal(err)
	}
	studies, err := m.Studies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range studies {
		names = append(names, s.Name)
	}
	if got, want := fmt.Sprint(names), "[early tie-a tie-b late]"; got != want {
		t.Errorf("Studies = %s, want %s (oldest first)", got, want)
	}
	s, trials, err := m.Study(ctx, "early")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "finished" || len(trials) != 1 {
		t.Errorf("after update: status %q, %d trials; want finished, 1", s.Status, len(trials))
	}
}
