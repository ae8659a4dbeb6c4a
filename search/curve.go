package search

import (
	"math"
	"slices"
)

// Auto is the early-stopping rule to pick without reading papers: it has
// successive halving's rungs and comparison groups, but at the last rung
// (max_resource/η) the trials that go on are those whose learning curves
// are expected to end best (expectedFinal), as many as the rule's budget
// (by default about a third of the round's iterations) pays for (keepAuto).
//
// Why this rule. Successive halving (Jamieson & Talwalkar 2016; Li et al.,
// Hyperband, 2018) ranks trials by where they are at a rung, which is
// short-horizon bias when the learning rate is searched: a large step wins
// the early rungs and loses the race, and the trials with the winning small
// step are gone. Hyperband hedges with brackets that start later, and BOHB
// (Falkner et al. 2018) keeps Hyperband's brackets; both pay for the hedge
// with the iterations of the late brackets (0.59 of the iterations on
// iris-mlp, BENCHMARKS.md). Domhan et al. (2015) instead extrapolate each
// curve with a weighted mixture of parametric families (power laws,
// exponentials, …), sampled by MCMC, and stop a run only when it is
// unlikely to beat the best seen; LC-Net (Klein et al. 2017) learns the
// mixture's weights across configurations with a Bayesian network. Both
// are random (MCMC, SGHMC) and would need seeding and exactly reproduced
// arithmetic to give the same decisions at any --parallel, after resume and
// on every machine of a shared study. Here the families are fitted by a
// closed form: for each decay rate c of a fixed grid, a + b·x_c(t) is a
// linear least-squares fit, and the rate with the smallest residual is the
// family's fit. The mixture weighs the families by their residuals
// (Akaike-like weights), and a decision is a pure function of the
// stored reports of the trials compared (math.Exp and math.Pow are the
// same code on every machine of one architecture; products are rounded
// explicitly, see lineFit).
//
// Before a rung has seen a fifth of max_resource (earlyCoverage: the
// default rungs at 1/27 and 1/9) it keeps the best 2/3 by value and
// forecasts nothing. Forecasts 27 times further out than seen rescued the
// worst trials as often as the best on the suite; and at 1/9 of the
// horizon the trials that end best in the MLP sweeps still sit on the
// plateau where a network predicts the mean, ranked 7th to 10th of 27 by
// value among trials stuck there for good (mlp-momentum-slow), where no
// curve tells them apart. A gentle cut where the trials have cost least
// is the hedge, as Hyperband's later brackets are: cutting to the best
// third or half there, with forecasts rescuing some, lost the round's
// winner on most seeds of that sweep (BENCHMARKS.md).
//
// At the last rung every trial competes on its expected final value,
// successive halving's picks included, for the iterations left in the
// round's budget (withinBudget): a slow starter whose curve still falls
// steeply takes the place of a fast one that has levelled off. The
// expected value is the curve's forecast where the families, fitted to
// the curve since the rung before, see a fall that stands out of the
// fit's noise, and its value at the rung where they do not. It judges only
// at rungs up to max_resource/η (rungs, prune.go).
//
// What it cannot see: among trials that all end within a few per cent of
// each other, where they stand at a third of the horizon does not say which
// ends best, and a momentum curve's last value swings by as much between
// iterations (BENCHMARKS.md measures both on the suite's sweeps).
const Auto = "auto"

const (
	// minCurvePoints is the fewest reports a curve is fitted to: three
	// parameters need a fourth point to leave a residual.
	minCurvePoints = 4
	// minCoverage is the least part of the horizon a curve must have
	// covered to be extrapolated to it. Ten times further than seen is
	// already a long way; at the default first rung (max_resource/27) the
	// forecasts were guesses: on the suite's sweeps the trials they kept
	// there were as often the worst as the best, with forecast losses far
	// below zero (BENCHMARKS.md).
	minCoverage = 0.1
	// optimism is how many residual standard deviations the optimistic
	// prediction lies below the mixture's (a rescue before the last rung),
	// and how far below a curve's value a forecast must fall to count at
	// the last rung (expectedFinal).
	optimism = 2
	// earlyCoverage is the part of the horizon before which a rung keeps
	// the best 1/earlyReduction by value, with no forecast.
	earlyCoverage  = 0.2
	earlyReduction = 1.5
)

// Decay-rate grids of the two families: power laws a + b·t^(−c) and
// exponential decays a + b·e^(−c·t/t_last). The smallest exponential rates
// make it nearly a straight line, so a curve still falling steadily (a slow
// starter) is extrapolated along its slope, not flattened.
var (
	powerRates = geomGrid(0.05, 3, 40)
	expRates   = geomGrid(0.01, 30, 48)
)

func geomGrid(lo, hi float64, n int) []float64 {
	g := make([]float64, n)
	for i := range g {
		g[i] = lo * math.Pow(hi/lo, float64(i)/float64(n-1))
	}
	return g
}

// forecast is a trial's predicted value at max_resource (lower is better).
type forecast struct {
	point      float64 // the families' mixture
	optimistic float64 // what it may still reach: point less the uncertainty
	sigma      float64 // the residual standard deviation of the best fit
	falls      bool    // a family fitted a falling curve (else it ends where it is)
}

// extrapolate predicts, from a trial's reports (steps ascending, values
// oriented lower-is-better), its value at horizon. ok is false when the
// curve cannot be trusted: too few reports, or a value that is not finite.
func extrapolate(steps []int, vals []float64, horizon int) (forecast, bool) {
	n := len(vals)
	if n < minCurvePoints || n != len(steps) {
		return forecast{}, false
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return forecast{}, false
		}
	}
	last := vals[n-1]
	tLast := float64(steps[n-1])
	if steps[n-1] >= horizon || !(tLast > 0) {
		return forecast{point: last, optimistic: last}, true
	}
	T := float64(horizon)
	if tLast < minCoverage*T {
		return forecast{}, false
	}
	x := make([]float64, n)
	type fitted struct{ pred, sse float64 }
	var fits []fitted
	best := func(rates []float64, basis func(t, c float64) float64) {
		f := fitted{sse: math.Inf(1)}
		for _, c := range rates {
			for i, s := range steps {
				x[i] = basis(float64(s), c)
			}
			a, b, sse, ok := lineFit(x, vals)
			// b < 0 is a curve that rises: extrapolating it is guessing.
			if ok && b >= 0 && sse < f.sse {
				f = fitted{pred: a + float64(b*basis(T, c)), sse: sse}
			}
		}
		if !math.IsInf(f.sse, 1) {
			fits = append(fits, f)
		}
	}
	best(powerRates, func(t, c float64) float64 { return math.Pow(t, -c) })
	best(expRates, func(t, c float64) float64 { return math.Exp(-c * t / tLast) })
	if len(fits) == 0 {
		// Flat or rising: it ends where it is.
		return forecast{point: last, optimistic: last}, true
	}
	// Akaike-like weights: w ∝ SSE^(−n/2), computed relative to the best
	// fit so that a perfect fit (SSE 0) does not divide by zero.
	minSSE := slices.MinFunc(fits, func(a, b fitted) int { return cmpFloat(a.sse, b.sse) }).sse
	var wsum, point float64
	for _, f := range fits {
		w := 1.0
		if f.sse > minSSE {
			w = math.Exp(-float64(n) / 2 * math.Log(f.sse/math.Max(minSSE, 1e-300)))
		}
		wsum += w
		point += float64(w * f.pred)
	}
	point /= wsum
	// The families' disagreement is in the mixture's weights; adding it to
	// the margin as well (point − 2σ − spread, floored at the lowest
	// family) kept 0.1 more of the iterations on the suite's sweeps for no
	// better best value (BENCHMARKS.md).
	sigma := math.Sqrt(minSSE / float64(n-3))
	optimistic := point - float64(optimism*sigma)
	if slices.Min(vals) >= 0 {
		// A loss: it does not go below zero.
		optimistic = math.Max(optimistic, 0)
	}
	return forecast{point: point, optimistic: math.Min(optimistic, point), sigma: sigma, falls: true}, true
}

// expectedFinal is where a curve (steps ascending, values oriented
// lower-is-better) is expected to end at horizon: its last value, unless
// the families fitted to the curve since the rung before (from tLast/eta
// on) forecast a fall below it by more than optimism residual standard
// deviations; then that forecast. trusted is false when the curve cannot
// be extrapolated (too short, seen over too little of the horizon, not
// finite), and the last value stands for it.
//
// Why the recent part alone, and no optimism. The first reports of a
// curve are its steepest fall (or a plateau a network has not left yet),
// and fitted with the rest they bend the families towards a fall that is
// over. And where only a few go on, an optimistic forecast favours the
// noisiest curves over the lowest: a fall counts only when it stands out
// of the fit's noise. Replayed on the recorded curves of 19 sweeps (13 of
// them not in the suite), optimistic forecasts from the whole curve ranked
// the last rung worse than the plain values at the rung; this estimate
// ranked it better than either (BENCHMARKS.md, session 10).
func expectedFinal(steps []int, vals []float64, horizon int, eta float64) (value float64, trusted bool) {
	n := len(vals)
	if n == 0 || n != len(steps) {
		return math.NaN(), false
	}
	last := vals[n-1]
	if steps[n-1] >= horizon {
		return last, !math.IsNaN(last) && !math.IsInf(last, 0)
	}
	from := float64(steps[n-1]) / eta
	i := slices.IndexFunc(steps, func(s int) bool { return float64(s) >= from })
	i = max(0, min(i, n-minCurvePoints))
	f, ok := extrapolate(steps[i:], vals[i:], horizon)
	if !ok {
		return last, false
	}
	if f.falls && f.point < last-float64(optimism*f.sigma) {
		return f.point, true
	}
	return last, true
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

// lineFit is the least-squares line y = a + b·x; ok is false when the x
// do not vary.
func lineFit(x, y []float64) (a, b, sse float64, ok bool) {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxx, sxy float64
	// The explicit float64 conversions round each product, so that no
	// architecture fuses it into a multiply-add: a shared study's workers
	// on amd64 and arm64 fit the same numbers.
	for i := range x {
		sxx += float64((x[i] - mx) * (x[i] - mx))
		sxy += float64((x[i] - mx) * (y[i] - my))
	}
	if !(sxx > 1e-300) {
		return 0, 0, 0, false
	}
	b = sxy / sxx
	a = my - float64(b*mx)
	for i := range x {
		r := y[i] - a - float64(b*x[i])
		sse += float64(r * r)
	}
	return a, b, sse, true
}

// forecastAt is trial m's forecast from its reports up to the first at or
// past step (the value the rung compares), or its final value if it
// completed before; ok is false when it has no value there, or its curve
// cannot be extrapolated (then its value at the rung stands for it).
func (p *decider) forecastAt(m, step int) (forecast, bool) {
	l := p.trials[m]
	i := slices.IndexFunc(l.steps, func(s int) bool { return s >= step })
	if i < 0 {
		if l.completed && len(l.vals) > 0 {
			v := l.vals[len(l.vals)-1]
			return forecast{point: v, optimistic: v}, true
		}
		return forecast{}, false
	}
	if c, ok := l.forecasts[step]; ok {
		return c.f, c.ok
	}
	f, ok := extrapolate(l.steps[:i+1], l.vals[:i+1], p.rule.MaxResource)
	if l.forecasts == nil {
		l.forecasts = map[int]cachedForecast{}
	}
	l.forecasts[step] = cachedForecast{f, ok}
	return f, ok
}

// keepAuto decides for trial n of group at the rung step, whose value
// there is value and where the others stand at others. At the last rung the
// round's budget decides (withinBudget). Before it, a trial successive
// halving keeps goes on; one it would stop goes on too while it ranks among
// the best 1/earlyReduction by value, at rungs before a fifth of the
// horizon, or while its optimistic forecast still ranks among the best 1/η
// of the group's forecasts, at later ones (rescued; rungs there only come
// before the last with η below 3).
func (p *decider) keepAuto(n, group, step int, value float64, others []float64) bool {
	if rungs := p.rungs(n); step == rungs[len(rungs)-1] {
		return p.withinBudget(n, group, step)
	}
	if o := p.oracle; o != nil && o.early {
		return p.keepShare(o.final(n), o.others(p, n, group, step), earlyReduction)
	}
	if p.keepRank(value, others) {
		return true
	}
	if float64(step) < earlyCoverage*float64(p.rule.MaxResource) {
		return p.keepShare(value, others, earlyReduction)
	}
	return p.rescued(n, group, step)
}

// rescued says whether trial n's optimistic forecast at the rung step ranks
// among the best 1/η of the forecasts of the group's other trials there.
func (p *decider) rescued(n, group, step int) bool {
	mine, ok := p.forecastAt(n, step)
	if !ok {
		return false
	}
	better, others := 0, 0
	for _, m := range p.groups[group] {
		if m == n {
			continue
		}
		v, reached, _ := p.valueAt(m, step)
		if !reached {
			continue // the same trials as others: those with a value here
		}
		others++
		if f, ok := p.forecastAt(m, step); ok {
			v = f.point
		}
		if v < mine.optimistic {
			better++
		}
	}
	return better < p.allowed(others)
}

// withinBudget says whether trial n goes on from the last rung step: the
// trials of its group there, ordered by expected final value, then value
// at the rung, then number, go on as far as the round's budget pays for
// the rest of their run, and at least the first. The budget is
// the rule's Budget × what the group would have run without early stopping
// (wouldRun), less what it ran up to the rung. It is a function of the
// group's reports up to the rung alone, so every trial of the group (at
// any --parallel, after resume, on any worker) counts the same.
//
// Why successive halving's picks compete too: keeping them first and
// rescuing forecasts only in what they left over spent the budget on fast
// starters that had levelled off, and a slow starter falling steadily (the
// gd trials that end best on diabetes-linear) found no room once the early
// rungs had kept 2/3 (BENCHMARKS.md).
func (p *decider) withinBudget(n, group, step int) bool {
	key := rungKey{group, step}
	order, ok := p.ranked[key]
	if !ok {
		order = p.budgetOrder(group, step)
		p.ranked[key] = order
	}
	i, ok := order.place[n]
	return ok && i < order.room
}

// budgetOrder is a group's order at the last rung step: each contending
// trial's place (from 0) and how many places the budget pays for.
type budgetOrder struct {
	place map[int]int
	room  int
}

func (p *decider) budgetOrder(group, step int) budgetOrder {
	type contender struct {
		m   int
		key float64 // the expected final value
		tie float64 // the value at the rung
	}
	var (
		contenders   []contender
		spent, whole float64
	)
	for _, m := range p.groups[group] {
		l := p.trials[m]
		if len(l.steps) == 0 {
			continue
		}
		spent += float64(min(l.steps[len(l.steps)-1], step))
		whole += p.wouldRun(m, step)
		if !slices.ContainsFunc(l.steps, func(s int) bool { return s >= step }) {
			continue // ended before the rung: nothing to decide
		}
		v, _, _ := p.valueAt(m, step)
		if math.IsNaN(v) {
			// Diverging: it stops (Report), and as a NaN it would compare
			// equal to every key and scramble the order of the others.
			continue
		}
		i := slices.IndexFunc(l.steps, func(s int) bool { return s >= step })
		expected, _ := expectedFinal(l.steps[:i+1], l.vals[:i+1], p.rule.MaxResource, p.rule.Reduction)
		if o := p.oracle; o != nil && o.last {
			expected = o.final(m)
		}
		contenders = append(contenders, contender{m, expected, v})
	}
	slices.SortFunc(contenders, func(a, b contender) int {
		if c := cmpFloat(a.key, b.key); c != 0 {
			return c
		}
		if c := cmpFloat(a.tie, b.tie); c != 0 {
			return c
		}
		return a.m - b.m
	})
	order := budgetOrder{place: make(map[int]int, len(contenders)),
		room: max(1, int(math.Floor((p.rule.Budget*whole-spent)/float64(p.rule.MaxResource-step))))}
	for i, c := range contenders {
		order.place[c.m] = i
	}
	return order
}

// finalOracle stands the trials' true final values in for auto's
// judgement: at the early cuts (early: the best 2/3 by final value go on)
// and at the last rung (last: the budget's places go in order of final
// value). A replay of curves recorded without pruning knows those values;
// with them it measures how much of what the rule loses a better ranking
// could win back, with rungs and budget as they are (BENCHMARKS.md, issue
// 18, session 12). Only that benchmark sets it (export_test.go).
type finalOracle struct {
	finals      map[int]float64 // lower is better; a trial without one counts as the worst
	early, last bool
}

func (o *finalOracle) final(n int) float64 {
	if v, ok := o.finals[n]; ok && !math.IsNaN(v) {
		return v
	}
	return math.Inf(1)
}

// others are the final values of the trials of n's group that reached
// the rung step: those the rule compares n with there.
func (o *finalOracle) others(p *decider, n, group, step int) []float64 {
	var out []float64
	for _, m := range p.groups[group] {
		if _, reached, _ := p.valueAt(m, step); reached && m != n {
			out = append(out, o.final(m))
		}
	}
	return out
}

// wouldRun is what trial m would have run without early stopping, as far
// as its reports up to the rung step tell: max_resource, unless it ended on
// its own before the rung (converged, diverged, failed), where it ended.
// A trial stopped at an earlier rung counts max_resource. Counting every
// trial at max_resource made the budget a third of more than the sweep
// runs without early stopping where trials diverge (command-linear: 0.34
// of its steps on some seeds).
func (p *decider) wouldRun(m, step int) float64 {
	l := p.trials[m]
	k := len(l.steps)
	last := l.steps[k-1]
	if last >= step || !l.ended {
		return float64(p.rule.MaxResource)
	}
	if !l.completed {
		for _, r := range p.rungs(m) {
			if r < step && last >= r && (k == 1 || l.steps[k-2] < r) {
				return float64(p.rule.MaxResource) // stopped at rung r
			}
		}
	}
	return float64(last)
}
