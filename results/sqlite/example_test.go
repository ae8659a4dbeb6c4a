package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// A trial is put when it starts and again when it ends; each put is on disk
// when it returns.
func Example() {
	dir, err := os.MkdirTemp("", "hpsearch-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := sqlite.Open(filepath.Join(dir, "runs", "hpsearch.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	ctx := context.Background()
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := store.PutStudy(ctx, results.Study{Name: "demo", Created: start, Goal: "minimize", Total: 1}); err != nil {
		log.Fatal(err)
	}
	trial := results.Trial{
		Study: "demo", Number: 0, Status: results.StatusRunning, Started: start,
		Params: results.Params{{Name: "lr", Value: 0.01}, {Name: "layers", Value: int64(2)}},
	}
	if err := store.PutTrial(ctx, trial); err != nil {
		log.Fatal(err)
	}
	trial.Status, trial.Value, trial.Finished = results.StatusOK, results.Measured(0.125), start.Add(2*time.Second)
	if err := store.PutTrial(ctx, trial); err != nil {
		log.Fatal(err)
	}

	study, trials, err := store.Study(ctx, "demo")
	if err != nil {
		log.Fatal(err)
	}
	t := trials[0]
	fmt.Println(study.Name, len(trials), t.Status, t.Value.Float(), t.Params, t.Accuracy.Float(), t.Seconds())
	// Output: demo 1 ok 0.125 [{lr 0.01} {layers 2}] NaN 2
}
