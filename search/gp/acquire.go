package gp

import (
	"math"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Predict is the posterior mean and standard deviation of the latent
// function (without the noise) at z, in the units of the data.
func (m *Model) Predict(z []float64) (mean, sd float64) {
	c := &Candidates{}
	c.Reset(m, [][]float64{z})
	mu, s := c.Posterior(0)
	return m.shift + m.scale*mu, m.scale * s
}

// Candidates is the posterior at a set of candidate points, on the
// model's standardised scale, with what a batch picked among them
// (Kriging believer) changes.
type Candidates struct {
	m      *Model
	pts    [][]float64
	mean   []float64
	varnce []float64
	v      []float64 // L⁻¹ k(X, candidate), n×len(pts) row-major
	// picks: for each picked candidate, its index and the column w_t of
	// the rank-one variance updates (see Pick)
	picked []int
	w      [][]float64
}

// Reset computes the posterior at pts (the slice is copied, the points
// are not: they must not change while the candidates are in use).
func (c *Candidates) Reset(m *Model, pts [][]float64) {
	c.m, c.pts, c.w, c.picked = m, nil, c.w[:0], c.picked[:0]
	c.mean, c.varnce, c.v = c.mean[:0], c.varnce[:0], c.v[:0]
	c.Extend(pts)
}

// Extend adds pts after the candidates there are: the posterior at the
// others is the same model's and stays, so a round that adds refinements
// around its most promising candidates computes only theirs (a
// candidate's column of L⁻¹K(X, pts) depends on no other column: the
// values are those Reset of all of them gives, to the bit). After a Pick
// the picks' updates must reach the new candidates too, so it starts
// again from all of them and picks the same again.
func (c *Candidates) Extend(pts [][]float64) {
	m := c.m
	if len(c.w) > 0 {
		picked := slices.Clone(c.picked)
		c.Reset(m, append(c.pts[:len(c.pts):len(c.pts)], pts...))
		for _, j := range picked {
			c.Pick(j)
		}
		return
	}
	n, q0, q1 := m.n, len(c.pts), len(pts)
	q := q0 + q1
	// The candidates' columns in chunks, one a core: each column's
	// arithmetic is the same whichever chunk it is in.
	chunks := min(runtime.GOMAXPROCS(0), max(1, q1*n/minChunkWork))
	size := (q1 + chunks - 1) / max(1, chunks)
	cols := make([]posteriorColumns, 0, chunks)
	for from := 0; from < q1; from += size {
		cols = append(cols, posteriorColumns{pts: pts[from:min(q1, from+size)]})
	}
	if len(cols) == 1 {
		cols[0].compute(m)
	} else {
		var g errgroup.Group
		for i := range cols {
			g.Go(func() error {
				cols[i].compute(m)
				return nil
			})
		}
		_ = g.Wait() // compute returns no error
	}
	v := make([]float64, n*q)
	for i := range n {
		copy(v[i*q:i*q+q0], c.v[i*q0:(i+1)*q0])
		at := i*q + q0
		for _, col := range cols {
			w := len(col.pts)
			at += copy(v[at:at+w], col.block[i*w:(i+1)*w])
		}
	}
	c.v = v
	signal := math.Exp(m.h.LogSignal)
	for _, col := range cols {
		c.mean = append(c.mean, col.mean...)
		for _, s := range col.varnce {
			c.varnce = append(c.varnce, math.Max(s, 1e-12*signal))
		}
	}
	c.pts = append(c.pts[:q0:q0], pts...)
}

// minChunkWork is the least kernel evaluations (points × candidates) worth
// a goroutine of their own.
const minChunkWork = 20000

// posteriorColumns is the posterior at some candidates: their columns of
// L⁻¹K(X, pts) (n × len(pts), row-major), means and variances before the
// floor.
type posteriorColumns struct {
	pts                 [][]float64
	block, mean, varnce []float64
}

func (c *posteriorColumns) compute(m *Model) {
	n, q := m.n, len(c.pts)
	c.block = make([]float64, n*q)
	c.mean = make([]float64, q)
	for j := range c.mean {
		c.mean[j] = m.h.Mean
	}
	signal := math.Exp(m.h.LogSignal)
	a := m.alpha.RawVector().Data
	for i := range n {
		xi := m.x[i*m.d : (i+1)*m.d]
		row := c.block[i*q : (i+1)*q]
		for j, p := range c.pts {
			k := signal * m.corr(xi, p)
			row[j] = k
			c.mean[j] += k * a[i]
		}
	}
	if q > 0 {
		blas64.Trsm(blas.Left, blas.NoTrans, 1, m.l.RawTriangular(),
			blas64.General{Rows: n, Cols: q, Stride: q, Data: c.block})
	}
	c.varnce = make([]float64, q)
	for j := range c.varnce {
		c.varnce[j] = signal
	}
	for i := range n {
		for j, v := range c.block[i*q : (i+1)*q] {
			c.varnce[j] -= v * v
		}
	}
}

// corr is the kernel's correlation between a and b.
func (m *Model) corr(a, b []float64) float64 {
	r2 := 0.0
	for k, x := range a {
		d := x - b[k]
		r2 += d * d * m.inv[k]
	}
	v, _ := matern52(r2)
	return v
}

// Posterior is candidate j's mean and standard deviation, standardised,
// after the picks so far.
func (c *Candidates) Posterior(j int) (mean, sd float64) {
	return c.mean[j], math.Sqrt(c.varnce[j])
}

// Incumbent is the lowest posterior mean at the model's data points, the
// level expected improvement is measured from: with noise, the lowest
// observed value is partly luck.
func (m *Model) Incumbent() float64 {
	best := math.Inf(1)
	a := m.alpha.RawVector().Data
	noise := m.h.Noise()
	for i, y := range m.y {
		// The posterior mean at a data point is y − σ²α.
		best = math.Min(best, y-noise*a[i])
	}
	return best
}

// Pick tells the candidates that candidate j is in the batch: under the
// Kriging believer its value is the posterior mean, which leaves every
// mean where it is and shrinks the variances near j, so the next pick goes
// elsewhere unless j's neighbourhood is still the most promising.
func (c *Candidates) Pick(j int) {
	m, q, n := c.m, len(c.pts), c.m.n
	signal := math.Exp(m.h.LogSignal)
	w := make([]float64, q)
	for x := range c.pts {
		// The posterior covariance of x and j given data and earlier picks.
		cov := signal * m.corr(c.pts[x], c.pts[j])
		for i := 0; i < n; i++ {
			cov -= c.v[i*q+x] * c.v[i*q+j]
		}
		for _, wt := range c.w {
			cov -= wt[x] * wt[j]
		}
		w[x] = cov
	}
	norm := math.Sqrt(w[j] + m.h.Noise())
	for x := range w {
		w[x] /= norm
		c.varnce[x] = math.Max(c.varnce[x]-w[x]*w[x], 1e-12*signal)
	}
	c.w = append(c.w, w)
	c.picked = append(c.picked, j)
}

// LogEI is the log of the expected improvement below best of a normal
// variable of the given mean and standard deviation, accurate far into
// the tail where the improvement itself underflows (Ament et al., 2023,
// "Unexpected improvements to expected improvement").
func LogEI(best, mean, sd float64) float64 {
	if !(sd > 0) {
		if mean < best {
			return math.Log(best - mean)
		}
		return math.Inf(-1)
	}
	z := (best - mean) / sd
	return math.Log(sd) + logH(z)
}

// logH is log(φ(z) + zΦ(z)).
func logH(z float64) float64 {
	const logSqrt2Pi = 0.9189385332046727
	if z > -6 {
		phi := math.Exp(-0.5*z*z) / math.Sqrt(2*math.Pi)
		cdf := 0.5 * math.Erfc(-z/math.Sqrt2)
		return math.Log(phi + z*cdf)
	}
	// φ(z)(1 + zΦ(z)/φ(z)) with the asymptotic series of Mills' ratio:
	// 1 + zR(z) = 1/z² − 3/z⁴ + 15/z⁶ − 105/z⁸ …
	z2 := z * z
	s := 1/z2 - 3/(z2*z2) + 15/(z2*z2*z2) - 105/(z2*z2*z2*z2)
	return -0.5*z2 - logSqrt2Pi + math.Log(s)
}
