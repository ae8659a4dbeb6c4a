package study

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/trainer"
)

// Objective is the built-in evaluator: it trains the config's model by
// gradient descent with a trial's parameters and measures the metric on the
// validation split. The data are loaded, split and standardised once and
// shared read-only by every trial.
type Objective struct {
	cfg     *configs.Config
	problem trainer.Problem
	// Features and Classes describe the data, for `validate` and reports.
	Features, Classes         []string
	TrainRows, ValidationRows int

	reportEvery, maxResource int // early stopping; 0 = off
}

// ReportEvery makes trials report their validation loss every interval
// iterations to a Task's Report (early stopping), and caps them at
// maxResource iterations (0 = no cap).
func (o *Objective) ReportEvery(interval, maxResource int) {
	o.reportEvery, o.maxResource = interval, maxResource
}

// Classifier reports whether the config's model predicts classes.
func Classifier(m configs.Model) bool {
	switch m.Kind {
	case "logistic", "softmax":
		return true
	case "mlp":
		return m.Loss == "cross_entropy"
	}
	return false
}

// NewObjective loads the config's data and prepares the shared problem.
func NewObjective(cfg *configs.Config) (*Objective, error) {
	o := &Objective{cfg: cfg}
	if cfg.Model.Kind == "function" {
		return o, nil // a landscape: the weights are the coordinates, no data
	}
	var (
		d   *trainer.Dataset
		err error
	)
	switch {
	case cfg.Data.CSV != nil:
		c := cfg.Data.CSV
		d, err = trainer.LoadCSV(c.Path, trainer.CSVOptions{Target: c.Target, Features: c.Features, Classification: Classifier(cfg.Model)})
	case cfg.Data.Synthetic != nil:
		s := cfg.Data.Synthetic
		opt := trainer.SyntheticOptions{Kind: s.Kind, Samples: s.Samples, Features: s.Features, Noise: s.Noise, Seed: cfg.Seed}
		// Degree and classes mean something to one kind each; a default
		// filled for every kind must not reach the others.
		if s.Kind == "polynomial" {
			opt.Degree = s.Degree
		}
		if s.Kind == "blobs" {
			opt.Classes = s.Classes
		}
		d, err = trainer.Synthetic(opt)
	default:
		return nil, fmt.Errorf("config %s: no data (set data.csv or data.synthetic)", cfg.File)
	}
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	train, val := d, (*trainer.Dataset)(nil)
	if cfg.Data.Validation > 0 {
		if train, val, err = trainer.Split(d, cfg.Data.Validation, cfg.Seed); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
	}
	if cfg.Data.Standardize {
		st := trainer.FitStandardizer(train)
		train, val = st.Apply(train), st.Apply(val)
	}
	o.problem = trainer.Problem{Train: train, Validation: val}
	o.Features, o.Classes, o.TrainRows = train.Features, train.Classes, train.N
	if val != nil {
		o.ValidationRows = val.N
	}
	return o, nil
}

// Settings turns a trial's parameters over the config's base values into
// trainer settings. Every field is set here from the config, whose
// defaults are filled (configs is the one place they live), or from the
// trial: the trainer has no defaults, so a 0 asked for is the 0 run, and a
// 0 that cannot run (a learning rate of 0) is refused by the trainer with
// an error naming its key. The hyperparameters are set through the
// trainer's registry, the base value in the form a trial records it, so
// that a trial not searching a key trains with what it would record.
func (o *Objective) Settings(params results.Params, seed uint64) (trainer.Settings, error) {
	c := o.cfg
	s := trainer.Settings{
		Model: trainer.ModelSpec{
			Kind:      c.Model.Kind,
			Function:  c.Model.Function,
			Dimension: c.Model.Dimension,
			Loss:      c.Model.Loss,
		},
		Beta2:        configs.AdamBeta2,
		Epsilon:      configs.AdamEpsilon,
		Monitor:      c.Trainer.Monitor,
		Seed:         seed,
		HistoryLimit: configs.HistoryPoints,
	}
	for _, h := range trainer.Hyperparams() {
		v, ok := c.BaseValue(h.Name)
		if !ok {
			return s, fmt.Errorf("config has no base value of %s", h.Name)
		}
		if err := h.Set(&s, v); err != nil {
			return s, fmt.Errorf("%s=%v: %w", h.Key, v, err)
		}
	}
	for _, p := range params {
		if err := trainer.SetHyperparam(&s, p.Name, p.Value); err != nil {
			return s, fmt.Errorf("parameter %s=%v: %w", p.Name, p.Value, err)
		}
	}
	return s, nil
}

// Evaluate trains one trial.
func (o *Objective) Evaluate(ctx context.Context, t search.Task) (results.Trial, error) {
	tr := results.Trial{Status: results.StatusFailed, Started: time.Now()}
	s, err := o.Settings(t.Params, t.Seed)
	if err != nil {
		tr.Error = err.Error()
		tr.Finished = time.Now()
		return tr, nil
	}
	if t.Report != nil && o.reportEvery > 0 {
		if o.maxResource > 0 && s.MaxIterations > o.maxResource {
			s.MaxIterations = o.maxResource
		}
		s.ReportEvery, s.Report = o.reportEvery, t.Report
	}
	if t.Live != nil {
		s.Watch = watch(t.Live)
	}
	res, err := o.train(ctx, t, s)
	tr.Finished = time.Now()
	if err != nil {
		tr.Error = err.Error()
		return tr, nil
	}
	if res.StopReason == trainer.StopCancelled && ctx.Err() != nil {
		return tr, ctx.Err()
	}
	tr.TrainLoss, tr.Accuracy = results.Measured(res.TrainLoss), results.Measured(res.Accuracy)
	tr.Iterations, tr.StopReason = res.Iterations, string(res.StopReason)
	// The value is measured at the weights of BestIteration: the last
	// iteration, or with trainer.monitor validation_loss the one with the
	// lowest validation loss (so far, for a pruned trial).
	tr.BestIteration = res.BestIteration
	tr.History = make([]results.Point, len(res.History))
	for i, h := range res.History {
		tr.History[i] = point(h)
	}
	switch o.cfg.Search.Metric {
	case "train_loss":
		tr.Value = tr.TrainLoss
	case "accuracy":
		tr.Value = tr.Accuracy
	default:
		tr.Value = results.Measured(res.ValidationLoss)
	}
	tr.Status = results.StatusOK
	if res.StopReason == trainer.StopDiverged || !tr.Value.Measured() || math.IsInf(tr.Value.Float(), 0) {
		tr.Status = results.StatusDiverged
	}
	if res.StopReason == trainer.StopPruned {
		tr.Status = results.StatusPruned
	}
	return tr, nil
}
