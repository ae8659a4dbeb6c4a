package search

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search/gp"
)

// modelGuided is strategies bayes and coarse-to-fine-gp: a Gaussian
// process (package gp) fitted to every trial told so far chooses each
// round's points by expected improvement. coarse-to-fine-gp searches a
// box around the best trial that grows after rounds that improve on it and
// shrinks after rounds that do not, as far as the noise between trials
// leaves anything to resolve (noiseFloor), and restarts elsewhere when it
// collapses (a trust region, as in TuRBO: Eriksson et al., 2019); bayes
// searches the whole space.
//
// Rounds are coarse-to-fine's (roundSizes): round 0 is a scrambled Sobol
// design over the whole space, and each later round is one batch whose
// trials run in parallel. The model picks as much of each batch as its
// leave-one-out predictions rank the trials near the box (skill, in
// bayes_gate.go); the rest is drawn as plain coarse-to-fine draws, except
// that the last trial of a coarse-to-fine-gp batch of two or more is the
// model's pick over the whole space (widePick). The model's picks are
// chosen greedily under the Kriging believer: after
// each pick the model takes its own prediction there as observed, which
// leaves the means and shrinks the uncertainty around the pick, so the
// next pick goes elsewhere. Everything is a function of the
// seed and of the trials told, in trial-number order, so the same trials
// come at any --parallel and a resumed study proposes the same again.
//
// The model's inputs (encode): a numeric parameter is one coordinate in
// [0, 1] of its configured range, log parameters in log space; an integer
// is the same coordinate, rounded where it is proposed (candidates are
// actual parameter values, so the acquisition is only ever evaluated at
// integers); a choice of k values is k one-hot coordinates. A conditional
// parameter that does not apply to a trial sits at a fixed value: the
// middle of its range (one-hot: all zeros), so trials that lack it are
// alike in it and differ in what they used.
//
// The model's outputs (warp): the value, negated when maximising, minus
// the lowest seen, plus an offset of a tenth of the median gap, in log.
// Benchmark regrets and validation losses span decades; without the log
// the model spends itself on the worst trials and is flat near the best.
// Failed and pruned trials are left out; diverged ones count as the worst
// value seen, so that the model learns where training blows up.
type modelGuided struct {
	plan        Plan
	name        string
	trustRegion bool
	sizes       []int

	initial []results.Range
	dims    []Dim // as proposed after round 0: powers of ten become log-uniform
	enc     encoding

	round  int
	next   int
	record []results.Round
	ranges []results.Range // the box of the round being asked
	seen   []observed      // every trial the model learns from, in trial order
	global unitSampler     // round 0's design, continued by restarts
	hyper  *gp.Hyper       // the last fit: where the next one starts
	fitN   int             // trials the last full fit used

	// Trust region: the side length in unit coordinates (before the
	// per-coordinate scaling by length scales), the run of rounds that
	// improved or not, the best score of the current region (restarts
	// begin a new one) and whether the next round restarts.
	length        float64
	succ, fail    int
	regionBest    float64
	regionCentre  []any // the values of the region's best trial
	restart       bool
	restartsSoFar int
}

// observed is a trial as the model sees it.
type observed struct {
	x        []float64 // the encoding
	vals     []any     // parameter values, nil where absent
	score    float64   // lower is better; NaN for a diverged trial
	num      int
	diverged bool
}

const (
	// Trust region, as TuRBO: starting side length 0.8 of the unit cube,
	// at most 1.6, collapsed below 0.5⁷; doubled after successRounds
	// improving rounds in a row, halved after failRounds without, down
	// to the noise's floor (noiseFloor).
	trInitialLength = 0.8
	trMaxLength     = 1.6
	trMinLength     = 0.0078125
	successRounds   = 3
	// noiseResolution is how many noise standard deviations the function
	// must differ by across the region for halving it to pay (noiseFloor):
	// two, the usual bar for telling a difference from noise.
	noiseResolution = 2
	// improveFraction: an improvement smaller than this share of the
	// best score's magnitude does not count as a success.
	improveFraction = 1e-3
	// candidates per round: random points in the box and perturbations
	// of the best trials, then local refinements of the most promising.
	boxCandidates     = 500
	perturbCandidates = 250
	refineTop         = 8
	refinePer         = 20
	// fitIterations bounds each L-BFGS run of the hyperparameter fit;
	// refitIterations the warm-started one between full fits, which run
	// from three starts whenever the trials fitted on grew by a fifth.
	fitIterations   = 40
	refitIterations = 15
	refitGrowth     = 1.2
	// maxModelPoints caps the trials the model is conditioned on, and
	// maxFitPoints those its hyperparameters are fitted on (a fit costs
	// some hundred Cholesky factorisations, conditioning one): past them,
	// the best half and the rest nearest the incumbent are kept, so a
	// 1,000-trial study costs what a 300-trial one does.
	maxModelPoints = 300
	maxFitPoints   = 120
	// warpShare is the log warp's offset, as a share of the gap between
	// the median and the lowest score.
	warpShare = 1.0
	// maxDesignShare caps round 0, the design before the model, as a
	// share of the budget. The default splits give coarse-to-fine's
	// round 0 a quarter (25–28 %), which the cap leaves as it is; a config
	// written for coarse-to-fine with few rounds gives it up to half (2
	// rounds of 27: 27 of 54), which left the model half the budget and
	// lost to TPE on the real sweeps (BENCHMARKS.md, issue 19): adam-tiny,
	// 54 trials, design 27 → 17: TPE's best lower on 17 of 20 seeds → 8.
	maxDesignShare = 0.3
)

// modelRounds splits a config's budget for the model-guided strategies:
// round 0 is coarse-to-fine's coarse round (roundSizes), at most
// maxDesignShare of the budget, the rest batches of search.batch trials,
// the last one what remains.
func modelRounds(s StrategyOptions) []int {
	sizes := roundSizes(s)
	if len(sizes) == 0 || s.Batch < 1 {
		return nil // refused by newModelGuided
	}
	total := 0
	for _, n := range sizes {
		total += n
	}
	design := min(sizes[0], max(1, int(math.Ceil(maxDesignShare*float64(total)))))
	out := []int{design}
	for rest := total - design; rest > 0; rest -= s.Batch {
		out = append(out, min(s.Batch, rest))
	}
	return out
}

func newModelGuided(plan Plan, sizes []int, trustRegion bool) (*modelGuided, error) {
	if len(sizes) == 0 {
		return nil, fmt.Errorf("no rounds: search.trials and search.batch must be at least 1")
	}
	for i, n := range sizes {
		if n < 1 {
			return nil, fmt.Errorf("round %d has %d trials, want at least 1", i, n)
		}
	}
	m := &modelGuided{plan: plan, name: "bayes", trustRegion: trustRegion, sizes: slices.Clone(sizes),
		initial: plan.Space.InitialRanges(), length: trInitialLength, regionBest: math.Inf(1)}
	if trustRegion {
		m.name = "coarse-to-fine-gp"
	}
	for _, d := range plan.Space.Dims {
		m.dims = append(m.dims, refine(d))
	}
	m.ranges = slices.Clone(m.initial)
	m.enc = newEncoding(plan.Space)
	m.global = newUnitSampler(len(plan.Space.Dims), plan.Seed, 0)
	return m, nil
}

func (m *modelGuided) Name() string            { return m.name }
func (m *modelGuided) Rounds() []results.Round { return m.record }

func (m *modelGuided) Total() int {
	n := 0
	for _, s := range m.sizes {
		n += s
	}
	return n
}

func (m *modelGuided) Ask() ([]Proposal, error) {
	if m.round >= len(m.sizes) {
		return nil, nil
	}
	size := m.sizes[m.round]
	batch := make([]Proposal, 0, size)
	add := func(p results.Params) {
		batch = append(batch, Proposal{Number: m.next, Round: m.round, Params: p})
		m.next++
	}
	scores := 0
	for _, o := range m.seen {
		if !o.diverged {
			scores++
		}
	}
	if m.round == 0 || m.restart || scores < 2 {
		// The design over the whole space: round 0, a restart, or a
		// model with nothing to learn from yet.
		m.ranges = slices.Clone(m.initial)
		u := make([]float64, len(m.plan.Space.Dims))
		for range size {
			m.global.next(u)
			add(sampleAt(m.plan.Space.Dims, m.initial, u))
		}
		return batch, nil
	}
	points, err := m.propose(size)
	if err != nil {
		return nil, err
	}
	for _, p := range points {
		add(p)
	}
	return batch, nil
}

func (m *modelGuided) Tell(trials []results.Trial) {
	m.record = append(m.record, record(m.round, m.ranges, trials, m.plan.Goal))
	m.round++
	wasRestart := m.restart
	m.restart = false
	roundBest := math.Inf(1)
	var roundBestVals []any
	for _, t := range trials {
		o, ok := m.observe(t)
		if !ok {
			continue
		}
		m.seen = append(m.seen, o)
		if !o.diverged && o.score < roundBest {
			roundBest, roundBestVals = o.score, o.vals
		}
	}
	if !m.trustRegion || math.IsInf(roundBest, 1) && m.regionCentre == nil {
		return
	}
	switch {
	case wasRestart || m.regionCentre == nil:
		// A new region around the best of the design just run.
		m.length, m.succ, m.fail = trInitialLength, 0, 0
		m.regionBest, m.regionCentre = roundBest, roundBestVals
		return
	case roundBest < m.regionBest-improveFraction*math.Abs(m.regionBest):
		m.succ++
		m.fail = 0
	default:
		m.fail++
		m.succ = 0
	}
	if roundBest < m.regionBest {
		m.regionBest, m.regionCentre = roundBest, roundBestVals
	}
	size := 1
	if m.round < len(m.sizes) {
		size = m.sizes[m.round]
	}
	failRounds := int(math.Ceil(math.Max(4, float64(m.enc.width)) / float64(size)))
	switch {
	case m.succ >= successRounds:
		m.length = math.Min(2*m.length, trMaxLength)
		m.succ = 0
	case m.fail >= failRounds:
		m.length = math.Min(m.length, math.Max(m.length/2, m.noiseFloor()))
		m.fail = 0
	}
	if m.length < trMinLength {
		m.restart = true
		m.restartsSoFar++
		m.regionCentre = nil
		m.regionBest = math.Inf(1)
	}
}

// observe converts a trial the model can learn from.
func (m *modelGuided) observe(t results.Trial) (observed, bool) {
	diverged := t.Status == results.StatusDiverged
	if !diverged && (t.Status != results.StatusOK || !t.Value.Measured()) {
		return observed{}, false
	}
	vals := m.plan.Space.coordinates(t.Params)
	if !m.plan.Space.consistent(t.Params, vals) {
		return observed{}, false
	}
	o := observed{x: m.enc.encode(vals), vals: vals, num: t.Number, diverged: diverged, score: math.NaN()}
	if !diverged {
		o.score = t.Value.Float()
		if m.plan.Goal == "maximize" {
			o.score = -t.Value.Float()
		}
	}
	return o, !math.IsInf(o.score, 0)
}

// best is the lowest-scoring trial seen (the first on a tie).
func (m *modelGuided) best() observed {
	var b observed
	for _, o := range m.seen {
		if !o.diverged && (b.vals == nil || o.score < b.score) {
			b = o
		}
	}
	return b
}

// topVals are the values of the k best trials.
func (m *modelGuided) topVals(k int) [][]any {
	ok := slices.DeleteFunc(slices.Clone(m.seen), func(o observed) bool { return o.diverged })
	slices.SortStableFunc(ok, func(a, b observed) int { return cmp.Compare(a.score, b.score) })
	var out [][]any
	for _, o := range ok[:min(k, len(ok))] {
		out = append(out, o.vals)
	}
	return out
}

// modelPoints are at most limit trials to model: all of them up to
// limit, then the best half and the rest nearest the best.
func (m *modelGuided) modelPoints(limit int) []observed {
	if len(m.seen) <= limit {
		return m.seen
	}
	all := slices.Clone(m.seen)
	slices.SortStableFunc(all, func(a, b observed) int {
		switch {
		case a.diverged != b.diverged:
			if a.diverged {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.score, b.score)
	})
	keep, rest := all[:limit/2], all[limit/2:]
	bx := all[0].x
	dist := func(o observed) float64 {
		s := 0.0
		for k, v := range o.x {
			s += (v - bx[k]) * (v - bx[k])
		}
		return s
	}
	slices.SortStableFunc(rest, func(a, b observed) int { return cmp.Compare(dist(a), dist(b)) })
	return append(keep, rest[:limit-len(keep)]...)
}

// warp maps scores to the model's outputs: log(score − min + δ), δ a
// share of the median gap; a diverged trial takes the worst value.
func warp(os []observed) []float64 {
	var ok []float64
	for _, o := range os {
		if !o.diverged {
			ok = append(ok, o.score)
		}
	}
	lowest, worst := slices.Min(ok), slices.Max(ok)
	med := results.Median(ok)
	delta := warpShare * (med - lowest)
	if !(delta > 0) {
		delta = math.Max(1e-12, 1e-9*math.Abs(lowest))
	}
	ys := make([]float64, len(os))
	for i, o := range os {
		s := o.score
		if o.diverged {
			s = worst
		}
		ys[i] = math.Log(s - lowest + delta)
	}
	return ys
}
