//go:build linux

package search

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// cpuSweep is CPU-bound: 32 full-batch gradient-descent trials over two
// rounds; 3,000 iterations take about 40 ms a trial on this machine.
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

func cpuJob(b *testing.B, study string, iterations int) *Job {
	b.Helper()
	cfg, err := configs.Parse(strings.NewReader(cpuSweep), "bench.yaml", ".", []string{fmt.Sprint("trainer.max_iterations=", iterations)})
	if err != nil {
		b.Fatal(err)
	}
	obj, err := NewTrainerObjective(cfg)
	if err != nil {
		b.Fatal(err)
	}
	space, err := ConfigSpace(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return &Job{Study: study, Seed: cfg.Seed, Evaluator: obj,
		Strategy: func() (Strategy, error) { return NewStrategy(ConfigStrategy(cfg), space, nil) }}
}

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineTime is the busy and total CPU time of the whole machine so far
// (from /proc/stat, in clock ticks): it counts the PostgreSQL server's
// work too, which the process's own CPU time does not.
func machineTime(b *testing.B) (busy, total float64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)[1:] // user nice system idle iowait irq softirq steal …
	for i, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			b.Fatalf("/proc/stat: %v", err)
		}
		total += v
		if i != 3 && i != 4 { // idle and iowait are not work
			busy += v
		}
	}
	return busy, total
}

// BenchmarkSharedSweep is the wall time of a CPU-bound sweep run by 1, 2
// and 4 workers sharing it through PostgreSQL (each with one trial at a
// time and its own connection pool, as separate machines would), next to
// the one-process runner at parallelism 1 and 2, with trials of about 40
// and 200 milliseconds. cores-busy is the process's CPU time over wall
// time: 2 means both cores of this machine worked for it all along;
// machine-cores-busy counts every process, the PostgreSQL server included
// (and anything else running: measure on a quiet machine).
//
//	HPSEARCH_TEST_POSTGRES=postgres://… go test -run '^$' -bench SharedSweep -benchtime 2x ./search/
func BenchmarkSharedSweep(b *testing.B) {
	for _, iters := range []int{3000, 15000} {
		b.Run(fmt.Sprint("iterations=", iters), func(b *testing.B) { sharedSweeps(b, iters) })
	}
}

func sharedSweeps(b *testing.B, iters int) {
	for _, par := range []int{1, 2} {
		b.Run(fmt.Sprint("runner/parallel=", par), func(b *testing.B) {
			measure(b, func(i int) {
				job := cpuJob(b, "bench", iters)
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
			// Workers are long-lived: connecting is not part of a sweep.
			stores := make([]*postgres.Store, n)
			for w := range stores {
				stores[w] = openShared(b, url)
				if err := stores[w].Heartbeat(context.Background(), nil); err != nil {
					b.Fatal(err)
				}
			}
			measure(b, func(i int) {
				study := fmt.Sprint("bench-", i)
				job := cpuJob(b, study, iters)
				putStudy(b, stores[0], study)
				var wg sync.WaitGroup
				for w, s := range stores {
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
	var (
		wall, cpu   time.Duration
		busy, total float64
	)
	for i := 0; i < b.N; i++ {
		c0, t0 := cpuTime(b), time.Now()
		busy0, total0 := machineTime(b)
		sweep(i)
		wall += time.Since(t0)
		cpu += cpuTime(b) - c0
		busy1, total1 := machineTime(b)
		busy, total = busy+busy1-busy0, total+total1-total0
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/sweep")
	b.ReportMetric(float64(cpu)/float64(wall), "cores-busy")
	b.ReportMetric(busy/total*float64(runtime.NumCPU()), "machine-cores-busy")
}
