package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/trainer"
)

// Param is one parameter of a study's search space; build it with Float,
// LogFloat, Int or Choice.
type Param = search.Dim

// Float is a parameter drawn uniformly from [low, high].
func Float(name string, low, high float64) Param {
	return Param{Name: name, Dist: search.Uniform, Low: low, High: high}
}

// LogFloat is a parameter drawn from [low, high] uniformly in log space,
// as a learning rate is (0 < low < high).
func LogFloat(name string, low, high float64) Param {
	return Param{Name: name, Dist: search.LogUniform, Low: low, High: high}
}

// Int is an integer parameter drawn from [low, high].
func Int(name string, low, high int64) Param {
	return Param{Name: name, Dist: search.Int, Low: float64(low), High: float64(high)}
}

// Choice is a parameter that takes one of values (float64, int64 or
// string).
func Choice(name string, values ...any) Param {
	return Param{Name: name, Dist: search.Choice, Choices: values}
}

// Options set a study run from Go: its strategy and budget, as the
// config's search section does.
type Options struct {
	// Name names the study in its trials and store; "" is "study".
	Name string
	// Strategy is one of grid, random, sobol, powers-of-ten,
	// coarse-to-fine, coarse-to-fine-gp, bayes; "" is random.
	Strategy string
	// Trials is the budget; 0 means Rounds × TrialsPerRound. Given alone
	// to coarse-to-fine, coarse-to-fine-gp or bayes, it is split into
	// rounds as a config's search.trials is. Each is at most 1,000,000
	// (Rounds 10,000), as in a config.
	Trials                 int
	Rounds, TrialsPerRound int
	// Keep is the share of a round coarse-to-fine narrows around, in
	// (0, 1]; 0 is the config's default, search.keep: 0.25.
	Keep       float64
	GridPoints int // grid: values per continuous dimension
	Batch      int // coarse-to-fine-gp and bayes: trials proposed together after round 0; 0 is 4
	// Seed decides every trial's parameters and seed: the same seed gives
	// the same trials at any parallelism.
	Seed uint64
	Goal results.Goal // "" is minimize
	// Metric names what the objective returns, in the tables and the
	// stored study (hpsearch studies, show); "" is "value".
	Metric string
	// EarlyStopping, when set, stops unpromising trials of Optimize at the
	// steps they report (Trial.Report).
	// Its fields left 0 take a config's defaults: Reduction 3, MinResource
	// MaxResource/η³ (at least 1), MinTrials 5, Budget 0.32; Kind and
	// MaxResource are required.
	EarlyStopping *search.EarlyStopping
	// Parallel is how many trials Optimize runs at once; 0 is one per CPU.
	Parallel int
	// MaxFailed stops Optimize at the failure that makes more than this
	// many of its trials failed (0: never), as search.max_failed_trials
	// does a config's study: the trials still running are interrupted,
	// and the error is a NotFinished *Error wrapping a *FailureLimitError.
	MaxFailed int
	// Store keeps Optimize's trials; nil keeps them in memory. Optimize
	// holds the study's lease in it while it runs, as `hpsearch run`
	// does: a second run of the same study (Name) in the store, from this
	// process or another, is refused while this one runs, and so is a
	// study the store already has (there is no resume).
	Store results.Store
}

// FailureLimitError is the failure that took a study past its failure
// limit (Options.MaxFailed): how many trials failed, the limit, and the
// last failed trial.
type FailureLimitError = search.FailureLimitError

// defaultKeep is Options.Keep when 0: search.keep's default, which a test
// holds equal to the one configs fills in.
const defaultKeep = 0.25

// defaultBatch is Options.Batch when 0: search.batch's default for the
// model-guided strategies.
const defaultBatch = 4

// check refuses options that cannot run, each naming its field and what is
// allowed, with the bounds a config's search section has.
func (o Options) check() error {
	if o.Name != "" {
		if err := configs.CheckStudyName(o.Name); err != nil {
			return usageErr("options: Name: %v", err)
		}
	}
	if o.Goal != "" && o.Goal != results.GoalMinimize && o.Goal != results.GoalMaximize {
		return usageErr("options: Goal %q: want %q or %q (\"\" is minimize)", o.Goal, results.GoalMinimize, results.GoalMaximize)
	}
	counts := []struct {
		name   string
		v, max int
	}{{"Trials", o.Trials, configs.MaxTrials}, {"Rounds", o.Rounds, configs.MaxRounds},
		{"TrialsPerRound", o.TrialsPerRound, configs.MaxTrials}, {"Batch", o.Batch, configs.MaxTrials},
		{"GridPoints", o.GridPoints, configs.MaxTrials}, {"Parallel", o.Parallel, 0}, {"MaxFailed", o.MaxFailed, 0}}
	for _, c := range counts { // max 0: no bound
		switch {
		case c.v < 0 && c.max == 0:
			return usageErr("options: %s %d: want 0 (the default) or more", c.name, c.v)
		case c.v < 0 || c.max > 0 && c.v > c.max:
			return usageErr("options: %s %d: want 0 (the default) to %d", c.name, c.v, c.max)
		}
	}
	if o.Trials == 0 && (o.Rounds == 0 || o.TrialsPerRound == 0) {
		return usageErr("options: Trials %d, Rounds %d, TrialsPerRound %d: set Trials, or Rounds and TrialsPerRound, to 1 or more",
			o.Trials, o.Rounds, o.TrialsPerRound)
	}
	if o.Trials == 0 && o.Rounds*o.TrialsPerRound > configs.MaxTrials { // each is bounded: no overflow
		return usageErr("options: Rounds × TrialsPerRound = %d × %d: more than the %d trials allowed", o.Rounds, o.TrialsPerRound, configs.MaxTrials)
	}
	if o.GridPoints == 1 {
		return usageErr("options: GridPoints 1: want 0 (the default, 5) or 2 or more")
	}
	if !(o.Keep >= 0 && o.Keep <= 1) {
		return usageErr("options: Keep %g: want a share in (0, 1], or 0 for the default %g", o.Keep, defaultKeep)
	}
	return nil
}

// earlyStopping is o.EarlyStopping with the fields left 0 filled as a
// config's search.early_stopping fills them (0 is no valid value of any).
func (o Options) earlyStopping() search.EarlyStopping {
	e := *o.EarlyStopping
	if e.Reduction == 0 {
		e.Reduction = defaultReduction
	}
	if e.MinResource == 0 && e.Reduction >= 2 {
		e.MinResource = max(1, int(float64(e.MaxResource)/math.Pow(e.Reduction, 3)))
	}
	if e.MinTrials == 0 {
		e.MinTrials = defaultMinTrials
	}
	if e.Budget == 0 {
		e.Budget = defaultAutoBudget
	}
	return e
}

// Defaults of search.early_stopping's reduction_factor, min_trials and
// budget.
const (
	defaultReduction  = 3
	defaultMinTrials  = 5
	defaultAutoBudget = 0.32
)

// goal is o.Goal, minimize when unset, as stored and ranked.
func (o Options) goal() results.Goal {
	if o.Goal == "" {
		return results.GoalMinimize
	}
	return o.Goal
}

func (o Options) metric() string {
	if o.Metric == "" {
		return "value"
	}
	return o.Metric
}

func (o Options) name() string {
	if o.Name == "" {
		return "study"
	}
	return o.Name
}

// strategy builds the strategy o names over space.
func (o Options) strategy(params []Param) (search.Strategy, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	space, err := search.NewSpace(params)
	if err != nil {
		return nil, usageErr("space: %v", err)
	}
	name := o.Strategy
	if name == "" {
		name = "random"
	}
	keep := o.Keep
	if keep == 0 { // 0 is outside (0, 1]: no one asks for it
		keep = defaultKeep
	}
	trials, rounds, perRound, batch := o.Trials, o.Rounds, o.TrialsPerRound, o.Batch
	if name == "coarse-to-fine" || name == "coarse-to-fine-gp" || name == "bayes" {
		// Split as a config's search section splits the same budget:
		// with only Trials, coarse-to-fine had no rounds to run.
		trials, rounds, perRound = configs.SplitBudget(trials, rounds, perRound)
	}
	if batch == 0 && (name == "coarse-to-fine-gp" || name == "bayes") {
		batch = defaultBatch // 0 trials at a time is no batch: no one asks for it
	}
	so := search.StrategyOptions{Strategy: name, Seed: o.Seed, Goal: string(o.Goal),
		Trials: trials, Rounds: rounds, TrialsPerRound: perRound, Keep: keep,
		GridPoints: o.GridPoints, Batch: batch}
	if o.EarlyStopping != nil { // coarse-to-fine narrows on the expected final values of kind auto, as for a config's study
		so.EarlyStopping = o.earlyStopping()
	}
	strat, err := search.NewStrategy(so, space, nil)
	if err != nil {
		return nil, usageErr("options: %v", err)
	}
	return strat, nil
}

// Trial is one point an objective evaluates.
type Trial struct {
	Number int
	Round  int
	Seed   uint64 // for the objective's own randomness: decided by Options.Seed and Number
	Params results.Params
	report func(step int, value float64) bool
}

// Float is the value of a Float or LogFloat parameter; ok is false when
// the trial has no such parameter.
func (t Trial) Float(name string) (v float64, ok bool) {
	x, ok := t.Params.Get(name)
	v, ok2 := x.(float64)
	return v, ok && ok2
}

// Int is the value of an Int parameter (or an int64 choice).
func (t Trial) Int(name string) (v int64, ok bool) {
	x, ok := t.Params.Get(name)
	v, ok2 := x.(int64)
	return v, ok && ok2
}

// String is the value of a string choice.
func (t Trial) String(name string) (v string, ok bool) {
	x, ok := t.Params.Get(name)
	v, ok2 := x.(string)
	return v, ok && ok2
}

// Report gives the trial's value at an intermediate step; false means
// early stopping pruned it, or a person stopped it (hpsearch stop, the
// dashboard's Stop button): the objective should return the value now,
// and the trial is recorded pruned (results.StatusPruned), or ok with stop
// reason user, at that value. Without Options.EarlyStopping it is true
// until a person stops the trial. In a store that keeps live trials, the
// values reported are the running trial's curve (as validation losses).
func (t Trial) Report(step int, value float64) bool {
	if t.report == nil {
		return true
	}
	return t.report(step, value)
}

// ObjectiveFunc is a Go program's objective: it evaluates one trial. An
// error fails the trial and the study goes on; when ctx is done the study
// stops (interrupted).
type ObjectiveFunc func(ctx context.Context, t Trial) (float64, error)

// Optimize runs a study of objective over space, as `hpsearch run` runs
// a config's, through the same lifecycle: it holds the study's lease in
// o.Store, trials fan out o.Parallel at a time, each is stored, the
// strategy learns from each batch, the study stops past o.MaxFailed
// failures, and its record says how it ended. The outcome holds the
// finished trials (Outcome.Best). The error is an *Error: Usage for bad
// options or space, a study another run holds or one o.Store already
// has; Interrupted when ctx
// ended (the outcome then holds what finished); NotFinished when no trial
// succeeded, or when too many failed (wrapping a *FailureLimitError).
func Optimize(ctx context.Context, space []Param, objective ObjectiveFunc, o Options) (*Outcome, error) {
	if objective == nil {
		return nil, usageErr("Optimize: the objective is nil")
	}
	strat, err := o.strategy(space)
	if err != nil {
		return nil, err
	}
	store := o.Store
	if store == nil {
		store = results.NewMemoryStore()
	}
	rec := results.Study{Name: o.name(), Created: time.Now(), Strategy: strat.Name(), Metric: o.metric(), Goal: o.goal(),
		Total: strat.Total(), Status: results.StudyRunning}
	runner := &search.Runner{Study: rec.Name, Seed: o.Seed, Strategy: strat, Store: store, Parallelism: o.Parallel,
		Evaluator: objective.evaluator(), MaxFailed: o.MaxFailed}
	if o.EarlyStopping != nil {
		if runner.Pruner, err = search.NewPruner(o.earlyStopping(), o.Goal.Maximizes()); err != nil {
			return nil, usageErr("options: %v", err)
		}
	}
	leaseCtx, lease, err := hold(ctx, store, leaseRequest{study: rec.Name, where: "Options.Store", shared: DefaultShared,
		log: func(string) {}, busy: "wait for that run to end, or give this one another Options.Name"})
	if err != nil {
		return nil, err
	}
	defer lease.release()
	// As `hpsearch run` without --resume: a stored study is never run
	// again over its trials (Optimize has no resume).
	switch prev, trials, err := store.Study(ctx, rec.Name); {
	case err == nil:
		return nil, usageErr("study %s already exists in Options.Store (%d trials, %s); give this run another Options.Name",
			rec.Name, len(trials), prev.Status)
	case !errors.Is(err, results.ErrNotFound):
		return nil, failed(err)
	}
	if err := store.PutStudy(ctx, rec); err != nil {
		return nil, failed(err)
	}
	r, err := runLocal(leaseCtx, ctx, store, runner, rec, lease, noProgress{})
	if err != nil {
		return nil, err
	}
	out := &Outcome{Study: r.rec, Trials: r.trials}
	switch {
	case r.interrupted:
		return out, &Error{Kind: Interrupted, Err: fmt.Errorf("interrupted: %d of %d trials finished: %w", len(r.trials), rec.Total, r.err)}
	case r.limit != nil:
		return out, &Error{Kind: NotFinished, Err: r.limit}
	case r.err != nil:
		return out, failed(r.err)
	}
	return out, out.noSuccess()
}

// evaluator runs the objective as the runner's evaluator.
func (f ObjectiveFunc) evaluator() search.Evaluator {
	return search.EvaluatorFunc(func(ctx context.Context, task search.Task) (results.Trial, error) {
		t := results.Trial{Status: results.StatusFailed, Started: time.Now()}
		var report func(step int, value float64) bool
		var pruned, stopped atomic.Bool // the objective may report from a goroutine of its own
		if task.Report != nil || task.Live != nil {
			report = func(step int, value float64) bool {
				if task.Live != nil {
					task.Live.Add(results.Point{Iteration: step, TrainLoss: math.NaN(), GradNorm: math.NaN(), ValidationLoss: value})
					if userStopped(task.Live) {
						stopped.Store(true)
						return false
					}
				}
				if task.Report == nil {
					return true
				}
				goOn := task.Report(step, value)
				if !goOn {
					pruned.Store(true)
				}
				return goOn
			}
		}
		v, err := f(ctx, Trial{Number: task.Number, Round: task.Round, Seed: task.Seed, Params: task.Params, report: report})
		t.Finished = time.Now()
		if ctx.Err() != nil {
			return t, ctx.Err()
		}
		settle(&t, v, err)
		if pruned.Load() && t.Status == results.StatusOK {
			// Its value is where early stopping stopped it, not a final one:
			// ranked and narrowed on as a pruned trial, as a config's are.
			t.Status, t.StopReason = results.StatusPruned, string(trainer.StopPruned)
		}
		if stopped.Load() && !pruned.Load() && t.Status == results.StatusOK {
			// It returned when Report said a person stopped it.
			t.StopReason = string(trainer.StopUser)
		}
		return t, nil
	})
}

// settle records the objective's answer in t: an error or a value that is
// not a number fails the trial, saying why.
func settle(t *results.Trial, v float64, err error) {
	switch {
	case err != nil:
		t.Status, t.Error = results.StatusFailed, err.Error()
	case math.IsNaN(v):
		t.Status, t.Error = results.StatusFailed, "the objective returned NaN"
	default:
		t.Status, t.Value = results.StatusOK, results.Measured(v)
	}
}

// ErrDone is Ask's error once the study has proposed its whole budget.
var ErrDone = errors.New("the study is complete: every trial of its budget was asked")

// AskTell is a study whose caller runs the trials: Ask gives the next
// trial, Tell its result. A strategy proposes a batch at a time and
// learns from a whole batch, so Ask refuses to go past a batch until all
// of it has been told.
type AskTell struct {
	name   string
	seed   uint64
	goal   results.Goal
	metric string
	strat  search.Strategy
	batch  []search.Proposal
	asked  int                   // of batch
	told   map[int]results.Trial // of batch, by number
	trials []results.Trial       // every trial told, by batch
}

// NewAskTell starts a study over space that the caller drives.
// o.Parallel, o.Store and o.EarlyStopping are Optimize's only.
func NewAskTell(space []Param, o Options) (*AskTell, error) {
	strat, err := o.strategy(space)
	if err != nil {
		return nil, err
	}
	return &AskTell{name: o.name(), seed: o.Seed, goal: o.goal(), metric: o.metric(), strat: strat}, nil
}

// Ask is the next trial to evaluate. Its error is ErrDone once the budget
// is spent, or says which trials of the batch must be told first.
func (a *AskTell) Ask() (Trial, error) {
	if a.asked == len(a.batch) {
		if len(a.told) < len(a.batch) {
			return Trial{}, fmt.Errorf("study %s: tell the results of the %d trials asked before asking more: a strategy learns from a whole batch", a.name, len(a.batch)-len(a.told))
		}
		if err := a.nextBatch(); err != nil {
			return Trial{}, err
		}
	}
	p := a.batch[a.asked]
	a.asked++
	return Trial{Number: p.Number, Round: p.Round, Seed: search.TrialSeed(a.seed, p.Number), Params: p.Params}, nil
}

// nextBatch tells the strategy the batch just finished and asks it for
// the next one.
func (a *AskTell) nextBatch() error {
	if len(a.batch) > 0 {
		done := make([]results.Trial, len(a.batch))
		for i, p := range a.batch {
			done[i] = a.told[p.Number]
		}
		a.strat.Tell(done)
		a.trials = append(a.trials, done...)
	}
	batch, err := a.strat.Ask()
	if err != nil {
		return fmt.Errorf("study %s: strategy %s: %w", a.name, a.strat.Name(), err)
	}
	if len(batch) == 0 {
		a.batch, a.asked = nil, 0
		return ErrDone
	}
	a.batch, a.asked, a.told = batch, 0, map[int]results.Trial{}
	return nil
}

// Tell records the result of an asked trial: its value, or err when it
// failed (the study goes on).
func (a *AskTell) Tell(t Trial, value float64, err error) error {
	asked := false
	for _, p := range a.batch[:a.asked] {
		asked = asked || p.Number == t.Number
	}
	if _, dup := a.told[t.Number]; !asked || dup {
		return fmt.Errorf("study %s: trial %d was not asked in this batch, or was told already", a.name, t.Number)
	}
	r := results.Trial{Study: a.name, Number: t.Number, Round: t.Round, Params: t.Params, Seed: t.Seed, Status: results.StatusFailed}
	settle(&r, value, err)
	a.told[t.Number] = r
	return nil
}

// Outcome is the study so far: every trial told in a complete batch.
func (a *AskTell) Outcome() *Outcome {
	trials := a.trials
	if len(a.told) == len(a.batch) && len(a.batch) > 0 && a.asked == len(a.batch) {
		for _, p := range a.batch {
			trials = append(trials[:len(trials):len(trials)], a.told[p.Number])
		}
	}
	rec := results.Study{Name: a.name, Strategy: a.strat.Name(), Metric: a.metric, Goal: a.goal, Total: a.strat.Total(), Rounds: a.strat.Rounds()}
	return &Outcome{Study: rec, Trials: trials}
}
