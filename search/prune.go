package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/hpsearch/hpsearch/results"
)

// Early-stopping rules.
const (
	SuccessiveHalving = "successive_halving"
	Hyperband         = "hyperband"
	MedianRule        = "median"
	// Auto is in curve.go.
)

// EarlyStopping configures the pruner. Resources are iterations for the
// built-in trainer and reported steps for command trials.
type EarlyStopping struct {
	Kind        string  // successive_halving | hyperband | median | auto
	MinResource int     // the first rung (successive halving), or the first step the median rule judges
	MaxResource int     // the last rung: a trial that gets here runs to its end
	Reduction   float64 // η: a rung keeps the best 1/η of the trials that reached it
	MinTrials   int     // median: earlier trials needed at a step before it judges
	// Budget (auto) is the share of what a round would run without early
	// stopping that it may run: at the last rung, the trials expected to
	// end best go on as far as it pays for (withinBudget).
	Budget float64
}

// Rungs are the steps where successive halving decides: min·η^k below max.
func (e EarlyStopping) Rungs(min int) []int {
	var rungs []int
	// Compared in float64: the int of a rung past 2^63 wraps negative and
	// never reached a max_resource of 2^63-1, listing rungs until memory
	// ran out. η ≥ 2 (configs) ends the loop within 63 rungs.
	for r := float64(min); math.Round(r) < float64(e.MaxResource) && e.Reduction > 1; r *= e.Reduction {
		rungs = append(rungs, int(math.Round(r)))
	}
	return rungs
}

// brackets is how many Hyperband brackets there are: one per possible
// first rung, from the most aggressive (min_resource) to none at all.
func (e EarlyStopping) brackets() int {
	if e.Kind != Hyperband {
		return 1
	}
	return len(e.Rungs(e.MinResource)) + 1
}

// Pruner decides, while trials run, which ones to stop early. Its
// decisions are deterministic at any parallelism:
//
//   - Successive halving and Hyperband are synchronous within a group (a
//     round, or a Hyperband bracket of a round): a trial that reaches a rung
//     waits there until every trial of its group has reached the rung or
//     ended, and the best 1/η go on. While it waits it gives its compute
//     slot back (Slot.Release; a command trial's program is paused too), so
//     the others can get to the rung: the wait always
//     ends, and the decision sees the whole group, whatever finished first.
//   - The median rule judges trial n at a step against the trials with
//     smaller numbers, waiting until each has reached that step or ended;
//     smaller numbers start first, so that wait always ends too.
type Pruner struct {
	decider

	// lowerIsBetter orients reported values: the built-in trainer reports
	// validation losses (lower is better) whatever the study's metric;
	// command trials report the study's metric, which may be maximised.
	orient func(float64) float64

	mu   sync.Mutex
	cond *sync.Cond
}

// decider holds the decision rules over what is known of a study's
// trials: the Pruner's live records in one process, or a snapshot of a
// shared study's stored reports (sharedPruner), so both decide alike.
type decider struct {
	rule   EarlyStopping
	trials map[int]*progressLog
	groups map[int][]int // trial numbers by comparison group
	// settled counts, for each rung of each group, the trials that have
	// reached it or ended: a trial waiting at a rung waits while it is
	// short of the group, an O(1) check. Scanning the group at every
	// wake-up made a round of n trials cost O(n³): 75 s of successive
	// halving's bookkeeping for 3,000 trials (BENCHMARKS.md, issue 18).
	settled map[rungKey]int
	// ranked is auto's last-rung order of each group, computed once when
	// the group has settled there (withinBudget): it is a function of the
	// reports up to the rung alone, the same for every trial that asks.
	ranked map[rungKey]budgetOrder
	// oracle is nil in every study; only the replay benchmark sets it
	// (finalOracle).
	oracle *finalOracle
}

// rungKey is one rung of one comparison group.
type rungKey struct{ group, step int }

func newDecider(rule EarlyStopping) decider {
	return decider{rule: rule, trials: map[int]*progressLog{}, groups: map[int][]int{},
		settled: map[rungKey]int{}, ranked: map[rungKey]budgetOrder{}}
}

// progressLog is what the pruner knows of one trial.
type progressLog struct {
	group int // trials are compared only within a group: a round × bracket
	steps []int
	vals  []float64
	ended bool
	// completed is set for a trial that ended on its own (converged,
	// patience, its iteration budget): it stays at its last value, so it
	// counts at every later step too. A pruned or failed trial does not.
	completed bool
	// counted is how many of the trial's rungs it has counted as settled.
	counted int
	// forecasts caches forecastAt by step: a forecast uses the reports up
	// to the first at or past its step, which never change once there.
	forecasts map[int]cachedForecast
}

type cachedForecast struct {
	f  forecast
	ok bool
}

// NewPruner checks the rule and returns a pruner for one study; maximize
// says that higher reported values are better.
func NewPruner(rule EarlyStopping, maximize bool) (*Pruner, error) {
	switch rule.Kind {
	case SuccessiveHalving, Hyperband, MedianRule, Auto:
	default:
		return nil, fmt.Errorf("early stopping: unknown kind %q (allowed: %s, %s, %s, %s)", rule.Kind, SuccessiveHalving, Hyperband, MedianRule, Auto)
	}
	if rule.MinResource < 1 || rule.MaxResource <= rule.MinResource {
		return nil, fmt.Errorf("early stopping: need 1 ≤ min_resource < max_resource, got %d and %d", rule.MinResource, rule.MaxResource)
	}
	if rule.Kind != MedianRule && !(rule.Reduction >= 2) {
		return nil, fmt.Errorf("early stopping: reduction_factor %g must be at least 2", rule.Reduction)
	}
	if rule.Kind == Auto && !(rule.Budget > 0 && rule.Budget <= 1) {
		return nil, fmt.Errorf("early stopping: auto's budget %g must be in (0, 1]", rule.Budget)
	}
	p := &Pruner{decider: newDecider(rule), orient: orientFor(maximize)}
	p.cond = sync.NewCond(&p.mu)
	return p, nil
}

// orientFor turns reported values into lower-is-better ones.
func orientFor(maximize bool) func(float64) float64 {
	if maximize {
		return func(v float64) float64 { return -v }
	}
	return func(v float64) float64 { return v }
}

// group is the comparison group of trial n in round: a coarse-to-fine
// round is a bracket; Hyperband splits each round further, trial n going to
// bracket n mod brackets, so every bracket gets trials from every part of
// the round. The median rule compares against every earlier trial.
func (p *decider) group(n, round int) int {
	if p.rule.Kind == MedianRule {
		return 0
	}
	b := p.rule.brackets()
	return round*b + n%b
}

// firstRung is where trial n's bracket starts deciding: Hyperband's bracket
// b starts at min_resource·η^b, hedging against a min_resource too small
// to tell good trials from slow starters.
func (p *decider) firstRung(n int) int {
	if p.rule.Kind != Hyperband {
		return p.rule.MinResource
	}
	return int(math.Round(float64(p.rule.MinResource) * math.Pow(p.rule.Reduction, float64(n%p.rule.brackets()))))
}

// begin registers a batch of trials before any of them runs, so a trial
// knows whom it must wait for.
func (p *Pruner) begin(batch []Proposal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range batch {
		if _, ok := p.trials[b.Number]; !ok {
			p.add(b.Number, &progressLog{group: p.group(b.Number, b.Round)})
		}
	}
}

func (p *decider) add(n int, l *progressLog) {
	old, ok := p.trials[n]
	if !ok {
		p.groups[l.group] = append(p.groups[l.group], n)
	} else {
		rungs := p.rungs(n)
		for _, r := range rungs[:old.counted] {
			p.settled[rungKey{old.group, r}]--
		}
	}
	p.trials[n] = l
	l.counted = 0
	p.settle(n)
}

// settle counts trial n at the rungs it has newly reached, or at all that
// are left once it has ended, and says whether it counted any: only then
// can a trial waiting at a rung of its group stop waiting. The median rule
// compares step by step, not at rungs, and keeps no counts.
func (p *decider) settle(n int) bool {
	if p.rule.Kind == MedianRule {
		return false
	}
	l := p.trials[n]
	rungs := p.rungs(n)
	last := -1
	if len(l.steps) > 0 {
		last = l.steps[len(l.steps)-1]
	}
	before := l.counted
	for l.counted < len(rungs) && (l.ended || rungs[l.counted] <= last) {
		p.settled[rungKey{l.group, rungs[l.counted]}]++
		l.counted++
	}
	return l.counted > before
}

// replay records a trial finished by an earlier run (resume) from its
// history, where every reported value is kept (history's validation_loss:
// the intermediate value), so later trials are judged exactly as in an
// uninterrupted run.
func (p *Pruner) replay(t results.Trial) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := &progressLog{group: p.group(t.Number, t.Round), ended: true, completed: t.Status == results.StatusOK}
	if t.Reports != nil {
		for _, r := range t.Reports {
			l.steps = append(l.steps, r.Step)
			l.vals = append(l.vals, p.orient(r.Value))
		}
	} else {
		// Stored before reports were kept apart: they are in the history.
		for _, h := range t.History {
			if !math.IsNaN(h.ValidationLoss) {
				l.steps = append(l.steps, h.Iteration)
				l.vals = append(l.vals, p.orient(h.ValidationLoss))
			}
		}
	}
	p.add(t.Number, l)
	p.cond.Broadcast()
}

// end marks trial n as ended, whatever the reason, and wakes its waiters;
// completed says it ended on its own with a result (status ok).
func (p *Pruner) end(n int, completed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.trials[n]; ok {
		l.ended, l.completed = true, completed
		p.settle(n)
	}
	p.cond.Broadcast()
}

// Slot lets a trial waiting at a rung give its compute slot back to the
// runner and take one again before it goes on.
type Slot interface {
	Release()
	Acquire(ctx context.Context) error
}

// Report records trial n's intermediate value at step and says whether
// it may go on. It blocks until the trials it is judged against have
// reached step or ended, or ctx ends (then it says go on: the trial is
// about to stop anyway). slot may be nil when the caller holds no slot.
func (p *Pruner) Report(ctx context.Context, n, step int, value float64, slot Slot) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	me, ok := p.trials[n]
	if !ok {
		return true
	}
	value = p.orient(value)
	me.steps = append(me.steps, step)
	me.vals = append(me.vals, value)
	if p.settle(n) || p.rule.Kind == MedianRule {
		// Waking every waiting trial at every report of every trial
		// made the waits cost more than the trials (see settled).
		p.cond.Broadcast()
	}

	judge, ok := p.judgedAt(n, step)
	if !ok {
		return true
	}
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	compare := p.earlier
	if p.rule.Kind != MedianRule {
		compare = p.whole
	}
	others, waiting := compare(n, me.group, judge)
	if waiting && slot != nil {
		// Waiting for the group to catch up: let the others compute.
		slot.Release()
		defer func() {
			p.mu.Unlock()
			err := slot.Acquire(ctx)
			p.mu.Lock()
			_ = err // a cancelled trial stops at its next iteration anyway
		}()
	}
	for waiting && ctx.Err() == nil {
		p.cond.Wait()
		waiting = p.waitingAt(n, me.group, judge)
	}
	if !waiting {
		others, _ = compare(n, me.group, judge)
	}
	if ctx.Err() != nil {
		return true
	}
	if math.IsNaN(value) {
		return false
	}
	return p.keep(n, me.group, judge, value, others)
}

// report is Report for a trial of a study whose records the pruner keeps
// live (judge).
func (p *Pruner) report(ctx context.Context, l results.Lease, reports []results.Reported, slot Slot) (bool, error) {
	last := reports[len(reports)-1]
	return p.Report(ctx, l.Trial.Number, last.Step, last.Value, slot), nil
}

// judgedAt returns the decision step a report at step falls on: the rung
// (or, for the median rule, the step itself) that step has just reached.
func (p *decider) judgedAt(n, step int) (int, bool) {
	if p.rule.Kind == MedianRule {
		return step, step >= p.rule.MinResource && step < p.rule.MaxResource
	}
	me := p.trials[n]
	prev := -1
	if len(me.steps) > 1 {
		prev = me.steps[len(me.steps)-2]
	}
	// A rung counts once: at the first report at or past it.
	for _, r := range p.rungs(n) {
		if step >= r && prev < r {
			return r, true
		}
	}
	return 0, false
}

// rungs are the steps where trial n is judged. Auto judges only where
// stopping saves most of a trial, at or below max_resource/η: the default
// min_resource (max/η³, rounded down) otherwise puts a last rung a few
// iterations short of the end (594 of 600), where successive halving
// throws away 1 − 1/η of the trials that have all but finished, for 1 % of
// their cost.
func (p *decider) rungs(n int) []int {
	rungs := p.rule.Rungs(p.firstRung(n))
	if p.rule.Kind == Auto {
		rungs = slices.DeleteFunc(rungs, func(r int) bool { return float64(r)*p.rule.Reduction > float64(p.rule.MaxResource) })
	}
	return rungs
}

// waitingAt says whether trial n, at its decision step, must still wait:
// for the rung rules while its group has not all settled there (reached
// the rung or ended), for the median rule while a lower-numbered trial may
// still reach step.
func (p *decider) waitingAt(n, group, step int) bool {
	if p.rule.Kind == MedianRule {
		_, waiting := p.earlier(n, group, step)
		return waiting
	}
	return p.settled[rungKey{group, step}] < len(p.groups[group])
}

// earlier collects the values at step of the lower-numbered trials of the
// group that reached it; waiting is true while one of them may still.
func (p *decider) earlier(n, group, step int) (vals []float64, waiting bool) {
	for _, m := range p.groups[group] {
		if m >= n {
			continue
		}
		if v, ok, wait := p.valueAt(m, step); ok {
			vals = append(vals, v)
		} else if wait {
			waiting = true
		}
	}
	return vals, waiting
}

// whole collects the values at step of every other trial of the group;
// waiting is true while one of them may still reach it.
func (p *decider) whole(n, group, step int) (vals []float64, waiting bool) {
	for _, m := range p.groups[group] {
		if m == n {
			continue
		}
		if v, ok, wait := p.valueAt(m, step); ok {
			vals = append(vals, v)
		} else if wait {
			waiting = true
		}
	}
	return vals, waiting
}

// valueAt is trial m's value at step: the first report at or past it, or
// its last value if it completed before; wait says it may still get there.
func (p *decider) valueAt(m, step int) (v float64, ok, wait bool) {
	l := p.trials[m]
	if i := slices.IndexFunc(l.steps, func(s int) bool { return s >= step }); i >= 0 {
		return l.vals[i], true, false
	}
	if !l.ended {
		return 0, false, true
	}
	if l.completed && len(l.vals) > 0 {
		// It converged before this step: judge against where it ended, or
		// a trial that stopped early because it was done would leave the
		// slower ones to be compared only among themselves.
		return l.vals[len(l.vals)-1], true, false
	}
	return 0, false, false
}

// keep applies the rule to trial n of group, whose value at the decision
// step is value, among the others' values there.
func (p *decider) keep(n, group, step int, value float64, others []float64) bool {
	switch p.rule.Kind {
	case MedianRule:
		if len(others) < max(p.rule.MinTrials, 1) {
			return true
		}
		return value <= results.Median(others)
	case Auto:
		return p.keepAuto(n, group, step, value, others)
	}
	return p.keepRank(value, others)
}

// keepRank is successive halving's rule: value goes on if it ranks among
// the best 1/η of its group at the rung.
func (p *decider) keepRank(value float64, others []float64) bool {
	return p.keepShare(value, others, p.rule.Reduction)
}

// keepShare says whether value ranks among the best 1/eta of its group.
func (p *decider) keepShare(value float64, others []float64, eta float64) bool {
	// value's rank in its group at the rung: the best 1/eta go on (at
	// least one). Ties go to the trial that got there, which keeps a group
	// of identical trials from pruning itself out entirely.
	better := 0
	for _, o := range others {
		if o < value {
			better++
		}
	}
	return better < allowed(len(others), eta)
}

// allowed is how many of a group of others+1 trials go on from a rung.
func (p *decider) allowed(others int) int {
	return allowed(others, p.rule.Reduction)
}

func allowed(others int, eta float64) int {
	return max(1, int(math.Round(float64(others+1)/eta)))
}
