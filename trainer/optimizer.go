package trainer

import (
	"math"
	"math/rand/v2"
)

// Optimiser names as they appear in configs.
const (
	OptimizerGD        = "gd"
	OptimizerSGD       = "sgd"
	OptimizerMinibatch = "minibatch"
	OptimizerMomentum  = "momentum"
	OptimizerNesterov  = "nesterov"
	OptimizerAdam      = "adam"
)

var optimizerNames = []string{OptimizerGD, OptimizerSGD, OptimizerMinibatch, OptimizerMomentum, OptimizerNesterov, OptimizerAdam}

// optimizer is one trial's optimiser state. Every buffer is allocated by
// newOptimizer, so evaluate and update allocate nothing: the per-step cost
// is the model's LossGrad alone.
//
// A step is split in two so that the training loop can look at the loss and
// gradient at the current weights before deciding to move them: evaluate
// computes them (over the next batch), update moves the weights.
type optimizer struct {
	kind  string
	model Model
	data  *Dataset // nil for the function landscapes

	lr, mu, beta2, eps float64
	beta1t, beta2t     float64 // adam: β1^t and β2^t for the bias correction

	w, grad []float64
	vel     []float64 // momentum and nesterov: velocity; adam: first moment
	second  []float64 // adam: second moment

	// batch is the rows per step, 0 for full batch. order is a permutation
	// of 0..N−1 reshuffled each epoch; a batch is the window order[pos:pos+batch].
	batch int
	order []int
	pos   int
	rng   *rand.Rand
}

// newOptimizer prepares the optimiser s names for model over data, starting
// from a copy of w0. Settings must already be validated. The batch size
// rule: gd always uses the full batch and sgd one row; minibatch uses
// BatchSize rows (validated to be 1 or more); momentum, nesterov and adam
// use the full batch when BatchSize is 0 and mini-batches of BatchSize when
// it is > 0.
// Without data (the landscapes) every optimiser is full batch.
func newOptimizer(s Settings, model Model, data *Dataset, w0 []float64, rng *rand.Rand) *optimizer {
	n := len(w0)
	o := &optimizer{
		kind:   s.Optimizer,
		model:  model,
		data:   data,
		lr:     s.LearningRate,
		mu:     s.Momentum,
		beta2:  s.Beta2,
		eps:    s.Epsilon,
		beta1t: 1,
		beta2t: 1,
		w:      append([]float64(nil), w0...),
		grad:   make([]float64, n),
		rng:    rng,
	}
	switch o.kind {
	case OptimizerMomentum, OptimizerNesterov:
		o.vel = make([]float64, n)
	case OptimizerAdam:
		o.vel = make([]float64, n)
		o.second = make([]float64, n)
	}
	o.batch = batchSize(o.kind, s.BatchSize, data)
	if o.batch > 0 {
		o.order = make([]int, data.N)
		for i := range o.order {
			o.order[i] = i
		}
		o.pos = data.N // forces a shuffle before the first batch
	}
	return o
}

// batchSize is the rows per step, 0 meaning the full batch; see newOptimizer.
func batchSize(kind string, size int, data *Dataset) int {
	if data == nil || data.N == 0 {
		return 0
	}
	b := 0
	switch kind {
	case OptimizerSGD:
		b = 1
	case OptimizerMinibatch, OptimizerMomentum, OptimizerNesterov, OptimizerAdam:
		b = size
	}
	if b >= data.N {
		return 0 // a batch of every row is the full batch, without the shuffling
	}
	return b
}

// rowsPerStep is how many training rows one step reads, for counting passes.
func (o *optimizer) rowsPerStep() int {
	if o.batch > 0 {
		return o.batch
	}
	if o.data == nil {
		return 0
	}
	return o.data.N
}

// stepsPerEpoch is the number of steps that read about every training row
// once: 1 for the full batch.
func (o *optimizer) stepsPerEpoch() int {
	if o.batch == 0 {
		return 1
	}
	return (o.data.N + o.batch - 1) / o.batch
}

// evaluate computes the loss and gradient (into o.grad) at the current
// weights over the next batch, the whole training set for full batch.
func (o *optimizer) evaluate() float64 {
	return o.model.LossGrad(o.w, o.data, o.nextBatch(), o.grad)
}

// nextBatch returns the next window of the shuffled order, reshuffling when
// the epoch is used up (the last short window of an epoch is skipped, so
// every batch has the same size and the same noise), or nil for full batch.
func (o *optimizer) nextBatch() []int {
	if o.batch == 0 {
		return nil
	}
	if o.pos+o.batch > len(o.order) {
		o.shuffle()
		o.pos = 0
	}
	rows := o.order[o.pos : o.pos+o.batch]
	o.pos += o.batch
	return rows
}

// shuffle is an in-place Fisher–Yates shuffle of the row order. It is
// written out rather than calling rand.Shuffle so that no closure is needed.
func (o *optimizer) shuffle() {
	for i := len(o.order) - 1; i > 0; i-- {
		j := o.rng.IntN(i + 1)
		o.order[i], o.order[j] = o.order[j], o.order[i]
	}
}

// update moves the weights with the gradient evaluate left in o.grad.
func (o *optimizer) update() {
	w, g := o.w, o.grad
	switch o.kind {
	case OptimizerMomentum:
		// v ← μv − δ∇L; w ← w + v
		for i := range w {
			o.vel[i] = o.mu*o.vel[i] - o.lr*g[i]
			w[i] += o.vel[i]
		}
	case OptimizerNesterov:
		// Nesterov's step takes the gradient at the look-ahead point w + μv.
		// Storing the look-ahead point itself as the weights (as Sutskever et
		// al. 2013 and most libraries do) makes that the gradient evaluate
		// computed at o.w, with no extra buffer or LossGrad call:
		// v ← μv − δ∇L(w); w ← w + μv − δ∇L(w).
		for i := range w {
			o.vel[i] = o.mu*o.vel[i] - o.lr*g[i]
			w[i] += o.mu*o.vel[i] - o.lr*g[i]
		}
	case OptimizerAdam:
		o.adam()
	default: // gd, sgd, minibatch: w ← w − δ·∇L
		for i := range w {
			w[i] -= o.lr * g[i]
		}
	}
}

// adam is Kingma & Ba's update with bias-corrected moments; β1 is the
// Momentum setting.
func (o *optimizer) adam() {
	b1, b2 := o.mu, o.beta2
	o.beta1t *= b1
	o.beta2t *= b2
	c1, c2 := 1-o.beta1t, 1-o.beta2t
	for i, g := range o.grad {
		o.vel[i] = b1*o.vel[i] + (1-b1)*g
		o.second[i] = b2*o.second[i] + (1-b2)*g*g
		o.w[i] -= o.lr * (o.vel[i] / c1) / (math.Sqrt(o.second[i]/c2) + o.eps)
	}
}

// step is one whole optimiser step; the loss over the batch it used.
func (o *optimizer) step() float64 {
	loss := o.evaluate()
	o.update()
	return loss
}
