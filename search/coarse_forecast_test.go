package search

import (
	"math"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// forecastRound is a round of three finished trials (0.50, 0.55, 0.60)
// and three pruned ones: a fast starter stopped at 0.45 on a curve that had
// levelled off, a slow starter stopped at 1.2 on a curve still falling
// fast, and one stopped after two reports, too few to extrapolate.
func forecastRound(c *coarseToFine) []results.Trial {
	params := func(lr int) results.Params {
		return results.Params{{Name: "learning_rate", Value: math.Pow(10, float64(lr))}, {Name: "momentum", Value: 0.5}, {Name: "optimizer", Value: "momentum"}}
	}
	steps := []int{5, 10, 15, 20, 25}
	reports := func(vals ...float64) []results.Reported {
		r := make([]results.Reported, len(vals))
		for i, v := range vals {
			r[i] = results.Reported{Step: steps[i], Value: v}
		}
		return r
	}
	return []results.Trial{
		{Number: 0, Status: results.StatusOK, Value: results.Measured(0.50), Params: params(-1)},
		{Number: 1, Status: results.StatusOK, Value: results.Measured(0.55), Params: params(-1)},
		{Number: 2, Status: results.StatusOK, Value: results.Measured(0.60), Params: params(-1)},
		{Number: 3, Status: results.StatusPruned, Value: results.Measured(0.45), Params: params(0), Reports: reports(0.8, 0.5, 0.46, 0.451, 0.45)},
		{Number: 4, Status: results.StatusPruned, Value: results.Measured(1.2), Params: params(-5), Reports: reports(2.4, 2.1, 1.8, 1.5, 1.2)},
		{Number: 5, Status: results.StatusPruned, Value: results.Measured(0.3), Params: params(0), Reports: reports(0.4, 0.3)},
	}
}

func told(t *testing.T, c *coarseToFine, trials []results.Trial) []int {
	t.Helper()
	var last []scored
	for _, tr := range trials {
		if s, ok := c.score(tr); ok {
			last = append(last, s)
		}
	}
	var nums []int
	for _, s := range c.withPruned(last, trials) {
		nums = append(nums, s.num)
	}
	return nums
}

func TestNarrowingSeesForecastsUnderAuto(t *testing.T) {
	c := mustC2F(t, 1)
	c.lookAhead = EarlyStopping{Kind: Auto, MinResource: 25, MaxResource: 200, Reduction: 3, Budget: 0.32}
	got := told(t, c, forecastRound(c))
	// The slow starter's curve (−0.3 every 5 steps) ends far below the
	// finished trials; the fast starter ends near 0.45; the short one is
	// left out.
	want := []int{4, 3, 0, 1, 2}
	if !equalInts(got, want) {
		t.Errorf("narrowing ranks %v, want %v", got, want)
	}
}

func TestNarrowingKeepsPartialValuesUnderSuccessiveHalving(t *testing.T) {
	c := mustC2F(t, 1)
	c.lookAhead = EarlyStopping{Kind: SuccessiveHalving, MinResource: 25, MaxResource: 600, Reduction: 3}
	got := told(t, c, forecastRound(c))
	// Finished first, then pruned at their partial values (all pruned at
	// the same depth: by value).
	want := []int{0, 1, 2, 5, 3, 4}
	if !equalInts(got, want) {
		t.Errorf("narrowing ranks %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
