package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hpsearch/hpsearch/results"
)

// coarseToFine is the lecture's procedure: set a rough range for each
// hyperparameter, sample within it, train and evaluate, then narrow every
// range around the best trials and repeat.
//
// How it narrows, and why. Every choice was measured with
// cmd/hpsearch-bench on 14 benchmark functions at 50, 100 and 200 trials
// against Optuna 3.1's TPE (BENCHMARKS.md, "Search quality (issue 6)",
// lists what was tried and what it gave):
//
//   - Round 0 is coarse: a scrambled Sobol design over the whole space
//     (about a quarter of the budget when the split is ours, see configs'
//     deriveBudget). Sobol rather than independent draws, so that the
//     coarse round leaves no large region unvisited by chance.
//   - Every later round samples a box around the incumbent, the best trial
//     so far, rather than the bounding box of the best quarter: the
//     bounding box landed between random search and TPE; the incumbent's
//     box beat TPE. The box's centre is pulled half-way towards the
//     centroid of the best few trials (recombinationShare), at most half a
//     box away, so the incumbent always stays inside: one lucky trial on a
//     rugged or noisy function (Ackley's ripples, a GD run with a good
//     initialisation) then does not decide the next round alone. This cut
//     the regret on Ackley, Levy and Rastrigin by a quarter to a half.
//   - Each coordinate's half-width adapts from two signals. Agreement: the
//     best trials of the round lying close to the incumbent in that
//     coordinate shrink it faster, spread over the box slower (a factor
//     between shrinkFast and shrinkSlow). Success: the share of the round
//     that beat the incumbent, against the classic one-fifth target of
//     step-size control (successTarget), grows or shrinks the whole box.
//     A fixed factor (0.7 a round, the hint) beat TPE on 5 of 14
//     rows; agreement alone collapsed the box on 6-D functions before the
//     optimum.
//   - When the incumbent jumps further than the box (an exploration point
//     found a better region), the box is at least half the jump wide
//     there: the old width belonged to the old basin.
//   - Every round explores: one point continues round 0's Sobol design
//     over the whole configured space, and a fifth of the round are
//     coordinate moves, the incumbent with one coordinate redrawn over its
//     whole configured range. Coordinate moves find a better basin of one
//     parameter without losing the others (Styblinski-Tang, Levy, and
//     categorical values); the global point keeps the whole space in view.
//   - Ranges never collapse: a box keeps at least minWidthFraction of the
//     configured width (in log space for log parameters), and integer
//     parameters at least two values. Categorical values are kept while
//     they appear among the best trials of the round (always the
//     incumbent's); coordinate moves still draw every configured value.
//
// Tried and dropped (see BENCHMARKS.md): momentum along the incumbent's
// last move, a second box around the best trial far from the incumbent,
// restarts once the box is small, a budget-planned shrink schedule.
//
// Everything it decides is a function of the seed and of the trials it was
// told, so a resumed study, which tells it the stored trials again, makes
// the same proposals.
type coarseToFine struct {
	plan  Plan
	sizes []int // trials per round, warm-start points not counted
	keep  float64

	initial []results.Range // the configured ranges: exploration samples them
	start   []results.Range // round 0's ranges: the configured or a warm start's
	warm    []results.Params

	round     int
	next      int // next trial number
	record    []results.Round
	seen      []scored        // every successful trial so far, best first
	dims      []Dim           // the dims as sampled inside the box (see refine)
	ranges    []results.Range // this round's box
	half      []float64       // the box's half-widths, in unit coordinates
	incumbent []float64       // where the incumbent was at the last narrowing; nil before
	global    unitSampler     // round 0's design, continued by exploration
	// lookAhead is the study's early-stopping rule: with kind auto, a
	// pruned trial enters narrowing at its expected final value.
	lookAhead EarlyStopping
}

// scored is a successful trial in the coordinates narrowing works in.
type scored struct {
	score float64   // the value, negated when maximizing: lower is better
	z     []float64 // numeric coordinates, each in [0, 1] of the configured range; NaN where absent
	vals  []any     // the parameter values, nil where the parameter did not apply
	num   int       // trial number, to break ties as results.Rank does
}

const (
	// minWidthFraction is the narrowest a numeric range may become, as a
	// fraction of its configured width: a range that collapsed to a point
	// could never recover from a noisy round. 0.2% of a 4-decade
	// learning-rate range is 0.008 decades, 2% of the rate; on the
	// benchmarks a floor of 2% stopped short of the minimum (geometric
	// mean of the regret over TPE's 0.46 instead of 0.40 at 100 trials,
	// 0.34 instead of 0.19 at 200).
	minWidthFraction = 0.002
	// shrinkFast and shrinkSlow bound the agreement factor: a box's
	// half-width in a coordinate becomes spreadGain × the mean distance of
	// the round's best trials from the incumbent, but at least half and at
	// most all of its previous half-width. With spreadGain 1.5, best
	// trials at a third of the box or closer shrink it by half.
	shrinkFast = 0.5
	shrinkSlow = 1.0
	spreadGain = 1.5
	// successTarget and successGain are the success rule: the whole box
	// is multiplied by exp(successGain × (share − successTarget)), where
	// share is the part of the round that beat the incumbent: 0.55 when
	// nothing did, 1 at the one-fifth target, at most successMaxGrowth.
	// A gain of 2 did as well at 100 trials and worse at 50; 4 worse.
	successTarget    = 0.2
	successGain      = 3.0
	successMaxGrowth = 1.5
	// recombinationShare is how far the box's centre moves from the
	// incumbent towards the centroid of the recombinationTop best trials,
	// capped at half the box so the incumbent stays inside (0.3 and 0.7,
	// and 3 or 8 trials, did no better).
	recombinationShare = 0.5
	recombinationTop   = 5
	// exploreShare and coordinateShare are the parts of a narrowed round
	// that explore the whole space and that move one coordinate of the
	// incumbent. Two global points in a round of ten did worse than one.
	exploreShare    = 0.1
	coordinateShare = 0.2
)

// newCoarseToFine plans rounds of perRound trials each.
func newCoarseToFine(plan Plan, rounds, perRound int, keep float64) (*coarseToFine, error) {
	if rounds < 1 || perRound < 1 {
		return nil, fmt.Errorf("coarse-to-fine: rounds (%d) and trials_per_round (%d) must be at least 1", rounds, perRound)
	}
	return newCoarseToFineSizes(plan, uniformRounds(rounds, perRound), keep)
}

// newCoarseToFineSizes plans rounds of the given sizes, round 0 first.
func newCoarseToFineSizes(plan Plan, sizes []int, keep float64) (*coarseToFine, error) {
	if len(sizes) == 0 {
		return nil, fmt.Errorf("coarse-to-fine: no rounds")
	}
	for i, n := range sizes {
		if n < 1 {
			return nil, fmt.Errorf("coarse-to-fine: round %d has %d trials, want at least 1", i, n)
		}
	}
	if !(keep > 0 && keep <= 1) {
		return nil, fmt.Errorf("coarse-to-fine: keep %g must be in (0, 1]", keep)
	}
	dims := plan.Space.Dims
	c := &coarseToFine{plan: plan, sizes: slices.Clone(sizes), keep: keep}
	c.dims = slices.Clone(dims)
	c.initial = plan.Space.InitialRanges()
	c.start = slices.Clone(c.initial)
	c.ranges = slices.Clone(c.initial)
	c.half = make([]float64, len(dims))
	for i := range c.half {
		c.half[i] = 0.5 // the whole range, around its middle
	}
	c.global = newUnitSampler(len(dims), plan.Seed, 0)
	return c, nil
}

// uniformRounds is the split of a budget given as rounds × trials per round.
func uniformRounds(rounds, perRound int) []int {
	sizes := make([]int, max(rounds, 0))
	for i := range sizes {
		sizes[i] = perRound
	}
	return sizes
}

// roundSizes splits a config's budget into coarse-to-fine rounds: every
// round after the first has trials_per_round trials, and round 0, the
// coarse round, takes what they leave, so the total is exactly
// search.trials (rounds × trials_per_round when trials is not given). This
// is the split configs' deriveBudget plans when only trials is given (a
// quarter or more coarse). When they leave nothing (all three given,
// trials far below the product), the trials are spread evenly.
func roundSizes(s StrategyOptions) []int {
	rounds, per, total := s.Rounds, s.TrialsPerRound, s.Trials
	if total == 0 {
		total = rounds * per
	}
	if rounds < 1 || per < 1 {
		return uniformRounds(rounds, per) // refused by newCoarseToFineSizes
	}
	sizes := uniformRounds(rounds, per)
	if rest := total - (rounds-1)*per; rest >= 1 {
		sizes[0] = rest
		return sizes
	}
	for i := range sizes {
		sizes[i] = total / rounds
		if i < total%rounds {
			sizes[i]++
		}
	}
	return slices.DeleteFunc(sizes, func(n int) bool { return n == 0 })
}

func (c *coarseToFine) Name() string            { return "coarse-to-fine" }
func (c *coarseToFine) Rounds() []results.Round { return c.record }

func (c *coarseToFine) Total() int {
	n := len(c.warm)
	for _, s := range c.sizes {
		n += s
	}
	return n
}

func (c *coarseToFine) Ask() ([]Proposal, error) {
	if c.round >= len(c.sizes) {
		return nil, nil
	}
	size := c.sizes[c.round]
	batch := make([]Proposal, 0, size+len(c.warm))
	add := func(p results.Params) {
		batch = append(batch, Proposal{Number: c.next, Round: c.round, Params: p})
		c.next++
	}
	u := make([]float64, len(c.dims))
	if c.round == 0 {
		for _, p := range c.warm {
			add(p)
		}
		for range size {
			c.global.next(u)
			add(sampleAt(c.dims, c.start, u))
		}
		return batch, nil
	}
	explore, moves := c.exploration(size)
	box := newUnitSampler(len(c.dims), c.plan.Seed, c.round)
	for range size - explore - moves {
		box.next(u)
		add(sampleAt(c.dims, c.ranges, u))
	}
	rng := roundRNG(c.plan.Seed, c.round)
	movable := c.movable()
	for j := range moves {
		add(c.coordinateMove(movable[(c.round*moves+j)%len(movable)], rng))
	}
	for range explore {
		c.global.next(u)
		add(sampleAt(c.plan.Space.Dims, c.initial, u))
	}
	return batch, nil
}

// exploration is how many of a narrowed round's size trials explore the
// whole space and how many are coordinate moves. At least one of each once
// the round has room for them beside a box sample; none before anything
// succeeded (there is no incumbent to move yet).
func (c *coarseToFine) exploration(size int) (explore, moves int) {
	if size < 2 {
		return 0, 0
	}
	explore = max(1, int(math.Round(exploreShare*float64(size))))
	if len(c.seen) == 0 || len(c.movable()) == 0 || size-explore < 2 {
		return explore, 0
	}
	moves = max(1, int(math.Round(coordinateShare*float64(size))))
	return explore, min(moves, size-explore-1)
}

// movable lists the dimensions a coordinate move can change: those with
// more than one value (a fixed parameter is a choice of one) that apply to
// the incumbent (moving one it lacks would propose the incumbent again).
func (c *coarseToFine) movable() []int {
	var idx []int
	for i, r := range c.initial {
		if len(c.seen) > 0 && c.seen[0].vals[i] == nil {
			continue
		}
		if (c.plan.Space.Dims[i].Categorical() && len(r.Choices) > 1) || (!c.plan.Space.Dims[i].Categorical() && r.High > r.Low) {
			idx = append(idx, i)
		}
	}
	return idx
}

// coordinateMove is the incumbent with coordinate i redrawn over its whole
// configured range (with its configured distribution: powers of ten stay
// exact powers).
//
// Moving a condition's parent can change which parameters apply after it:
// one that no longer applies is dropped, one that now applies is drawn
// from its box (the incumbent has no value for it).
func (c *coarseToFine) coordinateMove(i int, rng *rand.Rand) results.Params {
	dims := c.plan.Space.Dims
	vals := slices.Clone(c.seen[0].vals)
	vals[i] = dims[i].At(c.initial[i], rng.Float64())
	reapply(dims, vals, i, func(k int) any { return c.dims[k].At(c.ranges[k], rng.Float64()) })
	return point(dims, vals)
}

// sampleAt is the point at u of the box ranges; a dimension that does not
// apply leaves its coordinate unused.
func sampleAt(dims []Dim, ranges []results.Range, u []float64) results.Params {
	vals := make([]any, len(dims))
	for i, d := range dims {
		if applies(dims, i, vals) {
			vals[i] = d.At(ranges[i], u[i])
		}
	}
	return point(dims, vals)
}

func (c *coarseToFine) Tell(trials []results.Trial) {
	c.record = append(c.record, record(c.round, c.ranges, trials, c.plan.Goal))
	c.round++
	before := math.Inf(1)
	if len(c.seen) > 0 {
		before = c.seen[0].score
	}
	var last []scored
	beat := 0
	for _, t := range trials {
		if s, ok := c.score(t); ok {
			last = append(last, s)
			if s.score < before {
				beat++
			}
		}
	}
	if len(c.seen)+len(last) == 0 {
		return // nothing succeeded yet: sample the same ranges again
	}
	c.seen = append(c.seen, last...)
	slices.SortStableFunc(c.seen, byScore)
	slices.SortStableFunc(last, byScore)
	success := math.NaN() // no incumbent to beat before the first success
	if !math.IsInf(before, 1) {
		success = float64(beat) / float64(len(trials))
	}
	c.narrow(c.withPruned(last, trials), success)
}

// applicable keeps the trials of ts in which dimension i applied.
func applicable(ts []scored, i int) []scored {
	var out []scored
	for _, t := range ts {
		if t.vals[i] != nil {
			out = append(out, t)
		}
	}
	return out
}

// elites are the incumbent and the best trials of the round just told: the
// keep fraction of the round, never fewer than two, the fewest that say
// anything about a spread. The round's trials, not the whole history:
// the question is whether the box just sampled has a clear peak.
func (c *coarseToFine) elites(last []scored) []scored {
	k := max(2, int(math.Ceil(c.keep*float64(len(last)))))
	pool := []scored{c.seen[0]}
	for _, s := range last {
		if s.num != c.seen[0].num {
			pool = append(pool, s)
		}
	}
	return pool[:min(k, len(pool))]
}

// narrow sets the next round's box around the incumbent. success is the
// share of the round that beat the previous incumbent (NaN when there was
// none).
//
// A conditional parameter narrows only from the elites it applied to,
// around the best of them: a value that did nothing says nothing about
// where its good values are. When it applied to none of them, its range
// stays as it is.
func (c *coarseToFine) narrow(last []scored, success float64) {
	elites := c.elites(last)
	prev := c.incumbent
	c.incumbent = make([]float64, len(c.dims))
	for i, d := range c.plan.Space.Dims {
		c.incumbent[i] = math.NaN()
		kept := applicable(elites, i)
		if len(kept) == 0 {
			continue
		}
		if d.Categorical() {
			c.ranges[i] = keptChoices(c.initial[i], kept, i)
			continue
		}
		best := kept[0]
		c.incumbent[i] = best.z[i]
		h := c.nextHalf(i, kept, success)
		if prev != nil && !math.IsNaN(prev[i]) {
			// A jump beyond the box: the old width belonged to the old basin.
			if move := math.Abs(best.z[i] - prev[i]); move > c.half[i] {
				h = math.Max(h, move/2)
			}
		}
		c.half[i] = math.Min(math.Max(h, minWidthFraction/2), 0.5)
		c.dims[i] = refine(d)
		c.ranges[i] = c.box(i, c.centre(i, best.z[i]), c.half[i])
	}
}

// nextHalf is the agreement and success rules for coordinate i; elites
// are the ones i applied to, best first.
func (c *coarseToFine) nextHalf(i int, elites []scored, success float64) float64 {
	best, h := elites[0], c.half[i]
	spread := 0.0
	for _, e := range elites[1:] {
		spread += math.Abs(e.z[i]-best.z[i]) / float64(len(elites)-1)
	}
	next := math.Min(math.Max(spreadGain*spread, shrinkFast*h), shrinkSlow*h)
	if !math.IsNaN(success) {
		next *= math.Min(math.Exp(successGain*(success-successTarget)), successMaxGrowth)
	}
	return next
}

// centre is the box's centre in coordinate i: inc, the incumbent's value,
// pulled towards the centroid of the best trials (those i applied to) by
// at most half the box.
func (c *coarseToFine) centre(i int, inc float64) float64 {
	top := applicable(c.seen, i)
	top = top[:min(recombinationTop, len(top))]
	mean := 0.0
	for _, s := range top {
		mean += s.z[i] / float64(len(top))
	}
	h := c.half[i]
	return inc + math.Max(-h/2, math.Min(h/2, recombinationShare*(mean-inc)))
}
