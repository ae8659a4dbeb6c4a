package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/num"
	"github.com/hpsearch/hpsearch/results"
)

func mustSpace(t testing.TB, ps ...Dim) *Space {
	t.Helper()
	s, err := NewSpace(ps)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPowersOfTenAreExact(t *testing.T) {
	d := Dim{Name: "learning_rate", Dist: PowersOfTen, Low: -6, High: 0}
	want := []float64{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1}
	got := d.gridValues(0)
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].(float64) != want[i] {
			t.Errorf("power %d: got %v (%b), want exactly %v", i, got[i], math.Float64bits(got[i].(float64)), want[i])
		}
	}
	// Sampling hits only exact powers, each of them.
	seen := map[float64]bool{}
	for i := 0; i < 1000; i++ {
		seen[d.At(d.InitialRange(), float64(i)/1000).(float64)] = true
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("sampling never drew %v", w)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("sampling drew %d distinct values, want %d: %v", len(seen), len(want), seen)
	}
}

func TestDimAt(t *testing.T) {
	tests := []struct {
		name   string
		p      Dim
		u      float64
		want   any
		within [2]float64
	}{
		{name: "uniform low end", p: Dim{Dist: Uniform, Low: 2, High: 4}, u: 0, want: 2.0},
		{name: "uniform middle", p: Dim{Dist: Uniform, Low: 2, High: 4}, u: 0.5, want: 3.0},
		{name: "log middle is geometric", p: Dim{Dist: LogUniform, Low: 1e-4, High: 1}, u: 0.5, within: [2]float64{0.00999, 0.01001}},
		{name: "int high end reachable", p: Dim{Dist: Int, Low: 4, High: 64}, u: 0.9999, want: int64(64)},
		{name: "int low end", p: Dim{Dist: Int, Low: 4, High: 64}, u: 0, want: int64(4)},
		{name: "log int", p: Dim{Dist: Int, Low: 1, High: 1000, Log: true}, u: 0.5, within: [2]float64{30, 33}},
		{name: "choice", p: Dim{Dist: Choice, Choices: []any{"gd", "adam"}}, u: 0.75, want: "adam"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.p
			got := d.At(d.InitialRange(), tc.u)
			if tc.want != nil {
				if got != tc.want {
					t.Fatalf("At(%v) = %v (%T), want %v (%T)", tc.u, got, got, tc.want, tc.want)
				}
				return
			}
			x, _ := num.Float(got)
			if x < tc.within[0] || x > tc.within[1] {
				t.Fatalf("At(%v) = %v, want within %v", tc.u, got, tc.within)
			}
		})
	}
}

func TestGridProductOrder(t *testing.T) {
	space := mustSpace(t,
		Dim{Name: "optimizer", Dist: Choice, Choices: []any{"gd", "adam"}},
		Dim{Name: "learning_rate", Dist: PowersOfTen, Low: -2, High: 0},
	)
	g, err := newGrid(Plan{Space: space}, 5)
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := g.Ask()
	if len(batch) != 6 || g.Total() != 6 {
		t.Fatalf("grid of 2×3 gave %d trials (total %d)", len(batch), g.Total())
	}
	want := []string{"gd 0.01", "gd 0.1", "gd 1", "adam 0.01", "adam 0.1", "adam 1"}
	for i, p := range batch {
		if got := fmt.Sprint(p.Params[0].Value, " ", p.Params[1].Value); got != want[i] {
			t.Errorf("trial %d: %s, want %s", i, got, want[i])
		}
	}
	if more, _ := g.Ask(); len(more) != 0 {
		t.Errorf("grid asked twice gave %d more trials", len(more))
	}
}

func TestPowersOfTenStrategyCrossesChoices(t *testing.T) {
	space := mustSpace(t,
		Dim{Name: "learning_rate", Dist: LogUniform, Low: 2e-5, High: 0.5},
		Dim{Name: "optimizer", Dist: Choice, Choices: []any{"gd", "momentum"}},
		Dim{Name: "init_std", Dist: LogUniform, Low: 1e-3, High: 1},
	)
	s, err := newPowersOfTen(Plan{Space: space, Seed: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := s.Ask()
	// Powers inside [2e-5, 0.5]: 1e-4, 1e-3, 1e-2, 1e-1; × 2 optimizers.
	if len(batch) != 8 {
		t.Fatalf("got %d trials, want 8", len(batch))
	}
	seen := map[string]bool{}
	for _, p := range batch {
		seen[fmt.Sprint(p.Params[0].Value, p.Params[1].Value)] = true
		if v := p.Params[2].Value.(float64); v < 1e-3 || v > 1 {
			t.Errorf("init_std %v outside its range", v)
		}
	}
	for _, lr := range []float64{1e-4, 1e-3, 1e-2, 1e-1} {
		for _, o := range []string{"gd", "momentum"} {
			if !seen[fmt.Sprint(lr, o)] {
				t.Errorf("missing learning_rate %v × %s", lr, o)
			}
		}
	}
	if _, err := newPowersOfTen(Plan{Space: mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})}, 0); err == nil {
		t.Error("powers-of-ten without a learning rate was accepted")
	}
}

// quadratic is a tiny objective with its minimum at learning_rate = 1e-2,
// momentum = 0.7 and optimizer adam.
func quadratic(_ context.Context, task Task) (results.Trial, error) {
	lr, _ := num.Float(mustGet(task.Params, "learning_rate"))
	m, _ := num.Float(mustGet(task.Params, "momentum"))
	v := math.Pow(math.Log10(lr)+2, 2) + math.Pow(m-0.7, 2)*10
	if mustGet(task.Params, "optimizer") != "adam" {
		v += 1
	}
	return results.Trial{Status: results.StatusOK, Value: results.Measured(v), TrainLoss: results.Measured(v)}, nil
}

func newStore(t testing.TB, study string) *results.MemoryStore {
	s := results.NewMemoryStore()
	if err := s.PutStudy(context.Background(), results.Study{Name: study}); err != nil {
		t.Fatal(err)
	}
	return s
}

func mustGet(p results.Params, name string) any {
	v, _ := p.Get(name)
	return v
}

func quadraticSpace(t testing.TB) *Space {
	return mustSpace(t,
		Dim{Name: "learning_rate", Dist: PowersOfTen, Low: -6, High: 0},
		Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 0.99},
		Dim{Name: "optimizer", Dist: Choice, Choices: []any{"gd", "momentum", "adam"}},
	)
}

func TestCoarseToFineNarrows(t *testing.T) {
	space := quadraticSpace(t)
	c, err := newCoarseToFine(Plan{Space: space, Seed: 3, Goal: "minimize"}, 4, 30, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Study: "t", Seed: 3, Strategy: c, Evaluator: EvaluatorFunc(quadratic), Parallelism: 2}
	trials, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 120 {
		t.Fatalf("ran %d trials, want 120", len(trials))
	}
	rounds := c.Rounds()
	if len(rounds) != 4 {
		t.Fatalf("recorded %d rounds, want 4", len(rounds))
	}
	first, last := rounds[0].Ranges, rounds[3].Ranges
	// The learning rate narrows in log space around 1e-2, inside the original range.
	if !(last[0].Low >= first[0].Low && last[0].High <= first[0].High) {
		t.Errorf("learning_rate left its range: %v", last[0])
	}
	if !(last[0].Low <= 1e-2 && last[0].High >= 1e-2) {
		t.Errorf("learning_rate range %v lost the optimum 1e-2", last[0])
	}
	if w0, w3 := math.Log10(first[0].High/first[0].Low), math.Log10(last[0].High/last[0].Low); w3 >= w0/2 {
		t.Errorf("learning_rate range did not narrow: %.2g decades → %.2g", w0, w3)
	}
	if !(last[1].High-last[1].Low < (first[1].High-first[1].Low)/2) || last[1].High <= last[1].Low {
		t.Errorf("momentum range did not narrow or collapsed: %v → %v", first[1], last[1])
	}
	if len(last[2].Choices) == 0 || len(last[2].Choices) > 2 {
		t.Errorf("optimizer choices after narrowing: %v, want adam kept and the losers dropped", last[2].Choices)
	}
	if !(rounds[3].Best <= rounds[0].Best) || !(rounds[3].Median < rounds[0].Median) {
		t.Errorf("later rounds no better: round 0 best %g median %g, round 3 best %g median %g",
			rounds[0].Best, rounds[0].Median, rounds[3].Best, rounds[3].Median)
	}
}

func TestCoarseToFineNeverCollapses(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	c, _ := newCoarseToFine(Plan{Space: space, Seed: 1}, 10, 8, 0.25)
	// Every trial scores the same: the box of the kept points is tiny.
	flat := EvaluatorFunc(func(context.Context, Task) (results.Trial, error) {
		return results.Trial{Status: results.StatusOK, Value: results.Measured(1)}, nil
	})
	if _, err := (&Runner{Strategy: c, Evaluator: flat, Parallelism: 1}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Rounds() {
		if w := r.Ranges[0].High - r.Ranges[0].Low; w < minWidthFraction*0.999 {
			t.Fatalf("round %d: width %g below the floor %g", r.Round, w, minWidthFraction)
		}
	}
}

func TestSameSeedSameTrialsAtAnyParallelism(t *testing.T) {
	run := func(par int) []results.Trial {
		c, _ := newCoarseToFine(Plan{Space: quadraticSpace(t), Seed: 9, Goal: "minimize"}, 3, 12, 0.25)
		// Trials finish out of order: later numbers first.
		eval := EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
			time.Sleep(time.Duration(12-task.Number%12) * 100 * time.Microsecond)
			return quadratic(ctx, task)
		})
		trials, err := (&Runner{Seed: 9, Strategy: c, Evaluator: eval, Parallelism: par}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return trials
	}
	a, b := run(1), run(4)
	if len(a) != len(b) {
		t.Fatalf("%d trials at parallel 1, %d at 4", len(a), len(b))
	}
	for i := range a {
		if fmt.Sprint(a[i].Params) != fmt.Sprint(b[i].Params) || a[i].Value != b[i].Value || a[i].Seed != b[i].Seed {
			t.Fatalf("trial %d differs: %v %v vs %v %v", i, a[i].Params, a[i].Value.Float(), b[i].Params, b[i].Value.Float())
		}
	}
}

func TestPanicBecomesFailedTrial(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	eval := EvaluatorFunc(func(_ context.Context, task Task) (results.Trial, error) {
		if task.Number == 2 {
			var m map[string]int
			m["boom"]++ // a real runtime panic
		}
		return results.Trial{Status: results.StatusOK, Value: results.Measured(float64(task.Number))}, nil
	})
	store := newStore(t, "p")
	trials, err := (&Runner{Study: "p", Strategy: &random{plan: Plan{Space: space}, total: 5}, Evaluator: eval, Store: store, Parallelism: 2}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 5 {
		t.Fatalf("got %d trials, want 5", len(trials))
	}
	if trials[2].Status != results.StatusFailed || trials[2].Error == "" {
		t.Fatalf("trial 2: status %s error %q, want failed with the panic message", trials[2].Status, trials[2].Error)
	}
	_, stored, err := store.Study(context.Background(), "p")
	if err != nil || len(stored) != 5 || stored[2].Status != results.StatusFailed {
		t.Fatalf("store holds %d trials (err %v), want 5 with trial 2 failed", len(stored), err)
	}
}

func TestCancelStartsNoNewTrialAndKeepsFinished(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int32
	eval := EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
		started.Add(1)
		if task.Number == 3 {
			cancel() // Ctrl-C arrives while trial 3 runs
			<-ctx.Done()
			return results.Trial{}, ctx.Err()
		}
		return results.Trial{Status: results.StatusOK, Value: results.Measured(1)}, nil
	})
	store := newStore(t, "c")
	trials, err := (&Runner{Study: "c", Strategy: &random{plan: Plan{Space: space}, total: 50}, Evaluator: eval, Store: store, Parallelism: 1}).Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(trials) != 3 || started.Load() != 4 {
		t.Fatalf("kept %d trials after %d started; want the 3 finished and no trial started after the interrupt", len(trials), started.Load())
	}
	_, stored, _ := store.Study(context.Background(), "c")
	if len(stored) != 4 || stored[3].Status != results.StatusRunning {
		t.Fatalf("store: %d trials, want 3 finished + trial 3 left running for resume", len(stored))
	}
}

func TestResumeReusesFinishedTrials(t *testing.T) {
	full, err := (&Runner{Seed: 4, Strategy: mustC2F(t, 4), Evaluator: EvaluatorFunc(quadratic), Parallelism: 2}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	finished := map[int]results.Trial{}
	for _, tr := range full[:17] {
		finished[tr.Number] = tr
	}
	var evaluated atomic.Int32
	count := EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
		evaluated.Add(1)
		return quadratic(ctx, task)
	})
	resumed, err := (&Runner{Seed: 4, Strategy: mustC2F(t, 4), Evaluator: count, Parallelism: 2, Finished: finished}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if int(evaluated.Load()) != len(full)-17 {
		t.Errorf("resume evaluated %d trials, want %d", evaluated.Load(), len(full)-17)
	}
	for i := range full {
		if fmt.Sprint(full[i].Params) != fmt.Sprint(resumed[i].Params) || full[i].Value != resumed[i].Value {
			t.Fatalf("trial %d differs after resume", i)
		}
	}
}

func mustC2F(t testing.TB, seed uint64) *coarseToFine {
	c, err := newCoarseToFine(Plan{Space: quadraticSpace(t), Seed: seed, Goal: "minimize"}, 3, 10, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTrialSeedsDiffer(t *testing.T) {
	seen := map[uint64]bool{}
	for n := 0; n < 1000; n++ {
		s := TrialSeed(42, n)
		if seen[s] {
			t.Fatalf("trial %d repeats a seed", n)
		}
		seen[s] = true
	}
	if TrialSeed(1, 0) == TrialSeed(2, 0) {
		t.Error("different study seeds give the same trial seed")
	}
}

// BenchmarkOrchestration measures runner + strategy + bookkeeping per trial
// with a trainer that returns at once. Compare ns/op (one op = one trial) at
// 1,000 and 10,000 trials: it must stay under 50 µs and not grow.
func BenchmarkOrchestration(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("trials=%d", n), func(b *testing.B) {
			space := quadraticSpace(b)
			instant := EvaluatorFunc(quadratic)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c, _ := newCoarseToFine(Plan{Space: space, Seed: 1, Goal: "minimize"}, 10, n/10, 0.25)
				store := newStore(b, "b")
				if _, err := (&Runner{Study: "b", Seed: 1, Strategy: c, Evaluator: instant, Store: store, Parallelism: 2}).Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/trial")
		})
	}
}
