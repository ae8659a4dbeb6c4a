package storetest

import (
	"context"
	"math"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// RunFloor checks that a store keeps a study's least-squares floor: with
// and without a validation loss, none for a study without one, through
// Study, Studies and (where the store has them) Summaries; and that
// putting the study again without one removes it.
func RunFloor(t *testing.T, open func(*testing.T) results.Store) {
	ctx := context.Background()
	s := open(t)
	with := Study("floored", T0)
	with.Floor = &results.Floor{TrainLoss: 0.125, ValidationLoss: 0.25}
	noVal := Study("floored-noval", T0.Add(1))
	noVal.Floor = &results.Floor{TrainLoss: 3, ValidationLoss: math.NaN()}
	none := Study("unfloored", T0.Add(2))
	for _, st := range []results.Study{with, noVal, none} {
		if err := s.PutStudy(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	check := func(where string, want, got *results.Floor) {
		t.Helper()
		switch {
		case want == nil && got != nil:
			t.Errorf("%s: floor %+v, want none", where, *got)
		case want != nil && got == nil:
			t.Errorf("%s: no floor, want %+v", where, *want)
		case want != nil && (got.TrainLoss != want.TrainLoss || !SameFloat(got.ValidationLoss, want.ValidationLoss)):
			t.Errorf("%s: floor %+v, want %+v", where, *got, *want)
		}
	}
	for _, st := range []results.Study{with, noVal, none} {
		got, _, err := s.Study(ctx, st.Name)
		if err != nil {
			t.Fatal(err)
		}
		check("Study("+st.Name+")", st.Floor, got.Floor)
	}
	all, err := s.Studies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*results.Floor{with.Name: with.Floor, noVal.Name: noVal.Floor, none.Name: nil}
	for _, st := range all {
		check("Studies: "+st.Name, want[st.Name], st.Floor)
	}
	if sum, ok := s.(results.Summarizer); ok {
		sums, err := sum.Summaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range sums {
			check("Summaries: "+x.Study.Name, want[x.Study.Name], x.Study.Floor)
		}
	}
	with.Floor = nil
	if err := s.PutStudy(ctx, with); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Study(ctx, with.Name)
	if err != nil {
		t.Fatal(err)
	}
	check("put again without a floor", nil, got.Floor)
}

// CheckFloorMigrated checks a store just opened on a schema from before
// studies kept their floor, holding study "old" of 4 trials: the study is
// kept, with no floor, and a floor can be stored from then on.
func CheckFloorMigrated(t *testing.T, s results.Store) {
	t.Helper()
	ctx := context.Background()
	old, _, err := s.Study(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if old.Floor != nil || old.Total != 4 {
		t.Errorf("migrated study = %+v, want it kept without a floor", old)
	}
	st := Study("new", T0)
	st.Floor = &results.Floor{TrainLoss: 1, ValidationLoss: 2}
	if err := s.PutStudy(ctx, st); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Study(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	if got.Floor == nil || *got.Floor != *st.Floor {
		t.Errorf("floor after migration: %+v, want %+v", got.Floor, st.Floor)
	}
}
