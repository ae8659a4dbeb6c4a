package trainer

import (
	"fmt"
	"time"
)

// ModelSpec names a model. Every field the kind uses must be given: there
// are no zero-value defaults (see Settings).
type ModelSpec struct {
	Kind       string // linear | polynomial | logistic | softmax | mlp | function
	Degree     int    // polynomial: highest power of each feature, 1 or more
	Hidden     []int  // mlp: hidden layer sizes, at least one layer of 1 or more units
	Activation string // mlp: tanh | relu | sigmoid
	Function   string // function: rosenbrock | rastrigin | double_well | plateau
	Dimension  int    // function: number of weights, 1 or more (2 or more for rosenbrock)
	// Loss is rss or mse for regression, cross_entropy for classifiers;
	// the landscapes (kind function) have their own and ignore it.
	Loss string
}

// Settings are the hyperparameters of one training run.
//
// Every field is used exactly as given: the trainer has no "0 means the
// default", because a momentum, a β or an initial mean of 0 is a value
// someone may ask for, and a silent substitute would make a trial report
// one value and run another. Defaults are filled once, by the caller (the
// configs package for hpsearch). Where 0 is not a valid value (a learning
// rate, an iteration budget, a restart count) Validate, and so Train,
// refuses it with an error naming the key. A 0 that is valid means what the
// field's comment says, typically "off".
//
// The fields a study may search are registered, with their config keys,
// types, defaults and rules, in Hyperparams; set them by name through it.
type Settings struct {
	Model ModelSpec

	Optimizer    string  // gd | sgd | minibatch | momentum | nesterov | adam
	LearningRate float64 // δ in w ← w − δ·∇L; > 0
	Momentum     float64 // momentum, nesterov: velocity decay; adam: β1. In [0, 1); 0 is plain gd's step
	Beta2        float64 // adam: β2, in [0, 1)
	Epsilon      float64 // adam: ε, > 0
	// BatchSize is the rows per step. minibatch: 1 or more. momentum,
	// nesterov, adam: 0 means the full batch, > 0 mini-batches of that size.
	// gd always uses the full batch and sgd one row. A size of N or more is
	// the full batch. Batches are windows of a per-epoch seeded shuffle.
	BatchSize int

	MaxIterations int // optimiser steps, 1 or more
	// GradientThreshold stops training when the Euclidean (L2) norm of the
	// full gradient ‖∇L(w)‖₂ falls below it. 0 disables it. Full-batch
	// optimisers check it every step; stochastic ones once per epoch, when
	// Train evaluates the whole training split.
	GradientThreshold float64
	// Patience stops training after this many consecutive iterations in which
	// the monitored loss (see Monitor) did not improve on the best seen by
	// more than MinDelta (the lecture's auto-stop). 0 disables it.
	Patience int
	MinDelta float64 // see Patience; 0 means any improvement counts
	// Monitor is the loss Patience watches and which weights a run keeps:
	// MonitorTraining the training loss and the final weights;
	// MonitorValidation the validation loss and the weights of the
	// iteration where it was lowest, the usual remedy for a model that
	// overfits (its validation loss rises while the training loss falls).
	// MonitorValidation needs a validation split.
	Monitor   string
	TimeLimit time.Duration // wall-clock limit per run (all restarts); 0 disables it

	InitMean float64 // mean of the Gaussian initial weights
	InitStd  float64 // standard deviation of the Gaussian initial weights; 0 starts every weight at InitMean
	Restarts int     // train from this many Gaussian starts and keep the best, 1 or more

	// Seed makes the run reproducible: initial weights and shuffling come from
	// a generator seeded with it alone.
	Seed uint64

	HistoryLimit int // most history points kept (thinned evenly), 1 or more

	// ReportEvery, when > 0, calls Report with the validation loss every
	// ReportEvery iterations; Report returning false stops the run with
	// StopPruned. Used by early stopping in the search. 0 disables it.
	ReportEvery int
	Report      func(iteration int, validationLoss float64) bool

	// Watch, when not nil, is given the run's history points as they are
	// recorded and can stop the run (StopUser) from another goroutine.
	Watch *Watch
}

// SettingError is one setting Train refuses. Key is the name the setting
// has in hpsearch configs (learning_rate, init_std, hidden, …), so that a
// caller can tell the user which of their keys is wrong.
type SettingError struct {
	Key   string
	Value any
	// Allowed is what the key accepts: "> 0", "in [0, 1)", "one of gd, sgd, …".
	Allowed string
}

func (e *SettingError) Error() string {
	if s, ok := e.Value.(string); ok {
		return fmt.Sprintf("%s must be %s, got %q", e.Key, e.Allowed, s)
	}
	return fmt.Sprintf("%s must be %s, got %v", e.Key, e.Allowed, e.Value)
}

// What Settings.Monitor watches.
const (
	MonitorTraining   = "training_loss"
	MonitorValidation = "validation_loss"
)

// StopReason says why a run ended. It is a value, not an error.
type StopReason string

const (
	StopMaxIterations     StopReason = "max_iterations"
	StopGradientThreshold StopReason = "gradient_threshold"
	StopPatience          StopReason = "patience"
	StopTimeLimit         StopReason = "time_limit"
	StopCancelled         StopReason = "cancelled"
	StopDiverged          StopReason = "diverged"
	StopPruned            StopReason = "pruned"
	// StopUser: a person stopped the run (Watch.Stop), judging it done.
	StopUser StopReason = "user"
)

// HistoryPoint is one sample of a run's progress.
type HistoryPoint struct {
	Iteration      int
	TrainLoss      float64
	GradNorm       float64
	ValidationLoss float64 // NaN when there is no validation set
}

// Result is what one run (the best of its restarts) produced.
type Result struct {
	Weights        []float64
	TrainLoss      float64 // loss on the whole training split at the final weights
	ValidationLoss float64 // loss on the validation split; equals TrainLoss when there is none
	Accuracy       float64 // validation accuracy for classifiers, NaN otherwise
	Iterations     int     // optimiser steps of the kept restart
	// BestIteration is the iteration whose weights the run returns: the
	// last one, or with MonitorValidation the one with the lowest
	// validation loss.
	BestIteration   int
	TotalIterations int     // optimiser steps over all restarts
	Passes          float64 // passes over the training rows (all restarts): steps × batch / N
	StopReason      StopReason
	// DivergedAt is the iteration at which the loss became NaN, ±Inf or
	// more than 1e6 × max(|initial loss|, 1); 0 otherwise (and when the
	// initial loss itself was not finite).
	DivergedAt int
	Restart    int // which restart was kept, 0-based
	Duration   time.Duration
	History    []HistoryPoint // of the kept restart, at most HistoryLimit points
}

// Problem is what Train trains on. Train and Validation may be nil for the
// function landscapes, whose loss depends on the weights alone.
type Problem struct {
	Train      *Dataset
	Validation *Dataset
}
