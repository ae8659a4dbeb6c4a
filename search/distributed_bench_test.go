package search

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// cpuSweep is CPU-bound: 32 full-batch gradient-descent trials of 3,000
// iterations each over two rounds, tens of milliseconds per trial.
const cpuSweep = `
name: bench
seed: 3
data:
  synthetic: {kind: linear, samples: 2000, features: 8, noise: 0.1}
  validation: 0.2
  standardize: true
model: {kind: linear, loss: mse}
trainer: {optimizer: gd, max_iterations: 3000, patience: 0, gradient_threshold: 0}
search: {strategy: coarse-to-fine, rounds: 2, trials_per_round: 16, keep: 0.25}
parameters:
  learning_rate: {log_uniform: [1e-4, 1]}
  init_std: {log_uniform: [1e-3, 1]}
`

func cpuJob(b *testing.B, study string) *Job {
	b.Helper()
	cfg, err := configs.Parse(strings.NewReader(cpuSweep), "bench.yaml", ".", nil)
	if err != nil {
		b.Fatal(err)
	}
	obj, err := NewObjective(cfg)
	if err != nil {
		b.Fatal(err)
	}
	space, err := NewSpace(cfg.Parameters)
	if err != nil {
		b.Fatal(err)
	}
	return &Job{Study: study, Seed: cfg.Seed, Evaluator: obj,
		Strategy: func() (Strategy, error) { return NewStrategy(cfg, space, nil) }}
}

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSharedSweep is the wall time of a CPU-bound sweep run by 1, 2
// and 4 workers sharing it through PostgreSQL (each with one trial at a
// time and its own connection pool, as separate machines would), next to
// the one-process runner at parallelism 1 and 2. cores-busy is the
// process's CPU time over wall time: 2 means both cores of this machine
// worked all along.
//
//	HPSEARCH_TEST_POSTGRES=postgres://… go test -run '^$' -bench SharedSweep -benchtime 3x ./search/
func BenchmarkSharedSweep(b *testing.B) {
	for _, par := range []int{1, 2} {
		b.Run(fmt.Sprint("runner/parallel=", par), func(b *testing.B) {
			measure(b, func(i int) {
				job := cpuJob(b, "bench")
				strat, _ := job.Strategy()
				r := &Runner{Study: "bench", Seed: job.Seed, Strategy: strat, Evaluator: job.Evaluator,
					Store: results.NewMemoryStore(), Parallelism: par}
				if err := r.Store.PutStudy(context.Background(), results.Study{Name: "bench"}); err != nil {
					b.Fatal(err)
				}
				if _, err := r.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprint("workers=", n), func(b *testing.B) {
			url := pgtest.URL(b)
			measure(b, func(i int) {
				study := fmt.Sprint("bench-", i)
				job := cpuJob(b, study)
				var wg sync.WaitGroup
				for w := range n {
					s := openShared(b, url)
					if w == 0 {
						putStudy(b, s, study)
					}
					worker := &Worker{ID: fmt.Sprint("w", w), Store: s, Queue: s, Parallelism: 1, Poll: 20 * time.Millisecond}
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := worker.Serve(context.Background(), []*Job{job}); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
			})
		})
	}
}

// measure runs sweep b.N times and reports seconds per sweep and how many
// cores were busy.
func measure(b *testing.B, sweep func(i int)) {
	b.Helper()
	var wall, cpu time.Duration
	for i := 0; i < b.N; i++ {
		c0, t0 := cpuTime(b), time.Now()
		sweep(i)
		wall += time.Since(t0)
		cpu += cpuTime(b) - c0
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/sweep")
	b.ReportMetric(float64(cpu)/float64(wall), "cores-busy")
}
