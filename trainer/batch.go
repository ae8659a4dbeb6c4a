package trainer

import (
	"context"
	"fmt"
	"sync"

	"github.com/hpsearch/hpsearch/trainer/internal/vec"
)

// Batch lets trials that train on the same data share their passes over
// it (batched trials): each trial runs the Batch's Train on its own
// goroutine and keeps its own optimiser, stopping, divergence, monitor
// and history, while the full-batch steps of all of them are computed
// together. Once every trial of the batch is waiting for
// a step, one pass goes through the rows a block at a time and computes
// each trial's share of the block while it is in cache, so X is read from
// memory once for all of them instead of once per trial.
//
// A trial's step adds the same numbers in the same order as alone (the
// same chunks, blocks and kernels: blockStep), so its value is the same
// bits batched or alone, in any batch and at any --parallel; the pass
// borrows idle cores for its chunks as a lone step does.
//
// A trial joins when Train starts and leaves when it returns, whatever
// stopped it; while it waits in Report (early stopping may park it until
// other trials catch up) the others go on without it. Trials whose model
// or optimiser cannot be batched (Batchable) train alone.
type Batch struct {
	mu sync.Mutex
	// present counts the trials a pass waits for: those computing between
	// two steps, or waiting for one. A trial in Report is not counted.
	present int
	queue   []*batchMember // waiting for the next pass
	running bool           // a pass is being computed
	taken   []*batchMember // the pass's trials, queue's other buffer
	group   []*batchMember // the pass's trials of one data set
	par     parallelChunks
}

// NewBatch returns an empty Batch.
func NewBatch() *Batch {
	b := &Batch{}
	b.par.do = b.chunk
	return b
}

// batchMember is one trial's part in a Batch: its model and the step it
// waits for.
type batchMember struct {
	b     *Batch
	model blockStep
	done  chan struct{} // told when the trial's step is computed

	// The step asked for.
	w        []float64
	d        *Dataset
	withGrad bool
	pending  bool // not computed yet in the pass
	chunks   int  // the chunks of the step computed
	failed   any  // a panic of the pass, raised again in the trial
}

// Batchable says why a trial with these settings cannot share passes with
// other trials, or "" when it can: its model must be linear, polynomial,
// logistic or softmax, and its optimiser full batch (gd; momentum,
// nesterov or adam with batch_size 0 or at least the training rows).
// A trial with a time limit is batched too, but which iteration the
// clock stops it at depends on its batch.
func Batchable(s Settings, train *Dataset) string {
	switch s.Model.Kind {
	case KindLinear, KindPolynomial, KindLogistic, KindSoftmax:
	default:
		return "model " + s.Model.Kind + " cannot be batched (only linear, polynomial, logistic and softmax)"
	}
	switch s.Optimizer {
	case OptimizerGD, OptimizerMomentum, OptimizerNesterov, OptimizerAdam:
	default:
		return "optimizer " + s.Optimizer + " is stochastic (only full-batch optimizers are batched)"
	}
	if train != nil && batchSize(s.Optimizer, s.BatchSize, train) > 0 {
		return fmt.Sprintf("optimizer %s takes mini-batches: batch_size %d is below the %d training rows (only full-batch optimizers are batched)",
			s.Optimizer, s.BatchSize, train.N)
	}
	return ""
}

// join makes model a member of b, or returns nil when it cannot be one.
func (b *Batch) join(model Model) *batchMember {
	bs, ok := model.(blockStep)
	if !ok {
		return nil
	}
	m := &batchMember{b: b, model: bs, done: make(chan struct{}, 1)}
	b.mu.Lock()
	b.present++
	b.mu.Unlock()
	return m
}

// leave takes the member out for good (its Train returns); away takes it
// out while it waits outside the batch (Report), back puts it in again.
// Whoever leaves last of those the waiting trials wait for computes their
// pass.
func (m *batchMember) leave() { m.b.absent() }
func (m *batchMember) away()  { m.b.absent() }
func (m *batchMember) back() {
	m.b.mu.Lock()
	m.b.present++
	m.b.mu.Unlock()
}

func (b *Batch) absent() {
	b.mu.Lock()
	b.present--
	lead := b.ready()
	b.mu.Unlock()
	if lead {
		b.lead(nil)
	}
}

// ready says whether every trial present waits and nobody computes their
// pass yet; if so the caller takes the queue and computes it. b.mu is held.
func (b *Batch) ready() bool {
	if b.running || len(b.queue) == 0 || len(b.queue) < b.present {
		return false
	}
	b.running = true
	b.queue, b.taken = b.taken[:0], b.queue
	return true
}

// step is the member's full-batch loss, and gradient into grad unless it
// is nil, at w over d: computed in the batch's next pass.
func (m *batchMember) step(w []float64, d *Dataset, grad []float64) float64 {
	m.w, m.d, m.withGrad, m.pending = w, d, grad != nil, true
	b := m.b
	b.mu.Lock()
	b.queue = append(b.queue, m)
	lead := b.ready()
	b.mu.Unlock()
	if lead {
		b.lead(m)
	} else {
		<-m.done
	}
	if p := m.failed; p != nil {
		m.failed = nil
		panic(p)
	}
	return m.model.total(m.chunks, d.N, grad)
}

// lead computes the passes of the trials taken, tells them, and goes on
// while the trials it told are all waiting again before it returns (self,
// when not nil, is the leader's own member, which it does not tell).
func (b *Batch) lead(self *batchMember) {
	for {
		b.pass(self)
		b.mu.Lock()
		b.running = false
		again := b.ready()
		b.mu.Unlock()
		if !again {
			return
		}
		self = nil // its own step was in the first pass
	}
}

// pass computes every step taken, one data set at a time, and tells each
// trial but self that its step is done. A panic is raised again in every
// trial of the pass, so that each fails as it would alone.
func (b *Batch) pass(self *batchMember) {
	taken := b.taken
	defer func() {
		p := recover()
		for _, m := range taken {
			if p != nil {
				m.failed = p
			}
			if m != self {
				m.done <- struct{}{}
			}
		}
		b.taken = b.taken[:0]
	}()
	for i, m := range taken {
		if !m.pending {
			continue // computed with an earlier member's data set
		}
		b.group = b.group[:0]
		for _, o := range taken[i:] {
			if o.pending && o.d == m.d && o.model.steps().whole == m.model.steps().whole {
				o.pending = false
				b.group = append(b.group, o)
			}
		}
		chunks := 0
		for _, o := range b.group {
			chunks = o.model.steps().prepare(o.w, o.d, o.withGrad)
		}
		b.par.run(chunks)
		for _, o := range b.group {
			o.chunks = chunks
		}
	}
	b.group = b.group[:0]
}

// prefetchBlocks is how many blocks ahead of the one computed a pass asks
// for the rows: the trials compute a block from L1, so the hardware, which
// streams in what is missed, sees a miss only at each block's first trial
// and the pass would wait for every block's rows. The next block arrives
// while the trials compute this one; asking two or four blocks ahead was
// slower (the 9-trial sweep on one core 345 and 350 ms against 300).
const prefetchBlocks = 1

// chunk is chunk c of the current group's steps: block by block, each
// trial's share of the block while it is in cache. Each trial's block is
// given a share of the rows prefetchBlocks ahead to ask for between its
// kernels, so that reading them overlaps the arithmetic.
func (b *Batch) chunk(c int) {
	g := b.group
	for _, m := range g {
		m.model.startChunk(c)
	}
	f := g[0].model.steps()
	x, y, cols := f.d.X, f.d.Y, f.d.M
	start, end := f.span(c)
	vec.Prefetch(x[start*cols : min(start+prefetchBlocks*blockRows, end)*cols])
	for s := start; s < end; s += blockRows {
		e := min(s+blockRows, end)
		as := min(s+prefetchBlocks*blockRows, end)
		ae := min(as+blockRows, end)
		ahead := x[as*cols : ae*cols]
		vec.Prefetch(y[as:ae])
		share := (len(ahead) + len(g) - 1) / len(g)
		for i, m := range g {
			lo := min(i*share, len(ahead))
			m.model.block(c, s, e, ahead[lo:min(lo+share, len(ahead))])
		}
	}
}

// wrap is the member's model for its Train: full-batch steps go to the
// batch.
func (m *batchMember) wrap() Model {
	bm := &batchedModel{blockStep: m.model, member: m}
	if c, ok := m.model.(Classifier); ok {
		return batchedClassifier{bm, c}
	}
	return bm
}

// Train is Train with the trial's full-batch steps computed in b's passes
// when it can be batched (Batchable), alone otherwise: either way its
// result is the bits Train gives.
func (b *Batch) Train(ctx context.Context, p Problem, s Settings) (Result, error) {
	return train(ctx, p, s, b)
}

// batchedModel is a model whose full-batch steps are computed in a
// Batch's passes; steps over chosen rows are its own.
type batchedModel struct {
	blockStep
	member *batchMember
}

func (bm *batchedModel) LossGrad(w []float64, d *Dataset, rows []int, grad []float64) float64 {
	if rows != nil {
		return bm.blockStep.LossGrad(w, d, rows, grad)
	}
	return bm.member.step(w, d, grad)
}

// batchedClassifier keeps a classifier's Accuracy visible.
type batchedClassifier struct {
	*batchedModel
	Classifier
}
