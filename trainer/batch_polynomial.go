package trainer

import "gonum.org/v1/gonum/floats"

// The polynomial model's full batch as a blockStep, so that batched trials
// share its passes too. Its step is scalar arithmetic on the powers of each
// feature, bound by computing rather than by reading X, so sharing a pass
// saves little; it is one chunk added in row order, the order its step has
// always had, so its bits are those of the row-by-row loop.

// newPolynomial: the one chunk's slot is its loss, then its gradient.
func newPolynomial(m, degree int, mse bool) *polynomialModel {
	p := &polynomialModel{m: m, degree: degree, mse: mse}
	p.fb.whole = true
	p.fb.init(1+m*degree+1, 0, p)
	return p
}

// fullBatch is LossGrad over all rows, in row order.
func (p *polynomialModel) fullBatch(w []float64, d *Dataset, grad []float64) float64 {
	n := p.fb.run(w, d, grad != nil)
	return p.total(n, d.N, grad)
}

func (p *polynomialModel) steps() *rowChunks { return &p.fb }

func (p *polynomialModel) startChunk(c int) { zero(p.fb.part(c)) }

// block goes on with rows [s, e), each row's residual and then its
// contribution to every power's gradient while the row is in cache. It
// does not ask for the rows ahead: its step is bound by computing, and
// the hardware streams in the rows of its one chunk.
func (p *polynomialModel) block(c, s, e int, _ []float64) {
	f := &p.fb
	part := f.part(c)
	var grad []float64
	if f.withGrad {
		grad = part[1:]
	}
	part[0] = p.rows(f.w, f.d, nil, grad, s, e, part[0])
}

// rows adds the visited rows s to e-1 (rows as in LossGrad: nil visits
// d's rows in order) of d at w to loss, which it returns, and to grad
// unless it is nil. The pass alone, by blocks and on a minibatch runs
// these same statements in the same order, which is what makes their
// bits the same.
func (p *polynomialModel) rows(w []float64, d *Dataset, rows []int, grad []float64, s, e int, loss float64) float64 {
	for k := s; k < e; k++ {
		i := rowIndex(rows, k)
		x := d.X[i*p.m : (i+1)*p.m]
		r := p.predict(w, x) - d.Y[i]
		loss += r * r
		if grad == nil {
			continue
		}
		for j, xj := range x {
			gj := grad[j*p.degree : (j+1)*p.degree]
			pow := xj
			for q := range gj {
				gj[q] += r * pow
				pow *= xj
			}
		}
		grad[p.m*p.degree] += r
	}
	return loss
}

func (p *polynomialModel) total(chunks, n int, grad []float64) float64 {
	part := p.fb.part(0)
	p.fb.release()
	if grad != nil {
		copy(grad, part[1:])
		floats.Scale(p.scale(2, n), grad)
	}
	return p.scale(part[0], n)
}
