//go:build linux

package search

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// prunedCPUJob is cpuSweep with successive halving at its defaults, as
// `hpsearch run` and `hpsearch worker` build it.
func prunedCPUJob(b *testing.B, study string, iterations int) *Job {
	b.Helper()
	cfg, err := configs.Parse(strings.NewReader(cpuSweep), "bench.yaml", ".", []string{fmt.Sprint("trainer.max_iterations=", iterations),
		"search.early_stopping.kind=successive_halving"})
	if err != nil {
		b.Fatal(err)
	}
	return prunedConfigJob(b, cfg, study)
}

// BenchmarkSharedPruning is what sharing a study with early stopping
// costs: the CPU-bound sweep of BenchmarkSharedSweep with successive
// halving, in one process at parallelism 2 and by 2 workers sharing it
// through PostgreSQL (one trial computing at a time each), whose trials
// waiting at a rung poll the stored reports every poll.
//
//	HPSEARCH_TEST_POSTGRES=postgres://… go test -run '^$' -bench SharedPruning -benchtime 3x ./search/
func BenchmarkSharedPruning(b *testing.B) {
	const iters = 15000
	b.Run("runner/parallel=2", func(b *testing.B) {
		measure(b, func(i int) {
			job := prunedCPUJob(b, "bench", iters)
			strat, _ := job.Strategy()
			r := &Runner{Study: "bench", Seed: job.Seed, Strategy: strat, Evaluator: job.Evaluator, Parallelism: 2, Pruner: job.Pruner}
			if _, err := r.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	})
	for _, poll := range []time.Duration{20 * time.Millisecond, defaultPoll} {
		b.Run(fmt.Sprint("workers=2/poll=", poll), func(b *testing.B) {
			url := pgtest.URL(b)
			stores := []*postgres.Store{openShared(b, url), openShared(b, url)}
			measure(b, func(i int) {
				study := fmt.Sprint("prune-", poll, "-", i)
				job := prunedCPUJob(b, study, iters)
				putStudy(b, stores[0], study)
				var wg sync.WaitGroup
				for w, s := range stores {
					worker := &Worker{ID: fmt.Sprint("w", w), Store: s, Queue: s, Parallelism: 1, Poll: poll}
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := worker.Serve(context.Background(), []*Job{job}); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
				_, trials, err := stores[0].Study(context.Background(), study)
				if err != nil {
					b.Fatal(err)
				}
				pruned := 0
				for _, t := range trials {
					if t.Status == results.StatusPruned {
						pruned++
					}
				}
				if pruned == 0 {
					b.Fatal("no trial was pruned")
				}
			})
		})
	}
}
