// Package importance says which hyperparameters matter: how much of the
// variation of a study's metric each parameter, and each pair of
// parameters, accounts for.
//
// # Method: fANOVA over a random forest
//
// It is the functional ANOVA of Hutter, Hoos and Leyton-Brown ("An
// Efficient Approach for Assessing Hyperparameter Importance", ICML 2014),
// as Optuna's FanovaImportanceEvaluator computes it: a random forest
// regression of the metric on the parameters, then, tree by tree, the
// variance of the tree's prediction over the whole search space split into
// the variance of each parameter's marginal (its main effect) and of each
// pair's marginal less the two main effects (their interaction). A tree is
// constant on each of its leaves, so these integrals are exact sums over
// the leaves' boxes. A score is the share of the total variance, averaged
// over the trees (Std is its spread across them).
//
// fANOVA rather than PED-ANOVA (Optuna's other evaluator) because it
// attributes interactions to pairs: an effect like x0·x1, which no single
// parameter explains, shows up as the pair's score, where PED-ANOVA only
// scores single parameters and only around the top quantile. Scores are
// shares of the whole variance, not renormalised to sum to 1 over single
// parameters as Optuna does: with the pairs alongside, the remainder (1
// minus every score) is what only triples or more explain.
//
// # Choices, and where they differ from Optuna
//
//   - The forest: 64 trees of depth up to 64, leaves of one sample, each
//     tree on a bootstrap sample, every parameter considered at each split
//     (Optuna's settings, those of scikit-learn's RandomForestRegressor). Its
//     randomness (the bootstrap) comes from Options.Seed only: the same
//     trials and seed give the same scores at any parallelism.
//   - The measure: a parameter is integrated uniformly over its range as the
//     space declares it (Options.Space, the study's first round): a log
//     parameter, such as the learning rate searched in powers of ten,
//     uniformly in log space, since that is how it was sampled (Optuna
//     integrates it linearly); a categorical parameter uniformly over its
//     choices. A value outside the declared range widens it.
//   - Which trials: as Optuna, only trials that finished ok with a finite
//     value (Optuna's COMPLETE trials). Diverged, failed and pruned trials
//     have no comparable value and are left out, counted in
//     Result.Skipped; a parameter that makes trials diverge still shows
//     through the values of the trials that did not.
//   - Conditional parameters, absent from the trials where their condition
//     fails: where Optuna drops every trial that lacks one, here "absent" is
//     one more value of the parameter, weighted by the share of trials it is
//     absent from, so no trial is lost. The score then measures the
//     parameter and its presence together; the variance between its
//     condition's choices is counted on the parent too.
package importance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/hpsearch/hpsearch/results"
)

// Options tunes Compute. The zero value is Optuna's defaults with seed 0.
type Options struct {
	// Space gives each parameter's range: Low and High (Log: measured in
	// log space) for numbers, Choices for a categorical parameter. Pass the
	// study's first round's ranges (Study.Rounds[0].Ranges), the space it
	// searched. A parameter it does not name is taken from the trials:
	// numbers linearly between the smallest and largest value, anything
	// else as categories.
	Space []results.Range
	// Seed seeds the forest's bootstrap samples.
	Seed uint64
	// Trees is the number of trees; 0 means 64.
	Trees int
	// MaxDepth bounds a tree's depth; 0 means 64.
	MaxDepth int
	// MaxSamples caps each tree's bootstrap sample, which bounds the time a
	// study of many thousand trials takes; 0 means as many as the trials.
	MaxSamples int
}

// Score is one parameter's importance.
type Score struct {
	Name string `json:"name"`
	// Importance is the share of the variance of the metric, over the
	// search space, that the parameter's main effect explains, from 0 to 1.
	Importance float64 `json:"importance"`
	// Std is the standard deviation of that share across the trees.
	Std float64 `json:"std"`
}

// PairScore is the importance of the interaction of two parameters: the
// share of the variance that neither explains alone.
type PairScore struct {
	Names      [2]string `json:"names"`
	Importance float64   `json:"importance"`
	Std        float64   `json:"std"`
}

// Result is what Compute found.
type Result struct {
	// Params scores every parameter, most important first (ties in the
	// order of Options.Space, then of the trials). A parameter with a
	// single value scores 0.
	Params []Score `json:"params"`
	// Pairs scores every pair of parameters that vary, most important first.
	Pairs []PairScore `json:"pairs"`
	// Trials is how many trials the forest was fitted on; Skipped how many
	// finished trials were left out (diverged, failed, pruned, or without a
	// finite value).
	Trials  int `json:"trials"`
	Skipped int `json:"skipped"`
}

// MinTrials is the fewest usable trials Compute scores.
const MinTrials = 2

// ErrTooFewTrials is returned (wrapped, with the counts) when fewer than
// MinTrials trials finished ok with a finite value.
var ErrTooFewTrials = errors.New("too few trials finished ok to measure importance")

// maxCategories is what a bit mask of a tree's box holds.
const maxCategories = 64

// Compute fits the forest on trials and decomposes its variance. Trials
// that have not finished are ignored.
func Compute(ctx context.Context, trials []results.Trial, opts Options) (Result, error) {
	if opts.Trees < 0 || opts.MaxDepth < 0 || opts.MaxSamples < 0 {
		return Result{}, fmt.Errorf("importance options: Trees %d, MaxDepth %d, MaxSamples %d: none may be negative", opts.Trees, opts.MaxDepth, opts.MaxSamples)
	}
	trees, depth := opts.Trees, opts.MaxDepth
	if trees == 0 {
		trees = 64
	}
	if depth == 0 {
		depth = 64
	}
	var res Result
	used, skipped := usable(trials)
	res.Skipped = skipped
	res.Trials = len(used)
	if len(used) < MinTrials {
		return res, fmt.Errorf("%w: %d usable of %d finished (at least %d needed)", ErrTooFewTrials, len(used), len(used)+res.Skipped, MinTrials)
	}
	dims, err := encode(used, opts.Space)
	if err != nil {
		return res, err
	}
	y := centredValues(used)

	var vary []int // the dimensions the forest sees
	for i, d := range dims {
		if !d.constant {
			vary = append(vary, i)
		}
	}
	res.Params = make([]Score, len(dims))
	for i, d := range dims {
		res.Params[i] = Score{Name: d.name}
	}
	if len(vary) > 0 {
		fd := make([]*dim, len(vary))
		for k, i := range vary {
			fd[k] = &dims[i]
		}
		f := forest{dims: fd, y: y, depth: depth, samples: len(y)}
		if opts.MaxSamples > 0 && opts.MaxSamples < f.samples {
			f.samples = opts.MaxSamples
		}
		per, err := f.run(ctx, trees, opts.Seed)
		if err != nil {
			return res, err
		}
		single, pairs := aggregate(per, len(vary))
		for k, i := range vary {
			res.Params[i].Importance, res.Params[i].Std = single[k].mean, single[k].std
		}
		for a := range vary {
			for b := a + 1; b < len(vary); b++ {
				s := pairs[pairIndex(a, b, len(vary))]
				res.Pairs = append(res.Pairs, PairScore{Names: [2]string{dims[vary[a]].name, dims[vary[b]].name}, Importance: s.mean, Std: s.std})
			}
		}
	}
	slices.SortStableFunc(res.Params, func(a, b Score) int { return -cmpFloat(a.Importance, b.Importance) })
	slices.SortStableFunc(res.Pairs, func(a, b PairScore) int { return -cmpFloat(a.Importance, b.Importance) })
	return res, nil
}

// usable is the finished trials with a finite value, and how many
// finished trials have none: only a comparable value says anything
// about the parameters.
func usable(trials []results.Trial) (used []results.Trial, skipped int) {
	for _, t := range trials {
		if !t.Status.Finished() {
			continue
		}
		if t.Status != results.StatusOK || t.Damaged || !t.Value.Measured() || math.IsInf(t.Value.Float(), 0) {
			skipped++
			continue
		}
		used = append(used, t)
	}
	return used, skipped
}

// centredValues is the trials' values scaled to [-1, 1] and centred:
// shares of variance do not depend on the scale, the sums of squares of
// values near ±1.7e308 would overflow, and centring keeps the split
// scores' digits when the values sit far from 0.
func centredValues(used []results.Trial) []float64 {
	y := make([]float64, len(used))
	scale := 0.0
	for _, t := range used {
		scale = math.Max(scale, math.Abs(t.Value.Float()))
	}
	if scale == 0 {
		scale = 1
	}
	mean := 0.0
	for i, t := range used {
		y[i] = t.Value.Float() / scale
		mean += y[i]
	}
	mean /= float64(len(y))
	for i := range y {
		y[i] -= mean
	}
	return y
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pairIndex numbers the pairs a < b of n dimensions.
func pairIndex(a, b, n int) int { return a*n - a*(a+1)/2 + (b - a - 1) }

type meanStd struct{ mean, std float64 }

// aggregate averages the trees' shares. A tree whose prediction is
// constant explains nothing and is left out, as in Hutter et al.'s code.
func aggregate(per []treeShares, n int) ([]meanStd, []meanStd) {
	single := make([]meanStd, n)
	pairs := make([]meanStd, n*(n-1)/2)
	var kept []treeShares
	for _, p := range per {
		if p.total > 0 {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return single, pairs
	}
	stat := func(get func(treeShares) float64) meanStd {
		var s, ss float64
		for _, p := range kept {
			v := get(p)
			s += v
			ss += v * v
		}
		m := s / float64(len(kept))
		v := ss/float64(len(kept)) - m*m
		return meanStd{m, math.Sqrt(math.Max(v, 0))}
	}
	for i := range single {
		single[i] = stat(func(p treeShares) float64 { return p.single[i] })
	}
	for i := range pairs {
		pairs[i] = stat(func(p treeShares) float64 { return p.pairs[i] })
	}
	return single, pairs
}

// run grows the trees and decomposes each, concurrently; tree i draws
// from its own generator, so the result does not depend on the schedule.
func (f *forest) run(ctx context.Context, trees int, seed uint64) ([]treeShares, error) {
	out := make([]treeShares, trees)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range trees {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			t := f.grow(seed, uint64(i))
			out[i] = t.shares(f.dims)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("importance: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("importance: %w", err)
	}
	return out, nil
}
