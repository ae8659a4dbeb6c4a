package trainer

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"
)

// A run a person stops ends at its next iteration with StopUser, and keeps
// exactly what a run whose budget ended there keeps: its weights, losses
// and value. The stop is asked for from Report, on the run's goroutine, so
// the iteration is known.
func TestWatchStopKeepsTheWeights(t *testing.T) {
	p := regressionProblem(t, 200, 3, 0.1, 4)
	for _, monitor := range []string{MonitorTraining, MonitorValidation} {
		t.Run(monitor, func(t *testing.T) {
			const at = 60
			w := &Watch{}
			s := settings(func(s *Settings) {
				s.Monitor, s.Seed, s.Watch = monitor, 3, w
				s.ReportEvery, s.Report = 20, func(it int, _ float64) bool {
					if it == at {
						w.Stop()
					}
					return true
				}
			})
			stopped, err := Train(context.Background(), p, s)
			if err != nil {
				t.Fatal(err)
			}
			s.Watch, s.ReportEvery, s.Report, s.MaxIterations = nil, 0, nil, at
			budget, err := Train(context.Background(), p, s)
			if err != nil {
				t.Fatal(err)
			}
			if stopped.StopReason != StopUser || stopped.Iterations != at {
				t.Fatalf("stopped run: %s at %d, want %s at %d", stopped.StopReason, stopped.Iterations, StopUser, at)
			}
			if !slices.Equal(stopped.Weights, budget.Weights) || stopped.TrainLoss != budget.TrainLoss ||
				stopped.ValidationLoss != budget.ValidationLoss || stopped.BestIteration != budget.BestIteration {
				t.Errorf("stopped run kept loss %v, validation %v, best iteration %d; the run with max_iterations %d: %v, %v, %d",
					stopped.TrainLoss, stopped.ValidationLoss, stopped.BestIteration, at, budget.TrainLoss, budget.ValidationLoss, budget.BestIteration)
			}
		})
	}
}

// A stop asked for from another goroutine ends a run that would otherwise
// go on for a billion iterations, and no further restart starts.
func TestWatchStopFromAnotherGoroutine(t *testing.T) {
	w := &Watch{}
	s := settings(func(s *Settings) {
		s.Model = function(FunctionRosenbrock, 2)
		s.LearningRate, s.MaxIterations, s.Restarts, s.Watch = 1e-5, 1e9, 3, w
	})
	done := make(chan Result, 1)
	go func() {
		res, err := Train(context.Background(), Problem{}, s)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	// Stop once the run has shown a few points, as a person watching would.
	deadline := time.After(time.Minute)
	var seen []HistoryPoint
	for len(seen) < 3 {
		select {
		case <-deadline:
			t.Fatal("no history point within a minute")
		case <-time.After(time.Millisecond):
		}
		seen, _ = w.Progress(seen)
	}
	w.Stop()
	select {
	case res := <-done:
		if res.StopReason != StopUser || res.Restart != 0 || math.IsNaN(res.TrainLoss) {
			t.Errorf("stopped run: %s, restart %d, loss %v; want %s in the first restart with its loss", res.StopReason, res.Restart, res.TrainLoss, StopUser)
		}
	case <-deadline:
		t.Fatal("the run did not stop within a minute")
	}
}

// What Progress hands out, new points appended and a replace starting
// over, is the run's history as it goes, thinned as it is: bounded by
// HistoryLimit, and ending where the result's history does.
func TestWatchProgressFollowsTheHistory(t *testing.T) {
	p := regressionProblem(t, 200, 3, 0.1, 4)
	w := &Watch{}
	var (
		mirror   []HistoryPoint
		replaces int
		most     int
	)
	take := func() {
		var pts []HistoryPoint
		pts, replace := w.Progress(nil)
		if replace {
			mirror, replaces = mirror[:0], replaces+1
		}
		mirror = append(mirror, pts...)
		most = max(most, len(mirror))
	}
	const limit = 16
	s := settings(func(s *Settings) {
		s.LearningRate, s.HistoryLimit, s.MaxIterations, s.Watch = 1e-4, limit, 500, w
		// Taken at every report: the run's own goroutine, so each take
		// sees the history at a known point.
		s.ReportEvery, s.Report = 7, func(int, float64) bool { take(); return true }
	})
	res, err := Train(context.Background(), p, s)
	if err != nil {
		t.Fatal(err)
	}
	take()
	if most > limit {
		t.Errorf("%d points handed out at once, the history keeps %d", most, limit)
	}
	if replaces < 2 {
		t.Errorf("%d replaces: the start and each thinning should replace", replaces)
	}
	// The result's history is the recorded one plus its final point.
	if len(mirror) < len(res.History)-1 || len(mirror) > len(res.History) {
		t.Fatalf("followed %d points, the result has %d", len(mirror), len(res.History))
	}
	for i := range len(res.History) - 1 {
		if mirror[i] != res.History[i] {
			t.Errorf("point %d followed as %+v, the result's is %+v", i, mirror[i], res.History[i])
		}
	}
}

// Watching adds no allocation per iteration: ten times the iterations
// cost no more than without a watch (the history's few growths).
func TestWatchAllocatesNothingPerIteration(t *testing.T) {
	p := regressionProblem(t, 200, 3, 0.1, 2)
	allocs := func(iters int, s Settings, p Problem) float64 {
		s.MaxIterations, s.Seed, s.TimeLimit = iters, 1, time.Hour
		s.Watch = &Watch{}
		return testing.AllocsPerRun(3, func() { _, _ = Train(context.Background(), p, s) })
	}
	for _, tc := range []struct {
		name string
		s    Settings
		p    Problem
	}{
		{"gd data", settings(func(s *Settings) { s.LearningRate = 1e-4 }), p},
		{"minibatch data", settings(func(s *Settings) {
			s.Optimizer, s.LearningRate, s.BatchSize = OptimizerMinibatch, 1e-4, 32
		}), p},
		{"landscape", settings(func(s *Settings) {
			s.Model, s.LearningRate = function(FunctionRastrigin, 2), 1e-6
		}), Problem{}},
	} {
		short, long := allocs(1000, tc.s, tc.p), allocs(10000, tc.s, tc.p)
		if long-short > 8 {
			t.Errorf("%s: %v allocations for 1000 iterations, %v for 10000", tc.name, short, long)
		}
	}
}

// BenchmarkWatch is a run of 100,000 iterations on the cheapest iteration
// there is (a 2-D landscape: a few ns of work), without and with a Watch:
// the cost of the stop flag's atomic load per iteration and of copying
// each recorded history point under a lock.
func BenchmarkWatch(b *testing.B) {
	for _, watched := range []bool{false, true} {
		name := "off"
		if watched {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			s := settings(func(s *Settings) {
				s.Model, s.LearningRate, s.MaxIterations = function(FunctionRosenbrock, 2), 1e-6, 100_000
			})
			b.ReportAllocs()
			for b.Loop() {
				if watched {
					s.Watch = &Watch{}
				}
				if _, err := Train(context.Background(), Problem{}, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
