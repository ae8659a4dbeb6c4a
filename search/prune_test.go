package search

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/num"
	"github.com/hpsearch/hpsearch/results"
)

// curveEvaluator trains nothing: each trial's learning curve is
// final + 5/step·(1+x), reported every 10 steps up to 100, so trials with a
// low x converge to a low value and the pruner has curves to judge. It
// sleeps a little out of order so trials report in scrambled order.
func curveEvaluator(ctx context.Context, t Task) (results.Trial, error) {
	x, _ := num.Float(mustGet(t.Params, "x"))
	final := x * x
	var hist []results.Point
	for step := 10; step <= 100; step += 10 {
		time.Sleep(time.Duration((t.Number*7)%5) * 50 * time.Microsecond)
		v := final + 5/float64(step)*(1+x)
		hist = append(hist, results.Point{Iteration: step, TrainLoss: v, GradNorm: math.NaN(), ValidationLoss: v})
		if t.Report != nil && !t.Report(step, v) {
			return results.Trial{Status: results.StatusPruned, Value: results.Measured(v), Iterations: step, StopReason: "pruned", History: hist}, nil
		}
	}
	return results.Trial{Status: results.StatusOK, Value: results.Measured(hist[len(hist)-1].ValidationLoss), Iterations: 100, History: hist}, nil
}

func pruneRun(t *testing.T, rule EarlyStopping, par int, finished map[int]results.Trial) []results.Trial {
	t.Helper()
	space := mustSpace(t, Dim{Name: "x", Dist: Uniform, Low: 0, High: 2})
	p, err := NewPruner(rule, false)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newCoarseToFine(Plan{Space: space, Seed: 5, Goal: "minimize"}, 2, 30, 0.25)
	trials, err := (&Runner{Seed: 5, Strategy: c, Evaluator: EvaluatorFunc(curveEvaluator), Parallelism: par, Pruner: p, Finished: finished}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return trials
}

func outcome(trials []results.Trial) string {
	s := ""
	for _, t := range trials {
		s += fmt.Sprintf("%d:%s@%d ", t.Number, t.Status, t.Iterations)
	}
	return s
}

func TestPrunerDeterministicAtAnyParallelism(t *testing.T) {
	for _, rule := range []EarlyStopping{
		{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 100, Reduction: 3},
		{Kind: Hyperband, MinResource: 10, MaxResource: 100, Reduction: 3},
		{Kind: MedianRule, MinResource: 20, MaxResource: 100, MinTrials: 3},
	} {
		t.Run(rule.Kind, func(t *testing.T) {
			a := pruneRun(t, rule, 1, nil)
			b := pruneRun(t, rule, 4, nil)
			if outcome(a) != outcome(b) {
				t.Fatalf("pruning differs between --parallel 1 and 4:\n%s\n%s", outcome(a), outcome(b))
			}
			pruned, steps := 0, 0
			for _, tr := range a {
				if tr.Status == results.StatusPruned {
					pruned++
				}
				steps += tr.Iterations
			}
			if pruned < len(a)/3 {
				t.Errorf("only %d of %d trials pruned", pruned, len(a))
			}
			// The median rule stops only the worse half, and late; Hyperband
			// hedges with brackets that prune late or never.
			limit := 0.67
			if rule.Kind != SuccessiveHalving {
				limit = 0.8
			}
			if float64(steps) > limit*float64(100*len(a)) {
				t.Errorf("ran %d of %d steps: pruning saved little", steps, 100*len(a))
			}
			// Round 0 proposes the same points with or without pruning: its
			// best trial must survive pruning.
			var round0 []results.Trial
			for _, tr := range pruneRunNoPruner(t) {
				if tr.Round == 0 {
					round0 = append(round0, tr)
				}
			}
			want, _ := results.Best(round0, "minimize")
			if got := a[want.Number]; got.Status != results.StatusOK || got.Value != want.Value {
				t.Errorf("round 0's best trial %d (%g) was %s at step %d with pruning", want.Number, want.Value.Float(), got.Status, got.Iterations)
			}
		})
	}
}

func pruneRunNoPruner(t *testing.T) []results.Trial {
	space := mustSpace(t, Dim{Name: "x", Dist: Uniform, Low: 0, High: 2})
	c, _ := newCoarseToFine(Plan{Space: space, Seed: 5, Goal: "minimize"}, 2, 30, 0.25)
	trials, err := (&Runner{Seed: 5, Strategy: c, Evaluator: EvaluatorFunc(curveEvaluator), Parallelism: 2}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return trials
}

func TestPrunerResumeJudgesAsBefore(t *testing.T) {
	rule := EarlyStopping{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 100, Reduction: 3}
	full := pruneRun(t, rule, 2, nil)
	done := map[int]results.Trial{}
	for _, tr := range full[:37] {
		done[tr.Number] = tr
	}
	resumed := pruneRun(t, rule, 2, done)
	if outcome(full) != outcome(resumed) {
		t.Fatalf("resume changed pruning decisions:\n%s\n%s", outcome(full), outcome(resumed))
	}
}

func TestSuccessiveHalvingRungs(t *testing.T) {
	e := EarlyStopping{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 300, Reduction: 3}
	if got := fmt.Sprint(e.Rungs(10)); got != "[10 30 90 270]" {
		t.Fatalf("rungs %s", got)
	}
	h := EarlyStopping{Kind: Hyperband, MinResource: 10, MaxResource: 300, Reduction: 3}
	if h.brackets() != 5 {
		t.Fatalf("hyperband brackets %d, want 5 (first rungs 10, 30, 90, 270, none)", h.brackets())
	}
	p, _ := NewPruner(h, false)
	for n, want := range []int{10, 30, 90, 270, 810} {
		if got := p.firstRung(n); got != want {
			t.Errorf("trial %d: first rung %d, want %d", n, got, want)
		}
	}
}

// reportAll has every trial of a group report value[n] at step 10 at once
// and returns whether each may go on.
func reportAll(p *Pruner, values []float64) []bool {
	batch := make([]Proposal, len(values))
	for i := range batch {
		batch[i] = Proposal{Number: i}
	}
	p.begin(batch)
	keep := make([]bool, len(values))
	var wg sync.WaitGroup
	for n, v := range values {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keep[n] = p.Report(context.Background(), n, 10, v, nil)
		}()
	}
	wg.Wait()
	return keep
}

func TestSuccessiveHalvingKeepsBestFraction(t *testing.T) {
	p, _ := NewPruner(EarlyStopping{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 100, Reduction: 2}, false)
	// The whole group is judged together: the best half go on, whatever
	// order the reports arrived in.
	got := reportAll(p, []float64{5, 6, 1, 7, 0.5, 3})
	if want := []bool{false, false, true, false, true, true}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
}

func TestPrunerMaximize(t *testing.T) {
	p, _ := NewPruner(EarlyStopping{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 100, Reduction: 2}, true)
	if got := reportAll(p, []float64{0.9, 0.5}); !got[0] || got[1] {
		t.Errorf("maximising 0.9 and 0.5: kept %v, want only the 0.9", got)
	}
}

func TestMedianRuleJudgesAgainstEarlierTrials(t *testing.T) {
	p, _ := NewPruner(EarlyStopping{Kind: MedianRule, MinResource: 10, MaxResource: 100, MinTrials: 2}, false)
	p.begin([]Proposal{{Number: 0}, {Number: 1}, {Number: 2}, {Number: 3}})
	ctx := context.Background()
	for n, v := range []float64{4, 2} {
		if !p.Report(ctx, n, 10, v, nil) {
			t.Fatalf("trial %d pruned with fewer than min_trials earlier trials", n)
		}
	}
	if p.Report(ctx, 2, 10, 3.5, nil) {
		t.Error("3.5 is worse than the median (3) of 4 and 2, but was kept")
	}
	if !p.Report(ctx, 3, 10, 2.5, nil) {
		t.Error("2.5 is better than the median (3.5) of 4, 2 and 3.5, but was pruned")
	}
}

func TestPrunerWaiterWakesOnCancel(t *testing.T) {
	p, _ := NewPruner(EarlyStopping{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 100, Reduction: 2}, false)
	p.begin([]Proposal{{Number: 0}, {Number: 1}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- p.Report(ctx, 1, 10, 3, nil) }() // waits for trial 0
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case keep := <-done:
		if !keep {
			t.Error("a cancelled wait pruned the trial")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting trial never woke after cancel")
	}
}

func TestNewPrunerRejectsBadRules(t *testing.T) {
	for _, r := range []EarlyStopping{
		{Kind: "asha", MinResource: 1, MaxResource: 10, Reduction: 3},
		{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 10, Reduction: 3},
		{Kind: SuccessiveHalving, MinResource: 1, MaxResource: 10, Reduction: 1},
	} {
		if _, err := NewPruner(r, false); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

// TestBuiltInResumeWithBestSoFarReports: trials of the built-in trainer
// monitoring validation_loss report the lowest validation loss so far,
// which the history (the raw curve) does not hold; a resumed study replays
// the stored reports and prunes exactly as the uninterrupted run did.
func TestBuiltInResumeWithBestSoFarReports(t *testing.T) {
	run := func(finished map[int]results.Trial) []results.Trial {
		cfg, obj, strat := builtInSweep(t, "../configs/iris-mlp.yaml", []string{"trainer.max_iterations=270", "search.rounds=2"})
		rule := EarlyStopping{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 270, Reduction: 3}
		p, err := NewPruner(rule, false)
		if err != nil {
			t.Fatal(err)
		}
		obj.ReportEvery(rule.MinResource, rule.MaxResource)
		trials, err := (&Runner{Seed: cfg.Seed, Strategy: strat, Evaluator: obj, Parallelism: 2, Pruner: p, Finished: finished}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return trials
	}
	full := run(nil)
	differ := 0
	for _, tr := range full {
		if tr.Reports == nil {
			t.Fatalf("trial %d kept no reports", tr.Number)
		}
		for i, r := range tr.Reports {
			if i > 0 && r.Value > tr.Reports[i-1].Value {
				t.Fatalf("trial %d reported %v after %v: want the lowest so far", tr.Number, r.Value, tr.Reports[i-1].Value)
			}
			for _, h := range tr.History {
				if h.Iteration == r.Step && h.ValidationLoss != r.Value {
					differ++
				}
			}
		}
	}
	if differ == 0 {
		t.Fatal("no report differs from the history's validation loss at its step: the test shows nothing")
	}
	// Trials finish out of order: every other one of each round is done.
	done := map[int]results.Trial{}
	for _, tr := range full {
		if tr.Number%2 == 0 {
			done[tr.Number] = tr
		}
	}
	if resumed := run(done); outcome(full) != outcome(resumed) {
		t.Fatalf("resume changed pruning decisions:\n%s\n%s", outcome(full), outcome(resumed))
	}
}

// The rung rules' wait is a count kept as trials report and end
// (decider.settled); it must say exactly what scanning the group says,
// whatever order the reports, ends and replayed trials come in, and with
// steps that jump past rungs or go back.
func TestSettledCountsAgreeWithTheGroup(t *testing.T) {
	for _, rule := range []EarlyStopping{
		{Kind: SuccessiveHalving, MinResource: 3, MaxResource: 81, Reduction: 3},
		{Kind: Hyperband, MinResource: 3, MaxResource: 81, Reduction: 3},
		{Kind: Auto, MinResource: 3, MaxResource: 81, Reduction: 3, Budget: 0.32},
	} {
		for seed := range uint64(20) {
			rng := rand.New(rand.NewPCG(seed, 7))
			p, err := NewPruner(rule, false)
			if err != nil {
				t.Fatal(err)
			}
			const n = 12
			var batch []Proposal
			for i := range n {
				batch = append(batch, Proposal{Number: i, Round: i / 6})
			}
			p.begin(batch[:n-1])
			// Two trials come as replayed ones (resume): one replaces its
			// live record, which had counted a rung, the other is new.
			l := p.trials[n-2]
			l.steps, l.vals = append(l.steps, 30), append(l.vals, 1)
			p.settle(n - 2)
			p.replay(results.Trial{Number: n - 2, Round: 1, Status: results.StatusPruned,
				Reports: []results.Reported{{Step: 5, Value: 1}, {Step: 10, Value: 0.9}}})
			p.replay(results.Trial{Number: n - 1, Round: 1, Status: results.StatusOK,
				Reports: []results.Reported{{Step: 81, Value: 0.5}}})
			step := make([]int, n)
			for range 200 {
				m := rng.IntN(n - 2)
				if p.trials[m].ended {
					continue
				}
				if rng.IntN(15) == 0 {
					p.end(m, rng.IntN(2) == 0)
					continue
				}
				step[m] = max(1, step[m]+rng.IntN(13)-2) // mostly up, sometimes back
				l := p.trials[m]
				l.steps, l.vals = append(l.steps, step[m]), append(l.vals, rng.Float64())
				p.settle(m)
				for k := range n {
					for _, r := range p.rungs(k) {
						g := p.trials[k].group
						_, scan := p.whole(k, g, r)
						reached := slices.ContainsFunc(p.trials[k].steps, func(s int) bool { return s >= r }) || p.trials[k].ended
						if want := scan || !reached; p.waitingAt(k, g, r) != want {
							t.Fatalf("%s seed %d: trial %d at rung %d: the count says waiting %v, the group %v",
								rule.Kind, seed, k, r, p.waitingAt(k, g, r), want)
						}
					}
				}
			}
		}
	}
}
