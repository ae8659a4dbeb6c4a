package search

import (
	"context"
	"math"
	"slices"
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
	rule := EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 100, Reduction: 3, Budget: 0.32}
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
	auto := best(autoRun(t, EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 100, Reduction: 3, Budget: 0.32}, 2, nil))
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

// At a rung before a fifth of the horizon (25 of 600, and 25 of 240, a
// tenth), auto forecasts nothing and keeps the best 2/3 of the round by
// value, and only them: the slow starter still falling (trial 7) is
// stopped there too.
func TestAutoKeepsTheBestTwoThirdsBeforeAFifthOfTheHorizon(t *testing.T) {
	for _, max := range []int{600, 240} {
		d := curveGroupTo(Auto, max)
		for n, want := range map[int]bool{0: true, 3: true, 4: true, 5: true, 6: false, 7: false, 8: false} {
			v := d.trials[n].vals[4]
			if got := d.keep(n, 0, 25, v, othersAt(d, n)); got != want {
				t.Errorf("max %d: trial %d at %g: kept %v, want %v (the best 6 of 9 go on)", max, n, v, got, want)
			}
		}
	}
}

// budgetGroup is a round of 27 trials at auto's last rung, 90 of 270:
// pruned trials stopped at 30, levelled-off trials at the rung, and three
// trials still falling steeply, the worst at the rung, whose forecasts are
// the lowest.
func budgetGroup(atRung int) *decider {
	d := newDecider(EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 270, Reduction: 3, Budget: 0.32})
	add := func(n, upTo int, v func(s float64) float64) { addCurve(&d, n, upTo, v) }
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

// keptAtTheLastRung is which of trials from to 26 of a group built by
// addCurve go on from the last rung (90).
func keptAtTheLastRung(d *decider, from int) []int {
	var kept []int
	for n := from; n < 27; n++ {
		others, _ := d.whole(n, 0, 90)
		if d.keep(n, 0, 90, d.trials[n].vals[8], others) {
			kept = append(kept, n)
		}
	}
	return kept
}

// addCurve gives d trial n of group 0 reporting v every 10 steps up to
// upTo; one that stops short of the last rung (90) has ended there.
func addCurve(d *decider, n, upTo int, v func(s float64) float64) {
	l := &progressLog{group: d.group(n, 0)}
	for s := 10; s <= upTo; s += 10 {
		l.steps, l.vals = append(l.steps, s), append(l.vals, v(float64(s)))
	}
	l.ended = upTo < 90
	d.add(n, l)
}

// At the last rung, the trials go on by expected final value as far as the
// budget (0.32 of the round's 27 × 270 iterations, 2,332.8) pays: each runs
// 180 more, and the falling trials, whose forecasts are the lowest, go
// first.
func TestAutoRescuesAtTheLastRungWithinItsBudget(t *testing.T) {
	for _, tc := range []struct {
		atRung int
		room   int
	}{
		{9, 5},  // 18 stopped at 30: (2,332.8 − 1,350) / 180
		{12, 4}, // (2,332.8 − 1,530) / 180
		{15, 3}, // (2,332.8 − 1,710) / 180: the falling trials alone
	} {
		d := budgetGroup(tc.atRung)
		var kept, sh []int
		for n := 27 - tc.atRung; n < 27; n++ {
			others, _ := d.whole(n, 0, 90)
			v := d.trials[n].vals[8]
			if d.keep(n, 0, 90, v, others) {
				kept = append(kept, n)
			}
			if d.keepRank(v, others) {
				sh = append(sh, n)
			}
		}
		want := []int{}
		for n := 27 - tc.atRung; n < 27-tc.atRung+tc.room-3; n++ {
			want = append(want, n) // the levelled-off trials, best first
		}
		want = append(want, 24, 25, 26)
		if !equalInts(kept, want) {
			t.Errorf("%d of 27 at the last rung: auto kept %v, want %v", tc.atRung, kept, want)
		}
		if slices.Contains(sh, 24) || slices.Contains(sh, 25) || slices.Contains(sh, 26) {
			t.Errorf("%d at the rung: successive halving keeps a falling trial (%v): the case does not test anything", tc.atRung, sh)
		}
	}
}

// The budget counts a trial that ended on its own before the last rung
// (converged, or diverged between reports) where it ended, not at
// max_resource as one stopped at a rung: what the round would have run
// without early stopping.
func TestAutoBudgetCountsTrialsThatEndedOnTheirOwnWhereTheyEnded(t *testing.T) {
	d := budgetGroup(9) // trials 0–17 stopped at the rung 30
	for n := range 6 {
		d.trials[n].completed = true // converged at 30: 30, not 270
	}
	for n := 6; n < 12; n++ {
		l := d.trials[n]
		l.steps, l.vals = l.steps[:2], l.vals[:2] // ended at 20, before the rung 30
	}
	if got := d.wouldRun(0, 90); got != 30 {
		t.Errorf("a trial that converged at 30 would have run %g, want 30", got)
	}
	if got := d.wouldRun(6, 90); got != 20 {
		t.Errorf("a trial that ended at 20 would have run %g, want 20", got)
	}
	if got := d.wouldRun(12, 90); got != 270 {
		t.Errorf("a trial stopped at the rung 30 would have run %g, want 270", got)
	}
	// 0.32 × (6 × 30 + 6 × 20 + 15 × 270) = 1,398.4; spent 180 + 120 +
	// 6 × 30 + 9 × 90 = 1,290: room for none, so the best forecast alone
	// (with every trial counted at 270, room for five).
	kept := keptAtTheLastRung(d, 18)
	if !equalInts(kept, []int{26}) {
		t.Errorf("auto kept %v, want trial 26 alone (the steepest, the best forecast)", kept)
	}
}

// Trials whose value at the last rung is NaN (diverging) do not go on and
// take no place: sorted as equals of everything, they took the budget's
// places ahead of the falling trials.
func TestAutoRanksANaNLastAtTheLastRung(t *testing.T) {
	d := budgetGroup(9) // room for 5 of the 9 at the rung
	for n := 18; n < 24; n++ {
		d.trials[n].vals[8] = math.NaN()
	}
	kept := keptAtTheLastRung(d, 18)
	if !equalInts(kept, []int{24, 25, 26}) {
		t.Errorf("auto kept %v, want the three falling trials alone (room for 5, the others NaN)", kept)
	}
}

// At the last rung a noisy curve whose fall does not stand out of its
// noise is ranked at its value, not at an optimistic forecast of its
// noise: the steadier trial that is lower goes on. (Ranked by optimistic
// forecast, point less two residual deviations, the noisy one went on.)
func TestAutoRanksANoisyCurveAtItsValueAtTheLastRung(t *testing.T) {
	d := newDecider(EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 270, Reduction: 3, Budget: 0.32})
	for n := range 7 {
		addCurve(&d, n, 30, func(float64) float64 { return 5 })
	}
	for n := 7; n < 25; n++ {
		addCurve(&d, n, 90, func(float64) float64 { return 3 }) // levelled off
	}
	addCurve(&d, 25, 90, func(s float64) float64 { return 1.2 - 0.002*s + 0.4*float64(int(s)/10%2*2-1) })
	addCurve(&d, 26, 90, func(s float64) float64 { return 1.0 + 0.1/s })
	// Budget: 0.32 × 27 × 270 = 2,332.8; spent 7 × 30 + 20 × 90 = 2,010:
	// room for one, at 180 each.
	f25, _ := d.forecastAt(25, 90)
	if !(f25.optimistic < 1.0) {
		t.Fatalf("trial 25's optimistic forecast %+v: the case wants it below trial 26's level", f25)
	}
	kept := keptAtTheLastRung(&d, 7)
	if !equalInts(kept, []int{26}) {
		t.Errorf("auto kept %v, want trial 26 alone (steady at 1.0; trial 25 swings ±0.4 around 1.0 with no fall out of its noise)", kept)
	}
}

// The budget is the value used: the share of the iterations the sweep
// runs follows it, and at 0.5, every trial that reaches the last rung (a
// third of max_resource) finishes. (Below about 0.25 the early rungs alone
// spend it: they are not held to it, and one trial a round still finishes.)
func TestAutoBudgetIsTheShareRun(t *testing.T) {
	share := func(trials []results.Trial) (float64, int, int) {
		steps, atLast, finished := 0, 0, 0
		for _, tr := range trials {
			steps += tr.Iterations
			if tr.Iterations >= 33 {
				atLast++
			}
			if tr.Status == results.StatusOK {
				finished++
			}
		}
		return float64(steps) / float64(100*len(trials)), atLast, finished
	}
	prev := 0.0
	for _, budget := range []float64{0.32, 0.4, 0.5} {
		trials := autoRun(t, EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 100, Reduction: 3, Budget: budget}, 2, nil)
		ran, atLast, finished := share(trials)
		if ran > budget+0.01 || ran <= prev {
			t.Errorf("budget %g: the sweep ran %.3f of its iterations (the smaller budget before it: %.3f)", budget, ran, prev)
		}
		if budget == 0.5 && finished != atLast {
			t.Errorf("budget 0.5: %d of the %d trials at the last rung finished, want all", finished, atLast)
		}
		prev = ran
	}
	if _, err := NewPruner(EarlyStopping{Kind: Auto, MinResource: 10, MaxResource: 100, Reduction: 3}, false); err == nil {
		t.Error("auto with budget 0: no error")
	}
}
