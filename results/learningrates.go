package results

// The learning-rate table: trials grouped by the power of ten of their
// learning rate, the lecture's first look at a sweep.

import (
	"cmp"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/hpsearch/hpsearch/internal/num"
)

// lrGroup gathers the trials whose learning rate has one power of ten.
type lrGroup struct {
	power                int
	trials, ok, div, bad int
	pruned               int
	values               []float64
}

// PowerOfTen returns the nearest power of ten of v (log10 rounded): a
// learning rate of 9e-3 belongs with 1e-2, not with 1e-3, in the table that
// compares powers. ok is false for values that have no power (zero, negative, NaN, Inf,
// non-numeric).
func PowerOfTen(v any) (power int, ok bool) {
	f, err := num.Float(v)
	if err != nil {
		return 0, false
	}
	if !(f > 0) || math.IsInf(f, 0) {
		return 0, false
	}
	return int(math.Round(math.Log10(f))), true
}

// groupByPower buckets trials by the power of ten of param, ascending.
func groupByPower(trials []Trial, param string) []*lrGroup {
	byPower := make(map[int]*lrGroup)
	var groups []*lrGroup
	for _, t := range trials {
		v, ok := t.Params.Get(param)
		if !ok {
			continue
		}
		p, ok := PowerOfTen(v)
		if !ok {
			continue
		}
		g := byPower[p]
		if g == nil {
			g = &lrGroup{power: p}
			byPower[p] = g
			groups = append(groups, g)
		}
		g.add(t)
	}
	slices.SortFunc(groups, func(a, b *lrGroup) int { return cmp.Compare(a.power, b.power) })
	return groups
}

func (g *lrGroup) add(t Trial) {
	g.trials++
	switch t.Status {
	case StatusOK:
		g.ok++
		g.values = append(g.values, t.Value.Float())
	case StatusDiverged:
		g.div++
	case StatusFailed:
		g.bad++
	case StatusPruned:
		g.pruned++
	}
}

// bestOf returns the best of values for goal, NaN if there is none.
func bestOf(values []float64, goal Goal) float64 {
	best := math.NaN()
	for _, v := range values {
		if compareValues(v, best, goal.Maximizes()) < 0 {
			best = v
		}
	}
	return best
}

// optionalValue formats v, or "-" when it is NaN because nothing was
// measured (a power of ten where every trial diverged).
func optionalValue(v float64) string {
	if math.IsNaN(v) {
		return missing
	}
	return FormatValue(v)
}

// WriteLearningRates writes the lecture's "run GD with each power of ten as
// the learning rate" table for a minimized metric (a loss); see
// WriteLearningRatesFor for a study that maximizes.
func WriteLearningRates(w io.Writer, trials []Trial, param string) error {
	return WriteLearningRatesFor(w, trials, param, GoalMinimize)
}

// WriteLearningRatesFor groups trials by the power of ten of param
// (1e-3 holds [0.001, 0.01)) and writes one row per power present,
// ascending: how many trials, how many were ok, diverged or failed, and the
// best and median value of the ok ones for goal. It writes nothing and
// returns nil when no trial has a positive numeric value for param.
func WriteLearningRatesFor(w io.Writer, trials []Trial, param string, goal Goal) error {
	header, rows := LearningRateRows(trials, param, goal)
	if len(rows) == 0 {
		return nil
	}
	return renderTable(newTable(w, len(header)), header, rows)
}

// LearningRateRows returns the cells WriteLearningRatesFor writes; no rows
// when no trial has a positive numeric value for param.
func LearningRateRows(trials []Trial, param string, goal Goal) (header []string, rows [][]string) {
	groups := groupByPower(trials, param)
	if len(groups) == 0 {
		return nil, nil
	}
	// A pruned column only when early stopping pruned something, so the
	// counts of a row always add up to its trials.
	withPruned := slices.ContainsFunc(groups, func(g *lrGroup) bool { return g.pruned > 0 })
	header = []string{"learning rate", "trials", "ok"}
	if withPruned {
		header = append(header, "pruned")
	}
	header = append(header, "diverged", "failed", "best value", "median value")
	rows = make([][]string, 0, len(groups))
	for _, g := range groups {
		row := []string{"1e" + strconv.Itoa(g.power), strconv.Itoa(g.trials), strconv.Itoa(g.ok)}
		if withPruned {
			row = append(row, strconv.Itoa(g.pruned))
		}
		rows = append(rows, append(row,
			strconv.Itoa(g.div),
			strconv.Itoa(g.bad),
			optionalValue(bestOf(g.values, goal)),
			optionalValue(Median(g.values)),
		))
	}
	return header, rows
}
