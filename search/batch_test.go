package search

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// batcher runs an evaluator as a Batcher of size k and records which
// batch each trial ran in, and how many of a batch's trials were in
// Evaluate at once.
type batcher struct {
	eval Evaluator
	k    int

	mu      sync.Mutex
	batchOf map[int]*Batch
	most    int // trials of one batch in Evaluate at once, at most
}

func (b *batcher) BatchSize() int { return b.k }

func (b *batcher) Evaluate(ctx context.Context, t Task) (results.Trial, error) {
	b.mu.Lock()
	if b.batchOf == nil {
		b.batchOf = map[int]*Batch{}
	}
	b.batchOf[t.Number] = t.Batch
	b.mu.Unlock()
	if t.Batch != nil {
		in := t.Batch.Shared(func() any { return new(atomic.Int32) }).(*atomic.Int32)
		n := int(in.Add(1))
		defer in.Add(-1)
		b.mu.Lock()
		b.most = max(b.most, n)
		b.mu.Unlock()
		// Give the others of the batch time to be in Evaluate too.
		for range 50 {
			if int(in.Load()) >= b.k {
				break
			}
			sleep(ctx, 100_000)
		}
	}
	return b.eval.Evaluate(ctx, t)
}

// TestBatcherRunsARoundsTrialsTogether: a Batcher's trials are claimed k
// at a time, in number order, and run together, each its own Evaluate;
// a batch holds one core; the study is the one an evaluator run alone
// gives, at any parallelism.
func TestBatcherRunsARoundsTrialsTogether(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	b := &batcher{eval: EvaluatorFunc(func(_ context.Context, task Task) (results.Trial, error) {
		return results.Trial{Status: results.StatusOK, Value: results.Measured(float64(task.Number))}, nil
	}), k: 4}
	var holds, held, mostHeld atomic.Int32
	hold := func() func() {
		holds.Add(1)
		n := held.Add(1)
		for {
			m := mostHeld.Load()
			if n <= m || mostHeld.CompareAndSwap(m, n) {
				break
			}
		}
		var once sync.Once
		return func() { once.Do(func() { held.Add(-1) }) }
	}
	trials, err := (&Runner{Study: "b", Strategy: &random{plan: Plan{Space: space}, total: 9}, Evaluator: b, Parallelism: 1, Hold: hold}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 9 {
		t.Fatalf("%d trials, want 9", len(trials))
	}
	for n := range 9 {
		same, want := b.batchOf[n], b.batchOf[n/4*4]
		if n == 8 {
			if same != nil {
				t.Errorf("trial 8, alone in the last batch, ran with a Batch")
			}
			continue
		}
		if same == nil || same != want {
			t.Errorf("trial %d ran in batch %p, trial %d in %p: want trials 0–3 and 4–7 together", n, same, n/4*4, want)
		}
	}
	if b.most != 4 {
		t.Errorf("at most %d trials of a batch were in Evaluate at once, want 4", b.most)
	}
	if holds.Load() != 3 || mostHeld.Load() != 1 {
		t.Errorf("%d cores held, at most %d at once; want one per batch (3), one at a time at --parallel 1", holds.Load(), mostHeld.Load())
	}
}

// TestBatcherSameStudyAtAnyParallelism: a coarse-to-fine study run by a
// Batcher is the study the same evaluator gives unbatched, at --parallel
// 1 and 3, trial for trial.
func TestBatcherSameStudyAtAnyParallelism(t *testing.T) {
	run := func(eval Evaluator, par int) []results.Trial {
		c, _ := newCoarseToFine(Plan{Space: quadraticSpace(t), Seed: 9, Goal: "minimize"}, 3, 12, 0.25)
		trials, err := (&Runner{Seed: 9, Strategy: c, Evaluator: eval, Parallelism: par}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return trials
	}
	want := run(EvaluatorFunc(quadratic), 1)
	for _, par := range []int{1, 3} {
		got := run(&batcher{eval: EvaluatorFunc(quadratic), k: 5}, par)
		if len(got) != len(want) {
			t.Fatalf("--parallel %d: %d trials, want %d", par, len(got), len(want))
		}
		for i := range want {
			if fmt.Sprint(got[i].Params) != fmt.Sprint(want[i].Params) || got[i].Value != want[i].Value {
				t.Fatalf("--parallel %d: trial %d is %v=%v, unbatched %v=%v", par, i, got[i].Params, got[i].Value.Float(), want[i].Params, want[i].Value.Float())
			}
		}
	}
}

// TestBatcherWithEarlyStopping: trials of a batch that wait at a rung for
// trials outside it give their slot back (no deadlock at --parallel 1),
// and the same trials are pruned at the same steps as unbatched.
func TestBatcherWithEarlyStopping(t *testing.T) {
	rule := EarlyStopping{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 100, Reduction: 3}
	run := func(eval Evaluator, par int) []results.Trial {
		space := mustSpace(t, Dim{Name: "x", Dist: Uniform, Low: 0, High: 2})
		p, err := NewPruner(rule, false)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := newCoarseToFine(Plan{Space: space, Seed: 5, Goal: "minimize"}, 2, 30, 0.25)
		trials, err := (&Runner{Seed: 5, Strategy: c, Evaluator: eval, Parallelism: par, Pruner: p}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return trials
	}
	want := outcome(run(EvaluatorFunc(curveEvaluator), 1))
	for _, par := range []int{1, 2} {
		if got := outcome(run(&batcher{eval: EvaluatorFunc(curveEvaluator), k: 4}, par)); got != want {
			t.Errorf("--parallel %d batched:\n%s\nunbatched:\n%s", par, got, want)
		}
	}
}

// TestBatcherInterrupted: Ctrl-C during a batch keeps its finished trials
// and leaves the interrupted ones stored running; no later trial starts.
func TestBatcherInterrupted(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int32
	eval := EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
		started.Add(1)
		if task.Number >= 5 {
			if task.Number == 5 {
				cancel()
			}
			<-ctx.Done()
			return results.Trial{}, ctx.Err()
		}
		return results.Trial{Status: results.StatusOK, Value: results.Measured(1)}, nil
	})
	store := newStore(t, "i")
	trials, err := (&Runner{Study: "i", Strategy: &random{plan: Plan{Space: space}, total: 20}, Evaluator: &batcher{eval: eval, k: 4}, Store: store, Parallelism: 1}).Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(trials) != 5 || started.Load() != 8 {
		t.Fatalf("kept %d trials after %d started; want 0–4 finished and batch 4–7 the last started", len(trials), started.Load())
	}
	_, stored, _ := store.Study(context.Background(), "i")
	if len(stored) != 8 {
		t.Fatalf("store: %d trials, want 8", len(stored))
	}
	for _, tr := range stored[5:] {
		if tr.Status != results.StatusRunning {
			t.Errorf("trial %d stored %s, want running (to run again on resume)", tr.Number, tr.Status)
		}
	}
}

// TestBatcherResume: a study resumed after some of its trials finished
// runs the others in batches and is the study run at once.
func TestBatcherResume(t *testing.T) {
	full, err := (&Runner{Seed: 4, Strategy: mustC2F(t, 4), Evaluator: &batcher{eval: EvaluatorFunc(quadratic), k: 4}, Parallelism: 2}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	finished := map[int]results.Trial{}
	for _, tr := range full[:13] { // part of a round
		finished[tr.Number] = tr
	}
	resumed, err := (&Runner{Seed: 4, Strategy: mustC2F(t, 4), Evaluator: &batcher{eval: EvaluatorFunc(quadratic), k: 4}, Parallelism: 1, Finished: finished}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(resumed) != len(full) {
		t.Fatalf("%d trials after resume, %d at once", len(resumed), len(full))
	}
	for i := range full {
		if fmt.Sprint(full[i].Params) != fmt.Sprint(resumed[i].Params) || full[i].Value != resumed[i].Value {
			t.Fatalf("trial %d differs after resume", i)
		}
	}
}

// TestBatcherFailureLimit: failed trials of batches stop the study at
// the failure limit, as unbatched.
func TestBatcherFailureLimit(t *testing.T) {
	space := mustSpace(t, Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1})
	fail := EvaluatorFunc(func(ctx context.Context, task Task) (results.Trial, error) {
		tr := results.Trial{Status: results.StatusFailed}
		tr.Error = "boom"
		return tr, nil
	})
	trials, err := (&Runner{Study: "f", Strategy: &random{plan: Plan{Space: space}, total: 40}, Evaluator: &batcher{eval: fail, k: 4}, Parallelism: 1, MaxFailed: 5}).Run(context.Background())
	var limit *FailureLimitError
	if !errors.As(err, &limit) || limit.Failed != 6 {
		t.Fatalf("err = %v, want the failure limit crossed at 6 failed trials", err)
	}
	if len(trials) > 8 {
		t.Errorf("%d trials finished: the study went on past the batch that crossed the limit", len(trials))
	}
}
