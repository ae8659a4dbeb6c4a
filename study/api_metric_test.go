package study

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// A study run from Go is stored with a metric and a goal, as a config's
// is: `hpsearch studies` showed an empty metric for it, and an empty goal.
func TestOptimizeStoresItsMetricAndGoal(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "hpsearch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	for _, c := range []struct {
		o      Options
		metric string
		goal   results.Goal
	}{
		{Options{Name: "plain", Trials: 2, Seed: 1}, "value", results.GoalMinimize},
		{Options{Name: "named", Trials: 2, Seed: 1, Metric: "val_loss", Goal: results.GoalMaximize}, "val_loss", results.GoalMaximize},
	} {
		c.o.Store = store
		if _, err := Optimize(ctx, apiSpace, square, c.o); err != nil {
			t.Fatalf("%s: %v", c.o.Name, err)
		}
		st, _, err := store.Study(ctx, c.o.Name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Metric != c.metric || st.Goal != c.goal {
			t.Errorf("%s: stored metric %q, goal %q; want %q, %q", c.o.Name, st.Metric, st.Goal, c.metric, c.goal)
		}
	}
	at, err := NewAskTell(apiSpace, Options{Trials: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if o := at.Outcome(); o.Study.Metric != "value" || o.Study.Goal != results.GoalMinimize {
		t.Errorf("ask/tell outcome: metric %q, goal %q; want value, minimize", o.Study.Metric, o.Study.Goal)
	}
}
