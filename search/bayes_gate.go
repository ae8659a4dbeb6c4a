package search

// How far the model-guided strategies trust their model: each batch, the
// model's share is its measured skill at ranking the study's own trials
// near the region it is about to search.

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/hpsearch/hpsearch/search/gp"
)

// minSkillPoints is the fewest trials the skill is measured on: a rank
// correlation of fewer says little (its spread under chance is
// 1/√(n−1), a third at 10).
const minSkillPoints = 10

// skill is how well the model ranks the trials near the region: the
// Spearman rank correlation between the model's leave-one-out predictions
// at the trials it is conditioned on (used) and their observed values,
// over those in the trust region around centre (in model inputs, half the
// region's side each way, unclipped), at least the minSkillPoints nearest;
// negative correlations count as none. For bayes (no region) it is over
// every trial used.
//
// Why: with a few trials per dimension, a Gaussian process of a rugged
// function (Rastrigin, Styblinski-Tang in 8-D, Levy) is confidently
// wrong, and expected improvement piles whole batches into its false
// minima; of a smooth one it is right from the first batches. A fixed
// schedule (half the batch uniform for the first half of the rounds, as
// ε-greedy BO: De Ath et al., 2021, "Greed is good") paid for the rugged
// rows on the smooth ones. Leave-one-out predictions measure the model's
// skill on this study's own data at the cost of one inverse (Rasmussen &
// Williams, 2006, §5.4.2), and ranks are what expected improvement acts
// on, so the rank correlation is the measure; only the trials near the
// region count, because a rugged function's global trend (Ackley's and
// Rastrigin's bowls) is easy to rank while its ripples inside the region,
// where the batch goes, are not.
func (m *modelGuided) skill(model *gp.Model, used []observed, centre, half []float64) (float64, error) {
	n := model.Len()
	if n != len(used) {
		return 0, fmt.Errorf("skill: a model of %d trials for %d", n, len(used))
	}
	loo, sd := make([]float64, n), make([]float64, n)
	if err := model.LOO(loo, sd); err != nil {
		return 0, fmt.Errorf("skill: %w", err)
	}
	ys := warp(used) // the values the model was given
	idx, dist := make([]int, n), make([]float64, n)
	for i, o := range used {
		idx[i] = i
		for k, c := range centre {
			if half[k] > 0 {
				dist[i] = math.Max(dist[i], math.Abs(o.x[k]-c)/half[k])
			}
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(dist[a], dist[b]) })
	near := 0
	for near < n && dist[idx[near]] <= 1 {
		near++
	}
	idx = idx[:min(n, max(near, minSkillPoints))]
	pred, obs := make([]float64, len(idx)), make([]float64, len(idx))
	for j, i := range idx {
		pred[j], obs[j] = loo[i], ys[i]
	}
	return math.Max(0, spearman(pred, obs)), nil
}

// modelPicks is how many of a batch of size the model picks at skill s in
// [0, 1]: the batch in proportion, rounded (all of it when the model ranks
// the trials near the region perfectly, none when no better than chance).
// The rest is drawn as plain coarse-to-fine would (drawPlain).
func modelPicks(s float64, size int) int {
	return min(size, max(0, int(math.Round(s*float64(size)))))
}

// spearman is the rank correlation of a and b (tied values share their
// mean rank); 0 for fewer than three pairs or a constant side.
func spearman(a, b []float64) float64 {
	if len(a) < 3 {
		return 0
	}
	ra, rb := ranks(a), ranks(b)
	mean := float64(len(a)+1) / 2
	var sab, saa, sbb float64
	for i := range ra {
		x, y := ra[i]-mean, rb[i]-mean
		sab += x * y
		saa += x * x
		sbb += y * y
	}
	if !(saa > 0 && sbb > 0) {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// ranks are the 1-based ranks of v, tied values at their mean rank.
func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}
