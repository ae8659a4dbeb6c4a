package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// BenchmarkClaimFinish is the queue's cost per trial: claim a waiting
// trial, then store its (instant) result, by 1, 2 and 4 workers at once,
// each with its own connection pool as a process on its own machine would
// have. ns/op is wall time per trial for the whole group; ms/trial/worker
// is what one trial costs the worker that ran it.
//
//	HPSEARCH_TEST_POSTGRES=postgres://… go test -run '^$' -bench ClaimFinish ./results/postgres/
func BenchmarkClaimFinish(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprint("workers=", workers), func(b *testing.B) {
			s, url := openTest(b)
			ctx := context.Background()
			if err := s.PutStudy(ctx, storetest.Study("q", storetest.T0)); err != nil {
				b.Fatal(err)
			}
			for from := 0; from < b.N; from += 1000 {
				if err := s.Enqueue(ctx, "q", waitingTrials("q", from, min(1000, b.N-from))); err != nil {
					b.Fatal(err)
				}
			}
			stores := make([]*Store, workers)
			for i := range stores {
				var err error
				if stores[i], err = Open(ctx, url); err != nil {
					b.Fatal(err)
				}
				defer stores[i].Close()
			}
			res := storetest.FinishedTrial("q", 0)
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for i, st := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					drain(b, st, fmt.Sprint("w", i), res)
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(elapsed.Milliseconds())*float64(workers)/float64(b.N), "ms/trial/worker")
		})
	}
}

// drain claims and finishes trials until none is left.
func drain(b *testing.B, s *Store, worker string, res results.Trial) {
	ctx := context.Background()
	for {
		l, ok, err := s.Claim(ctx, worker, []string{"q"})
		if err != nil {
			b.Error(err)
			return
		}
		if !ok {
			return
		}
		if ok, err := s.Finish(ctx, l, res); err != nil || !ok {
			b.Errorf("Finish = %v, %v", ok, err)
			return
		}
	}
}
