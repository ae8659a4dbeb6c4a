package trainer

import (
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/hpsearch/hpsearch/trainer/internal/vec"
)

// blockRows is how many consecutive rows the full-batch kernels take at a
// time: 32 rows of 64 features are 16 KB, which stay in L1 between computing
// the rows' predictions and adding the rows into the gradient. X is still
// read from memory once per step; the second look at a block is a cache hit.
// A batched pass computes every trial's share of a block while the next
// one is read: 16 rows made that a short stretch per block, and the pass
// on two cores waited on its reads (the 9-trial sweep 150 ms against 124
// with 32 rows; 64 rows 115 ms there but slower on one core). The block
// length changes no value: the kernels add row after row either way.
const blockRows = 32

// biasRows is how many rows softmax's bias gradient sums at a time: the
// block length its values were first computed with.
const biasRows = 16

// chunkRows is how many consecutive rows make one chunk of a full-batch
// step: each chunk's loss and gradient are summed apart, into the chunk's
// own slot, and the slots are added in chunk order. The chunks are fixed
// by N alone, so the step adds in the same order however many cores share
// its chunks, and a trial's value is the same bits at any --parallel.
// 2048 rows of 64 features are 1 MB, enough work (~100 µs) that handing
// a chunk to another core costs little.
const chunkRows = 2048

// rowChunks is a full-batch step split into chunks of rows: the per-chunk
// slots (grown to the largest data set seen, so a step allocates nothing
// once the training and validation splits have each been seen) and the
// arguments of the current step, which the chunk functions read.
type rowChunks struct {
	par   parallelChunks
	slot  int // values per chunk: partial sums, then the chunk's scratch
	slots []float64
	// whole makes every row one chunk, added in row order: a model whose
	// step has always summed that way (polynomial) keeps its bits.
	whole bool

	w        []float64
	d        *Dataset
	withGrad bool
}

// blockStep is a model whose full-batch step goes through the rows of each
// chunk a block at a time, each chunk's sums kept in its slot. The same
// three functions make a trial's step alone (rowChunks.run) and its share
// of a pass that batched trials make together (Batch), so both add the
// same numbers in the same order: a batched trial's value is the bits of
// its value alone.
type blockStep interface {
	Model
	steps() *rowChunks
	// startChunk clears chunk c's sums before its first block.
	startChunk(c int)
	// block adds rows [start, end) of chunk c into the chunk's sums, and
	// asks for ahead, rows a batched pass reads soon, a part at a time
	// between its kernels (prefetchPart); ahead is nil for a step alone.
	block(c, start, end int, ahead []float64)
	// total is the step's loss over n rows from the sums of chunks chunks,
	// and its gradient into grad unless grad is nil.
	total(chunks, n int, grad []float64) float64
}

// init sets up chunks of slot values each for m's steps, with slots for n
// rows.
func (f *rowChunks) init(slot, n int, m blockStep) {
	f.slot = slot
	f.par.do = func(c int) { runChunk(m, c) }
	f.grow(n)
}

// runChunk is chunk c of m's current step, one block after another.
func runChunk(m blockStep, c int) {
	m.startChunk(c)
	start, end := m.steps().span(c)
	for s := start; s < end; s += blockRows {
		m.block(c, s, min(s+blockRows, end), nil)
	}
}

// halves splits a block's ahead between its two kernels, which ask for
// the lines one at a time between their arithmetic (DotRowsAhead): that
// keeps the core's outstanding reads going, where a burst per kernel
// filled its line buffers and stalled the arithmetic behind it.
func halves(ahead []float64) (first, second []float64) {
	h := len(ahead) / 2
	return ahead[:h], ahead[h:]
}

// blockParts is how many parts a block's ahead is asked for in where a
// block's kernels do not ask for it themselves (softmax's, which call
// them once per class).
const blockParts = 3

// prefetchPart asks for part i of ahead's blockParts parts.
func prefetchPart(ahead []float64, i int) {
	if n := len(ahead); n > 0 {
		vec.Prefetch(ahead[i*n/blockParts : (i+1)*n/blockParts])
	}
}

// count is how many chunks n rows make.
func (f *rowChunks) count(n int) int {
	if f.whole {
		return 1
	}
	return (n + chunkRows - 1) / chunkRows
}

// grow makes room for the chunks of n rows; it returns how many there are.
func (f *rowChunks) grow(n int) int {
	chunks := f.count(n)
	if need := chunks * f.slot; len(f.slots) < need {
		f.slots = make([]float64, need)
	}
	return chunks
}

// prepare sets the arguments of a step of d at w and returns how many
// chunks it has; release drops them once the step is summed.
func (f *rowChunks) prepare(w []float64, d *Dataset, withGrad bool) int {
	n := f.grow(d.N)
	f.w, f.d, f.withGrad = w, d, withGrad
	return n
}

// release drops the step's arguments: the model keeps no reference to the
// data.
func (f *rowChunks) release() { f.w, f.d = nil, nil }

// run computes every chunk of d at w and returns how many there are.
func (f *rowChunks) run(w []float64, d *Dataset, withGrad bool) int {
	n := f.prepare(w, d, withGrad)
	f.par.run(n)
	return n
}

// part is chunk c's slot.
func (f *rowChunks) part(c int) []float64 { return f.slots[c*f.slot : (c+1)*f.slot] }

// sum adds the chunks' losses, and their gradients into grad unless it is
// nil, in chunk order; a chunk's slot starts with its loss and gradient.
func (f *rowChunks) sum(chunks int, grad []float64) float64 {
	var loss float64
	for c := range chunks {
		loss += f.part(c)[0]
	}
	if grad != nil {
		zero(grad)
		for c := range chunks {
			floats.Add(grad, f.part(c)[1:1+len(grad)])
		}
	}
	return loss
}

// mean is sum over the rows, for the losses that are a mean over rows
// (logistic, softmax): 0 and a zero gradient for no rows.
func (f *rowChunks) mean(chunks, rows int, grad []float64) float64 {
	if rows == 0 {
		zero(grad)
		return 0
	}
	loss := f.sum(chunks, grad)
	if grad != nil {
		floats.Scale(1/float64(rows), grad)
	}
	return loss / float64(rows)
}

// span is chunk c's rows.
func (f *rowChunks) span(c int) (start, end int) {
	if f.whole {
		return 0, f.d.N
	}
	return c * chunkRows, min((c+1)*chunkRows, f.d.N)
}

// newLinear, for n training rows: a chunk's slot is its loss, its gradient (M coefficients and
// the bias), then one block's residuals.
func newLinear(m, n int, mse bool) *linearModel {
	l := &linearModel{m: m, mse: mse}
	l.fb.init(1+m+1+blockRows, n, l)
	return l
}

// fullBatch is LossGrad over all rows, chunk by chunk (see chunkRows).
func (l *linearModel) fullBatch(w []float64, d *Dataset, grad []float64) float64 {
	n := l.fb.run(w, d, grad != nil)
	return l.total(n, d.N, grad)
}

func (l *linearModel) steps() *rowChunks { return &l.fb }

// total adds the chunks' losses and gradients and scales them.
func (l *linearModel) total(chunks, n int, grad []float64) float64 {
	loss := l.fb.sum(chunks, grad)
	l.fb.release()
	if grad != nil {
		floats.Scale(l.scale(2, n), grad)
	}
	return l.scale(loss, n)
}

func (l *linearModel) startChunk(c int) {
	p := l.fb.part(c)
	zero(p[1 : 1+l.m])
	p[0], p[1+l.m] = 0, 0
}

// block is the fused step over a block of consecutive rows: the block's
// residuals, then the block added into the gradient while it is still in
// cache, in one kernel call (vec.LinearBlock). The sums go on from where
// the chunk's last block left them.
func (l *linearModel) block(c, s, e int, ahead []float64) {
	f := &l.fb
	p := f.part(c)
	vec.LinearBlock(p[:2+l.m], f.w, f.d.X[s*l.m:e*l.m], f.d.Y[s:e], p[2+l.m:], ahead, f.withGrad)
}

// newLogistic: a chunk's slot is its loss, its gradient, then one block's
// logits (turned into σ(z) − y in place).
func newLogistic(m, n int) *logisticModel {
	l := &logisticModel{m: m}
	l.fb.init(1+m+1+blockRows, n, l)
	return l
}

// fullBatch is LossGrad over all rows, chunk by chunk, as for linear.
func (l *logisticModel) fullBatch(w []float64, d *Dataset, grad []float64) float64 {
	n := l.fb.run(w, d, grad != nil)
	return l.total(n, d.N, grad)
}

func (l *logisticModel) steps() *rowChunks { return &l.fb }

func (l *logisticModel) total(chunks, n int, grad []float64) float64 {
	loss := l.fb.mean(chunks, n, grad)
	l.fb.release()
	return loss
}

func (l *logisticModel) startChunk(c int) {
	p := l.fb.part(c)
	zero(p[1 : 1+l.m])
	p[0], p[1+l.m] = 0, 0
}

func (l *logisticModel) block(c, s, e int, ahead []float64) {
	f := &l.fb
	p := f.part(c)
	g, z := p[1:1+l.m], p[2+l.m:]
	coef, b := f.w[:l.m], f.w[l.m]
	loss, gb := p[0], p[1+l.m]
	a, z := f.d.X[s*l.m:e*l.m], z[:e-s]
	first, second := halves(ahead)
	vec.DotRowsAhead(z, coef, a, first)
	for k, y := range f.d.Y[s:e] {
		zk := z[k] + b
		loss += softplus(zk) - y*zk
		z[k] = sigmoid(zk) - y
		gb += z[k]
	}
	if f.withGrad {
		vec.AddRowsTAhead(g, z, a, second)
	} else {
		vec.Prefetch(second)
	}
	p[0], p[1+l.m] = loss, gb
}

// newSoftmax: a chunk's slot is its loss, its gradient (K blocks of M+1),
// then K×blockRows logits (class c's for a block at c·blockRows) and one
// row's K logits.
func newSoftmax(m, k, n int) *softmaxModel {
	s := &softmaxModel{m: m, k: k, logits: make([]float64, k)}
	s.fb.init(1+k*(m+1)+k*blockRows+k, n, s)
	return s
}

// fullBatch is LossGrad over all rows, chunk by chunk.
func (s *softmaxModel) fullBatch(w []float64, d *Dataset, grad []float64) float64 {
	n := s.fb.run(w, d, grad != nil)
	return s.total(n, d.N, grad)
}

func (s *softmaxModel) steps() *rowChunks { return &s.fb }

func (s *softmaxModel) total(chunks, n int, grad []float64) float64 {
	loss := s.fb.mean(chunks, n, grad)
	s.fb.release()
	return loss
}

func (s *softmaxModel) startChunk(c int) {
	p := s.fb.part(c)
	zero(p[1 : 1+s.k*(s.m+1)])
	p[0] = 0
}

// block is the step over one block: each class's logits for the block,
// the per-row softmax turning them into p − onehot, then each class's
// block added into its gradient.
func (s *softmaxModel) block(c, first, last int, ahead []float64) {
	f := &s.fb
	p := f.part(c)
	stride := s.m + 1
	grad := p[1 : 1+s.k*stride]
	block := p[1+s.k*stride : 1+s.k*stride+s.k*blockRows]
	logits := p[1+s.k*stride+s.k*blockRows:]
	loss := p[0]
	bn, a := last-first, f.d.X[first*s.m:last*s.m]
	prefetchPart(ahead, 0)
	for c := range s.k {
		wc := f.w[c*stride : (c+1)*stride]
		zc := block[c*blockRows : c*blockRows+bn]
		vec.DotRows(zc, wc[:s.m], a)
		for k := range zc {
			zc[k] += wc[s.m]
		}
	}
	for k, yf := range f.d.Y[first:last] {
		for c := range logits {
			logits[c] = block[c*blockRows+k]
		}
		lse := logSumExp(logits)
		y := int(yf)
		loss += lse - logits[y]
		for c, z := range logits {
			block[c*blockRows+k] = math.Exp(z - lse)
		}
		block[y*blockRows+k]--
	}
	prefetchPart(ahead, 1)
	p[0] = loss
	prefetchPart(ahead, 2)
	if !f.withGrad {
		return
	}
	for c := range s.k {
		gc := grad[c*stride : (c+1)*stride]
		dc := block[c*blockRows : c*blockRows+bn]
		vec.AddRowsT(gc[:s.m], dc, a)
		// The bias's sums go 16 rows at a time, as when blocks had 16
		// rows: floats.Sum's order depends on the length, and the value
		// stays the bits it was.
		for i := 0; i < bn; i += biasRows {
			gc[s.m] += floats.Sum(dc[i:min(i+biasRows, bn)])
		}
	}
}
