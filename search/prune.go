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
)

// EarlyStopping configures the pruner. Resources are iterations for the
// built-in trainer and reported steps for command trials.
type EarlyStopping struct {
	Kind        string  // successive_halving | hyperband | median
	MinResource int     // the first rung (successive halving), or the first step the median rule judges
	MaxResource int     // the last rung: a trial that gets here runs to its end
	Reduction   float64 // η: a rung keeps the best 1/η of the trials that reached it
	MinTrials   int     // median: earlier trials needed at a step before it judges
}

// Rungs are the steps where successive halving decides: min·η^k below max.
func (e EarlyStopping) Rungs(min int) []int {
	var rungs []int
	for r := float64(min); int(math.Round(r)) < e.MaxResource; r *= e.Reduction {
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
// decisions are deterministic at any parallelism: trial n is judged only
// against trials with smaller numbers, and waits until each of them has
// either reached the step in question or ended. Smaller numbers start
// first, so the wait always ends; this is asynchronous successive halving
// (ASHA) with "earlier" meaning "lower trial number" instead of "finished
// sooner", which depends on the machine.
type Pruner struct {
	rule EarlyStopping

	// lowerIsBetter orients reported values: the built-in trainer reports
	// validation losses (lower is better) whatever the study's metric;
	// command trials report the study's metric, which may be maximised.
	orient func(float64) float64

	mu     sync.Mutex
	cond   *sync.Cond
	trials map[int]*progressLog
	groups map[int][]int // trial numbers by comparison group
}

// progressLog is what the pruner knows of one trial.
type progressLog struct {
	group int // trials are compared only within a group: a round × bracket
	steps []int
	vals  []float64
	ended bool
}

// NewPruner checks the rule and returns a pruner for one study; maximize
// says that higher reported values are better.
func NewPruner(rule EarlyStopping, maximize bool) (*Pruner, error) {
	switch rule.Kind {
	case SuccessiveHalving, Hyperband, MedianRule:
	default:
		return nil, fmt.Errorf("early stopping: unknown kind %q (allowed: %s, %s, %s)", rule.Kind, SuccessiveHalving, Hyperband, MedianRule)
	}
	if rule.MinResource < 1 || rule.MaxResource <= rule.MinResource {
		return nil, fmt.Errorf("early stopping: need 1 ≤ min_resource < max_resource, got %d and %d", rule.MinResource, rule.MaxResource)
	}
	if rule.Kind != MedianRule && !(rule.Reduction >= 2) {
		return nil, fmt.Errorf("early stopping: reduction_factor %g must be at least 2", rule.Reduction)
	}
	p := &Pruner{rule: rule, trials: map[int]*progressLog{}, groups: map[int][]int{}, orient: func(v float64) float64 { return v }}
	if maximize {
		p.orient = func(v float64) float64 { return -v }
	}
	p.cond = sync.NewCond(&p.mu)
	return p, nil
}

// group is the comparison group of trial n in round: a coarse-to-fine
// round is a bracket; Hyperband splits each round further, trial n going to
// bracket n mod brackets, so every bracket gets trials from every part of
// the round. The median rule compares against every earlier trial.
func (p *Pruner) group(n, round int) int {
	if p.rule.Kind == MedianRule {
		return 0
	}
	b := p.rule.brackets()
	return round*b + n%b
}

// firstRung is where trial n's bracket starts deciding: Hyperband's bracket
// b starts at min_resource·η^b, hedging against a min_resource too small
// to tell good trials from slow starters.
func (p *Pruner) firstRung(n int) int {
	if p.rule.Kind != Hyperband {
		return p.rule.MinResource
	}
	return int(math.Round(float64(p.rule.MinResource) * math.Pow(p.rule.Reduction, float64(n%p.rule.brackets()))))
}

// Begin registers a batch of trials before any of them runs, so a trial
// knows whom it must wait for.
func (p *Pruner) Begin(batch []Proposal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range batch {
		if _, ok := p.trials[b.Number]; !ok {
			p.add(b.Number, &progressLog{group: p.group(b.Number, b.Round)})
		}
	}
}

func (p *Pruner) add(n int, l *progressLog) {
	if _, ok := p.trials[n]; !ok {
		p.groups[l.group] = append(p.groups[l.group], n)
	}
	p.trials[n] = l
}

// Replay records a trial finished by an earlier run (resume) from its
// history, where every reported value is kept (history's validation_loss:
// the intermediate value), so later trials are judged exactly as in an
// uninterrupted run.
func (p *Pruner) Replay(t results.Trial) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := &progressLog{group: p.group(t.Number, t.Round), ended: true}
	for _, h := range t.History {
		if !math.IsNaN(h.ValidationLoss) {
			l.steps = append(l.steps, h.Iteration)
			l.vals = append(l.vals, p.orient(h.ValidationLoss))
		}
	}
	p.add(t.Number, l)
	p.cond.Broadcast()
}

// End marks trial n as ended, whatever the reason, and wakes its waiters.
func (p *Pruner) End(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.trials[n]; ok {
		l.ended = true
	}
	p.cond.Broadcast()
}

// Report records trial n's intermediate value at step and says whether
// it may go on. It blocks until the trials it is judged
// against have reached step or ended, or ctx ends (then it says go on: the
// trial is about to stop anyway).
func (p *Pruner) Report(ctx context.Context, n, step int, value float64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	me, ok := p.trials[n]
	if !ok {
		return true
	}
	value = p.orient(value)
	me.steps = append(me.steps, step)
	me.vals = append(me.vals, value)
	p.cond.Broadcast()

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
	var others []float64
	for {
		var waiting bool
		others, waiting = p.earlier(n, me.group, judge)
		if !waiting || ctx.Err() != nil {
			break
		}
		p.cond.Wait()
	}
	if ctx.Err() != nil || math.IsNaN(value) {
		return ctx.Err() != nil
	}
	return p.keep(value, others)
}

// judgedAt returns the decision step a report at step falls on: the rung
// (or, for the median rule, the step itself) that step has just reached.
func (p *Pruner) judgedAt(n, step int) (int, bool) {
	if p.rule.Kind == MedianRule {
		return step, step >= p.rule.MinResource && step < p.rule.MaxResource
	}
	me := p.trials[n]
	prev := -1
	if len(me.steps) > 1 {
		prev = me.steps[len(me.steps)-2]
	}
	// A rung counts once: at the first report at or past it.
	for _, r := range p.rule.Rungs(p.firstRung(n)) {
		if step >= r && prev < r {
			return r, true
		}
	}
	return 0, false
}

// earlier collects the values at step of the lower-numbered trials of the
// group that reached it; waiting is true while one of them may still.
func (p *Pruner) earlier(n, group, step int) (vals []float64, waiting bool) {
	for _, m := range p.groups[group] {
		l := p.trials[m]
		if m >= n {
			continue
		}
		i := slices.IndexFunc(l.steps, func(s int) bool { return s >= step })
		switch {
		case i >= 0:
			vals = append(vals, l.vals[i])
		case !l.ended:
			waiting = true
		}
	}
	return vals, waiting
}

// keep applies the rule to value among the earlier values.
func (p *Pruner) keep(value float64, others []float64) bool {
	if p.rule.Kind == MedianRule {
		if len(others) < max(p.rule.MinTrials, 1) {
			return true
		}
		return value <= results.Median(others)
	}
	// value's rank among itself and the earlier trials: continue when it is
	// within the best 1/η (rounded up, so the first trial of a bracket
	// always continues: it has nobody to lose to).
	better := 0
	for _, o := range others {
		if o < value {
			better++
		}
	}
	allowed := int(math.Ceil(float64(len(others)+1) / p.rule.Reduction))
	return better < allowed
}
