package trainer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gonum.org/v1/gonum/floats"
)

const (
	// explosionFactor is the divergence rule: a loss that is NaN, ±Inf, or
	// more than explosionFactor × max(|initial loss|, 1) has diverged. A
	// working run never climbs six orders of magnitude above where it
	// started, while a too-large learning rate grows the loss geometrically
	// and crosses the bound within a few dozen steps, long before it
	// overflows. The floor of 1 keeps a near-zero initial loss from turning
	// ordinary noise into "divergence".
	explosionFactor = 1e6

	// clockWork is roughly how many multiply-adds of LossGrad pass between
	// two looks at the clock: about 10–50 µs of work, so that the time limit
	// is honoured promptly while a cheap landscape step (a few ns) does not
	// pay for time.Now every iteration.
	clockWork = 1 << 16

	// The run's generators: one stream for the initial weights, one for the
	// batch shuffling, both from the seed alone. Separate streams keep the
	// k restarts' starts consecutive draws of one generator whatever the
	// shuffling consumed in between.
	initStream    = 0x9e3779b97f4a7c15
	shuffleStream = 0x5851f42d4c957f2d
)

// Train trains the model s.Model on p.Train with the optimiser and stopping
// rules of s, from s.Restarts Gaussian starts, and returns the best run.
//
// The error is non-nil only when the run cannot start: bad settings, an
// unknown model, data that does not fit the model. A diverged, cancelled,
// timed-out or pruned run is a Result with the matching StopReason.
//
// Without a validation split (and for the landscapes) the Result's
// ValidationLoss and Accuracy are measured on the training split.
//
// Restarts are ranked by the final loss on the training split, the
// objective gradient descent minimises; the validation split is kept for
// the search, which ranks whole trials by it, so that choosing among
// restarts does not leak the validation data into training. With
// MonitorValidation the validation split already chose each restart's
// weights, and restarts are ranked by it too: the run returns the weights
// with the lowest validation loss of all. A diverged restart ranks below
// every one that did not diverge.
//
// Stopping, checked in this order at each iteration:
//   - StopDiverged: the loss is NaN, ±Inf or exploded (see explosionFactor);
//   - StopGradientThreshold: ‖∇L(w)‖₂ over the whole training split < GradientThreshold;
//   - StopPatience: Patience iterations without an improvement > MinDelta
//     of the monitored loss;
//   - StopMaxIterations: MaxIterations steps taken;
//   - StopPruned: Report returned false (checked before the iteration limit,
//     so the last iteration is reported too);
//   - StopUser: a person stopped it (Settings.Watch), keeping what it has;
//   - StopCancelled, StopTimeLimit: ctx is done, TimeLimit has passed.
//
// Full-batch optimisers (gd, and momentum, nesterov, adam with BatchSize 0)
// compute the exact training loss and gradient at every step anyway, so
// every iteration is monitored at no extra cost. Stochastic ones only see a
// noisy batch loss: the whole training loss and gradient are computed once
// per epoch (every ⌈N/batch⌉ steps, one extra pass, not counted in Passes)
// and the rules are applied then, with patience still counted in
// iterations. Their batch losses are checked for divergence at every step.
func Train(ctx context.Context, p Problem, s Settings) (Result, error) {
	return train(ctx, p, s, nil)
}

// train is Train, its full-batch steps computed in batch's passes when
// batch is not nil and the trial can be batched (see Batch).
func train(ctx context.Context, p Problem, s Settings, batch *Batch) (Result, error) {
	start := time.Now()
	if ctx == nil {
		ctx = context.Background()
	}
	if err := s.Validate(); err != nil {
		return Result{}, fmt.Errorf("trainer: %w", err)
	}
	model, err := NewModel(s.Model, p.Train)
	if err != nil {
		return Result{}, fmt.Errorf("trainer: %w", err)
	}
	train, val := p.Train, p.Validation
	if s.Model.Kind == KindFunction {
		train, val = nil, nil // the landscape's loss does not depend on data
	} else if err := checkSplits(train, val); err != nil {
		return Result{}, err
	}
	if s.Monitor == MonitorValidation && val == nil {
		return Result{}, errors.New("trainer: monitor validation_loss needs a validation split (a landscape or a run without one can only monitor training_loss)")
	}
	var member *batchMember
	if batch != nil && Batchable(s, train) == "" {
		if member = batch.join(model); member != nil {
			defer member.leave()
			model = member.wrap()
		}
	}

	r := &run{
		s:       s,
		model:   model,
		train:   train,
		val:     val,
		member:  member,
		done:    ctx.Done(),
		shuffle: rand.New(rand.NewPCG(s.Seed, shuffleStream)),

		bestValidation: math.Inf(1),
	}
	if s.TimeLimit > 0 {
		r.deadline = start.Add(s.TimeLimit)
	}
	starts := rand.New(rand.NewPCG(s.Seed, initStream))
	w0 := make([]float64, model.NumWeights())
	if train != nil {
		r.fullGrad = make([]float64, len(w0))
	}

	var best restartResult
	var total, bestIndex int
	var passes float64
	runStop := StopReason("")
	for k := 0; k < s.Restarts; k++ {
		for i := range w0 {
			w0[i] = s.InitMean + s.InitStd*starts.NormFloat64()
		}
		res := r.restart(w0, total)
		total += res.iterations
		passes += res.passes
		if k == 0 || res.betterThan(best) {
			best, bestIndex = res, k
		}
		if endsRun(res.stop) {
			runStop = res.stop
			break
		}
	}
	return r.result(best, bestIndex, total, passes, runStop, start), nil
}

// endsRun reports whether a stop ends the whole run rather than one
// restart: no further restarts start after it.
func endsRun(s StopReason) bool {
	return s == StopCancelled || s == StopTimeLimit || s == StopPruned || s == StopUser
}

// result assembles the Result of the kept restart. The StopReason is the
// kept restart's own, except that a stop which ended the whole run
// (cancelled, time_limit, pruned, user) is reported even when an earlier restart
// is kept: the caller must know that the run was cut short.
func (r *run) result(best restartResult, index, total int, passes float64, runStop StopReason, start time.Time) Result {
	res := Result{
		Weights:         best.w,
		TrainLoss:       best.trainLoss,
		ValidationLoss:  best.trainLoss,
		Accuracy:        math.NaN(),
		Iterations:      best.iterations,
		BestIteration:   best.bestIteration,
		TotalIterations: total,
		Passes:          passes,
		StopReason:      best.stop,
		DivergedAt:      best.divergedAt,
		Restart:         index,
		History:         best.history,
	}
	if runStop != "" {
		res.StopReason = runStop
	}
	evalSet := r.train
	if r.val != nil {
		res.ValidationLoss = r.model.LossGrad(best.w, r.val, nil, nil)
		evalSet = r.val
	}
	if c, ok := r.model.(Classifier); ok && evalSet != nil {
		res.Accuracy = c.Accuracy(best.w, evalSet)
	}
	res.Duration = time.Since(start)
	return res
}

// checkSplits rejects a training split without rows and a validation split
// that does not match it in features or classes.
func checkSplits(train, val *Dataset) error {
	if train == nil || train.N == 0 {
		return errors.New("trainer: the training split has no rows")
	}
	if val == nil {
		return nil
	}
	if err := checkDataset(val); err != nil {
		return fmt.Errorf("trainer: validation split: %w", err)
	}
	if val.M != train.M || val.NumClasses() != train.NumClasses() {
		return fmt.Errorf("trainer: validation split has %d features and %d classes, the training split %d and %d",
			val.M, val.NumClasses(), train.M, train.NumClasses())
	}
	return nil
}

// Validate reports every setting Train would refuse, each a *SettingError
// naming its config key, joined; nil when every value can be used as
// given. It checks what can be checked without the data; whether the loss
// suits the data set is checked by Train.
func (s Settings) Validate() error {
	var errs []error
	bad := func(key string, v any, allowed string) {
		errs = append(errs, &SettingError{Key: key, Value: v, Allowed: allowed})
	}
	// The ranges of real numbers; NaN fails every comparison, so each test
	// is written to be false for it.
	positive := func(key string, v float64) {
		if !(v > 0) || math.IsInf(v, 1) {
			bad(key, v, "a finite number > 0")
		}
	}
	nonNegative := func(key string, v float64) {
		if !(v >= 0) || math.IsInf(v, 1) {
			bad(key, v, "a finite number >= 0")
		}
	}
	unit := func(key string, v float64) {
		if !(v >= 0 && v < 1) {
			bad(key, v, "in [0, 1)")
		}
	}
	atLeast := func(key string, v, lo int) {
		if v < lo {
			bad(key, v, fmt.Sprintf(">= %d", lo))
		}
	}
	oneOf := func(key, v string, allowed []string) {
		if !contains(allowed, v) {
			bad(key, v, "one of "+strings.Join(allowed, ", "))
		}
	}

	oneOf("optimizer", s.Optimizer, optimizerNames)
	positive("learning_rate", s.LearningRate)
	unit("momentum", s.Momentum)
	unit("beta2", s.Beta2)
	if s.Optimizer == OptimizerAdam {
		positive("epsilon", s.Epsilon) // the guard against dividing by a zero second moment
	} else {
		nonNegative("epsilon", s.Epsilon)
	}
	if s.Optimizer == OptimizerMinibatch {
		if s.BatchSize < 1 {
			bad("batch_size", s.BatchSize, ">= 1 for minibatch")
		}
	} else {
		atLeast("batch_size", s.BatchSize, 0)
	}
	atLeast("max_iterations", s.MaxIterations, 1)
	nonNegative("gradient_threshold", s.GradientThreshold)
	atLeast("patience", s.Patience, 0)
	nonNegative("min_delta", s.MinDelta)
	oneOf("monitor", s.Monitor, []string{MonitorTraining, MonitorValidation})
	if s.TimeLimit < 0 {
		bad("time_limit", s.TimeLimit, ">= 0s (0s is off)")
	}
	if math.IsNaN(s.InitMean) || math.IsInf(s.InitMean, 0) {
		bad("init_mean", s.InitMean, "a finite number")
	}
	nonNegative("init_std", s.InitStd)
	atLeast("restarts", s.Restarts, 1)
	atLeast("history_limit", s.HistoryLimit, 1)
	atLeast("report_every", s.ReportEvery, 0)
	if s.ReportEvery > 0 && s.Report == nil {
		errs = append(errs, fmt.Errorf("report_every %d needs a Report function", s.ReportEvery))
	}
	errs = append(errs, s.Model.validate()...)
	return errors.Join(errs...)
}

// run is what the restarts of one Train call share.
type run struct {
	s          Settings
	model      Model
	member     *batchMember // the trial's part in a Batch; nil alone
	train, val *Dataset     // nil for the landscapes
	done       <-chan struct{}
	deadline   time.Time // zero: no time limit
	sinceClock int       // work done since the clock was last read
	shuffle    *rand.Rand
	fullGrad   []float64 // stochastic optimisers' whole-split gradient
	// bestValidation is the lowest validation loss of the finished restarts
	// (MonitorValidation), for reports: a run reports what it would return
	// if it stopped there.
	bestValidation float64
}

// restartResult is one restart's outcome.
type restartResult struct {
	w         []float64
	trainLoss float64
	// score ranks restarts: the training loss, or with MonitorValidation the
	// validation loss of the weights kept.
	score         float64
	iterations    int
	bestIteration int
	passes        float64
	stop          StopReason
	divergedAt    int
	history       []HistoryPoint
}

// betterThan ranks restarts: not diverged first, then the lower score; a
// NaN score never wins.
func (a restartResult) betterThan(b restartResult) bool {
	ad, bd := a.stop == StopDiverged, b.stop == StopDiverged
	if ad != bd {
		return !ad
	}
	if math.IsNaN(b.score) {
		return !math.IsNaN(a.score)
	}
	return a.score < b.score
}

// restart trains from w0. before is the number of iterations of the earlier
// restarts, so that Report sees one increasing iteration count per run.
func (r *run) restart(w0 []float64, before int) restartResult {
	o := newOptimizer(r.s, r.model, r.train, w0, r.shuffle)
	m := newMonitor(r.s, r.model, r.val, len(w0))
	epoch := o.stepsPerEpoch()
	// A step's work in multiply-adds, roughly: rows × weights, or the
	// dimension of a landscape.
	work := max(o.rowsPerStep()*len(w0), len(w0), 1)
	stop, it := r.loop(o, m, epoch, work, before)

	res := restartResult{w: o.w, iterations: it, bestIteration: it, stop: stop, divergedAt: m.divergedAt}
	// The final point: the whole training loss at the last weights, and
	// its gradient norm for the history.
	grad := o.grad
	if r.fullGrad != nil {
		grad = r.fullGrad
	}
	res.trainLoss = r.model.LossGrad(o.w, r.train, nil, grad)
	m.finish(it, res.trainLoss, floats.Norm(grad, 2), o.w)
	res.history = m.hist.points
	res.score = res.trainLoss
	if m.watchValidation && stop != StopDiverged && !math.IsInf(m.bestVal, 1) {
		// Keep the weights of the lowest validation loss. A diverged run
		// keeps its last weights: it is reported as diverged either way.
		copy(o.w, m.bestW)
		res.bestIteration, res.score = m.bestIt, m.bestVal
		res.trainLoss = r.model.LossGrad(o.w, r.train, nil, nil)
		r.bestValidation = min(r.bestValidation, m.bestVal)
	}

	if r.train != nil {
		res.passes = float64(it) * float64(o.rowsPerStep()) / float64(r.train.N)
	} else {
		res.passes = float64(it)
	}
	return res
}

// loop runs the optimiser until a stopping rule fires; it returns the rule
// and the number of steps taken. It allocates nothing.
func (r *run) loop(o *optimizer, m *monitor, epoch, work, before int) (StopReason, int) {
	maxIt := r.s.MaxIterations
	for it := 0; ; it++ {
		if o.batch == 0 {
			// Full batch: the step's own evaluation is the exact loss and
			// gradient at the current weights.
			if stop := m.observe(it, o.evaluate(), o.grad, o.w, epoch); stop != "" {
				return stop, it
			}
		} else if it%epoch == 0 {
			loss := r.model.LossGrad(o.w, r.train, nil, r.fullGrad)
			if stop := m.observe(it, loss, r.fullGrad, o.w, epoch); stop != "" {
				return stop, it
			}
		}
		// Report before the iteration limit, so that the last iteration is
		// reported too when it is a multiple of ReportEvery.
		if stop := r.report(it, before, o.w, m); stop != "" {
			return stop, it
		}
		if it >= maxIt {
			return StopMaxIterations, it
		}
		if stop := r.interrupted(work); stop != "" {
			return stop, it
		}
		if o.batch > 0 {
			if loss := o.evaluate(); m.exploded(loss) {
				m.divergedAt = it
				return StopDiverged, it
			}
		}
		o.update()
	}
}

// interrupted checks a person's stop (an atomic load) and cancellation (a
// non-blocking receive) every iteration, and the clock every clockWork of
// work.
func (r *run) interrupted(work int) StopReason {
	if r.s.Watch != nil && r.s.Watch.stopped() {
		return StopUser
	}
	if r.done != nil {
		select {
		case <-r.done:
			return StopCancelled
		default:
		}
	}
	if !r.deadline.IsZero() {
		r.sinceClock += work
		if r.sinceClock >= clockWork {
			r.sinceClock = 0
			if !time.Now().Before(r.deadline) {
				return StopTimeLimit
			}
		}
	}
	return ""
}

// report calls Report every ReportEvery iterations, counted over the whole
// run (earlier restarts' iterations first) so that a pruner sees one
// increasing count. It reports what the run would return if it stopped
// there: the validation loss of the current weights, or with
// MonitorValidation the lowest one so far, whose weights it keeps.
func (r *run) report(it, before int, w []float64, m *monitor) StopReason {
	n := r.s.ReportEvery
	if n == 0 || it == 0 || (before+it)%n != 0 {
		return ""
	}
	var v float64
	if m.watchValidation {
		v = min(r.bestValidation, m.bestVal)
	} else {
		v = r.validationLoss(w)
	}
	// Report may wait for other trials (early stopping): a batch must not
	// wait for this one meanwhile.
	if r.member != nil {
		r.member.away()
	}
	keep := r.s.Report(before+it, v)
	if r.member != nil {
		r.member.back()
	}
	if !keep {
		return StopPruned
	}
	return ""
}

// validationLoss is the loss on the validation split, or on the training
// split when there is none (landscapes: the function value).
func (r *run) validationLoss(w []float64) float64 {
	if r.val != nil {
		return r.model.LossGrad(w, r.val, nil, nil)
	}
	return r.model.LossGrad(w, r.train, nil, nil)
}
