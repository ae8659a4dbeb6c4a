package results

import (
	"cmp"
	"math"
	"slices"
)

// statusRank orders outcomes from most to least useful: a pruned trial
// still measured something, a diverged one says the step was too large,
// a failed one says nothing about the objective, an unfinished one is not
// yet a result.
func statusRank(s Status) int {
	switch s {
	case StatusOK:
		return 0
	case StatusPruned:
		return 1
	case StatusDiverged:
		return 2
	case StatusFailed:
		return 3
	default:
		return 4
	}
}

// compareValues orders two metric values best first for the goal; NaN
// sorts after every number because it measured nothing.
func compareValues(a, b float64, maximize bool) int {
	aNaN, bNaN := math.IsNaN(a), math.IsNaN(b)
	switch {
	case aNaN && bNaN:
		return 0
	case aNaN:
		return 1
	case bNaN:
		return -1
	case maximize:
		return cmp.Compare(b, a)
	default:
		return cmp.Compare(a, b)
	}
}

// Rank returns a sorted copy of trials: finished ok trials by value (best
// first for goal, trials without a value last), then pruned, diverged,
// failed and unfinished trials. Ties, and trials without a comparable value, keep
// trial-number order. The input is not modified.
func Rank(trials []Trial, goal Goal) []Trial {
	maximize := goal.Maximizes()
	out := slices.Clone(trials)
	slices.SortStableFunc(out, func(a, b Trial) int {
		if c := cmp.Compare(statusRank(a.Status), statusRank(b.Status)); c != 0 {
			return c
		}
		if a.Status == StatusOK {
			if c := compareValues(a.Value.Float(), b.Value.Float(), maximize); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Number, b.Number)
	})
	return out
}

// Best returns the best ok trial for goal. Trials with no value or an
// infinite one are skipped: a non-finite metric cannot be a setting worth
// exporting. ok is false when no trial qualifies.
func Best(trials []Trial, goal Goal) (best Trial, ok bool) {
	maximize := goal.Maximizes()
	for _, t := range trials {
		if t.Status != StatusOK || !t.Value.Measured() || math.IsInf(t.Value.Float(), 0) {
			continue
		}
		if !ok {
			best, ok = t, true
			continue
		}
		c := compareValues(t.Value.Float(), best.Value.Float(), maximize)
		if c < 0 || (c == 0 && t.Number < best.Number) {
			best = t
		}
	}
	return best, ok
}

// Median returns the median of values, ignoring NaN (a diverged trial has
// no value to count). It returns NaN when no value is left. The input is
// not modified.
func Median(values []float64) float64 {
	clean := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			clean = append(clean, v)
		}
	}
	n := len(clean)
	if n == 0 {
		return math.NaN()
	}
	slices.Sort(clean)
	if n%2 == 1 {
		return clean[n/2]
	}
	// Halve before adding so two huge values do not overflow to Inf.
	return clean[n/2-1]/2 + clean[n/2]/2
}
