package trainer

import (
	"context"
	"math"
	"sync"
	"testing"
)

// sweepTrials is a 9-trial powers-of-ten sweep of the linear benchmark's
// model: learning rates 1e-4 … 1e4, gd, 20 iterations; the rates of 1 and
// above diverge within a few steps, as in a real sweep.
func sweepTrials() []Settings {
	out := make([]Settings, 9)
	for i := range out {
		out[i] = Settings{
			Model: ModelSpec{Kind: KindLinear, Loss: LossMSE}, Optimizer: OptimizerGD,
			LearningRate: math.Pow(10, float64(i-4)), Beta2: 0.999, Epsilon: 1e-8,
			MaxIterations: 20, Monitor: MonitorTraining, InitStd: 0.1, Restarts: 1,
			Seed: uint64(i), HistoryLimit: 100,
		}
	}
	return out
}

// benchSweep times the sweep on the 200,000 × 64 set, either each trial
// after the other (what --parallel 1 did) or all in one Batch, on one
// core as BenchmarkLinearStepFused (the cores a step could borrow are
// held) or on all, and reports trials per second and the process's CPU
// time per sweep.
func benchSweep(b *testing.B, batched, allCores bool) {
	d := benchLinearSet()
	p := Problem{Train: d}
	all := sweepTrials()
	if maxHelpers > 0 && !allCores {
		// Every token, the trials' own included: the benchmark's
		// goroutines hold none (the runner's HoldCore is not in the
		// way), so holding only the others left one for a pass to
		// borrow, and the one-core variants ran on two.
		if !cores.TryAcquire(int64(maxHelpers + 1)) {
			b.Fatal("the cores a step borrows are in use")
		}
		defer cores.Release(int64(maxHelpers + 1))
	}
	ctx := context.Background()
	b.ReportAllocs()
	cpu0, cpuOK := processCPU()
	for b.Loop() {
		if !batched {
			for _, s := range all {
				if _, err := Train(ctx, p, s); err != nil {
					b.Fatal(err)
				}
			}
			continue
		}
		batch := NewBatch()
		var wg sync.WaitGroup
		for _, s := range all {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := batch.Train(ctx, p, s); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(len(all)*b.N)/b.Elapsed().Seconds(), "trials/s")
	if cpu1, ok := processCPU(); ok && cpuOK {
		// The whole process's CPU time, every core's: other jobs on a
		// shared machine inflate it far less than the wall clock.
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkSweepOneByOne and BenchmarkSweepBatched: the bar is batched at
// least 3× the trials per second of one by one. The AllCores variants
// lend the other cores to the steps or passes, as for a lone trial or
// batch (--parallel 1, or the last trials of a round).
func BenchmarkSweepOneByOne(b *testing.B)         { benchSweep(b, false, false) }
func BenchmarkSweepBatched(b *testing.B)          { benchSweep(b, true, false) }
func BenchmarkSweepOneByOneAllCores(b *testing.B) { benchSweep(b, false, true) }
func BenchmarkSweepBatchedAllCores(b *testing.B)  { benchSweep(b, true, true) }
