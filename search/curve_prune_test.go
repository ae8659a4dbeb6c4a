package search

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/num"
	"github.com/hpsearch/hpsearch/results"
)

// slowCurveEvaluator reports every 2 steps up to 100 (enough points for
// auto to fit at the first rung, 10): trials with x below 1 start fast and
// level off at 0.5 + x/4; the others start slowly and fall steadily to
// (x − 1)², so the best of them end far below the fast ones. It sleeps a
// little out of order so trials report in scrambled order.
func slowCurveEvaluator(ctx context.Context, t Task) (results.Trial, error) {
	x, _ := num.Float(mustGet(t.Params, "x"))
	var hist []results.Point
	for step := 2; step <= 100; step += 2 {
		time.Sleep(time.Duration((t.Number*7)%5) * 20 * time.Microsecond)
		s := float64(step)
		v := 0.5 + x/4 + 2/s
		if x >= 1 {
			v = (x-1)*(x-1) + 2*(1-s/100) + 0.01
		}
		hist = append(hist, results.Point{Iteration: step, TrainLoss: v, GradNorm: math.NaN(), ValidationLoss: v})
		if t.Report != nil && !t.Report(step, v) {
			return results.Trial{Status: results.StatusPruned, Value: results.Measured(v), Iterations: step, StopReason: "pruned", History: hist}, nil
		}
	}
	return results.Trial{Status: results.StatusOK, Value: results.Measured(hist[len(hist)-1].ValidationLoss), Iterations: 100, History: hist}, nil
}

func autoRun(t *testing.T, rule EarlyStopping, par int, finished map[int]results.Trial) []results.Trial {
	t.Helper()
	space := mustSpace(t, Dim{Name: "x", Dist: Uniform, Low: 0, High: 2})
	r := &Runner{Seed: 5, Evaluator: EvaluatorFunc(slowCurveEvaluator), Parallelism: par, Finished: finished}
	var err error
	if rule.Kind != "" {
		if r.Pruner, err = NewPruner(rule, false); err != nil {
			t.Fatal(err)
		}
	}
	c, err := newCoarseToFine(Plan{Space: space, Seed: 5, Goal: "minimize"}, 2, 27, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	c.lookAhead = rule
	r.Strategy = c
	trials, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return trials
}

func TestAutoDeterministicAtAnyParallelismAndResume(t *testing.T) {
	rule := EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 100, Reduction: 3}
	a := autoRun(t, rule, 1, nil)
	b := autoRun(t, rule, 4, nil)
	if outcome(a) != outcome(b) {
		t.Fatalf("pruning differs between --parallel 1 and 4:\n%s\n%s", outcome(a), outcome(b))
	}
	done := map[int]results.Trial{}
	for _, tr := range a[:31] {
		done[tr.Number] = tr
	}
	if resumed := autoRun(t, rule, 2, done); outcome(a) != outcome(resumed) {
		t.Fatalf("resume changed pruning decisions:\n%s\n%s", outcome(a), outcome(resumed))
	}
	pruned, steps := 0, 0
	for _, tr := range a {
		if tr.Status == results.StatusPruned {
			pruned++
		}
		steps += tr.Iterations
	}
	if pruned < len(a)/3 || float64(steps) > 0.67*float64(100*len(a)) {
		t.Errorf("%d of %d trials pruned, %d of %d steps run: auto saved little", pruned, len(a), steps, 100*len(a))
	}
}

// On these curves successive halving keeps the fast starters and loses the
// slow ones that end best; auto keeps them.
func TestAutoFindsTheSlowStarterSuccessiveHalvingLoses(t *testing.T) {
	best := func(trials []results.Trial) float64 {
		b, ok := results.Best(trials, "minimize")
		if !ok {
			t.Fatal("no trial finished")
		}
		return b.Value.Float()
	}
	full := best(autoRun(t, EarlyStopping{}, 2, nil))
	sh := best(autoRun(t, EarlyStopping{Kind: SuccessiveHalving, MinResource: 10, MaxResource: 100, Reduction: 3}, 2, nil))
	auto := best(autoRun(t, EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 100, Reduction: 3}, 2, nil))
	if !(sh > full+0.1) {
		t.Fatalf("successive halving found %g, without pruning %g: the case does not test anything", sh, full)
	}
	if auto > full+0.01 {
		t.Errorf("auto found %g, without pruning %g (successive halving %g)", auto, full, sh)
	}
}

func TestWorkersAutoAsOneProcess(t *testing.T) { pruneAsOneProcess(t, Auto, 2, 2) }

// The default min_resource (max/η³ rounded down) puts successive halving's
// last rung a few iterations short of the end: auto does not judge there.
func TestAutoDoesNotJudgeWhereStoppingSavesLittle(t *testing.T) {
	for _, tc := range []struct {
		kind string
		want []int
	}{
		{SuccessiveHalving, []int{22, 66, 198, 594}},
		{Auto, []int{22, 66, 198}},
	} {
		d := newDecider(EarlyStopping{Kind: tc.kind, MinResource: 22, MaxResource: 600, Reduction: 3})
		l := &progressLog{}
		d.add(0, l)
		var got []int
		for step := 5; step <= 600; step += 5 {
			l.steps, l.vals = append(l.steps, step), append(l.vals, 1)
			if r, ok := d.judgedAt(0, step); ok {
				got = append(got, r)
			}
		}
		if !equalInts(got, tc.want) {
			t.Errorf("%s judges at %v, want %v", tc.kind, got, tc.want)
		}
	}
}

// At a rung too early for any curve to be extrapolated (25 of 600), auto
// keeps the best half of the round by value, and only them.
func TestAutoKeepsTheBestHalfWhereNoCurveCanBeExtrapolated(t *testing.T) {
	d := curveGroupTo(Auto, 600)
	for n, want := range map[int]bool{0: true, 3: true, 4: true, 5: false, 7: false, 8: false} {
		v := d.trials[n].vals[4]
		if got := d.keep(n, 0, 25, v, othersAt(d, n)); got != want {
			t.Errorf("trial %d at %g: kept %v, want %v (the best 5 of 9 go on)", n, v, got, want)
		}
	}
}

// budgetGroup is a round of 27 trials at auto's last rung, 90 of 270:
// pruned trials stopped at 30, levelled-off trials at the rung, and three
// trials still falling steeply, the worst at the rung, whose forecasts
// rescue them (the steepest, trial 26, forecast lowest).
func budgetGroup(atRung int) *decider {
	d := newDecider(EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 270, Reduction: 3})
	add := func(n, upTo int, v func(s float64) float64) {
		l := &progressLog{group: d.group(n, 0)}
		for s := 10; s <= upTo; s += 10 {
			l.steps, l.vals = append(l.steps, s), append(l.vals, v(float64(s)))
		}
		l.ended = upTo < 90
		d.add(n, l)
	}
	for n := range 27 - atRung {
		add(n, 30, func(float64) float64 { return 2 })
	}
	for n := 27 - atRung; n < 24; n++ {
		add(n, 90, func(s float64) float64 { return 0.5 + 0.01*float64(n) + 1/s })
	}
	for j := range 3 {
		add(24+j, 90, func(s float64) float64 { return 4 - s*(0.02+0.003*float64(j)) })
	}
	return &d
}

// At the last rung, auto rescues only what fits in a third of the round's
// iterations: each rescued trial runs 180 more.
func TestAutoRescuesAtTheLastRungWithinItsBudget(t *testing.T) {
	for _, tc := range []struct {
		atRung int
		kept   []int // of the falling trials 24, 25, 26
	}{
		{9, []int{24, 25, 26}}, // 18 stopped at 30: room for 6 past the rung, 3 kept by rank
		{12, []int{26}},        // room for 5, 4 kept by rank: the best forecast
		{15, nil},              // room for 4, 5 kept by rank
	} {
		d := budgetGroup(tc.atRung)
		var kept []int
		for n := 24; n < 27; n++ {
			others, _ := d.whole(n, 0, 90)
			v := d.trials[n].vals[8]
			if d.keepRank(v, others) || !d.rescued(n, 0, 90) {
				t.Fatalf("%d at the rung: trial %d is not one that only its forecast keeps", tc.atRung, n)
			}
			if d.keep(n, 0, 90, v, others) {
				kept = append(kept, n)
			}
		}
		if !equalInts(kept, tc.kept) {
			t.Errorf("%d of 27 at the last rung: auto kept the falling trials %v, want %v", tc.atRung, kept, tc.kept)
		}
	}
}
