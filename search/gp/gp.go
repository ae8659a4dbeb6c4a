// Package gp is the Gaussian-process surrogate of the model-guided
// strategies: regression with a Matérn-5/2 kernel with one length scale
// per input (ARD), a constant mean and a noise term, whose hyperparameters
// are the maximum a posteriori of the log marginal likelihood under weak
// priors, found by L-BFGS with analytic gradients.
//
// Inputs are points of the unit cube (the caller maps its parameters
// there: log parameters in log space, choices one-hot). Outputs are
// standardised inside: the model predicts in the units it was given.
//
// The priors, and why:
//   - length scale ~ LogNormal(√2 + ½ log d, √3): the dimension-scaled
//     prior of Hvarfner, Hellsten & Nardi (2024), "Vanilla Bayesian
//     optimization performs great in high dimensions": in d dimensions a
//     typical length grows like √d, so the model neither starts out as a
//     collection of spikes nor as a plane. It is a density on the length
//     scale, as BoTorch evaluates it (get_covar_module_with_dim_scaled_prior,
//     its MAP fitted in the length scale itself), so the log posterior in
//     log ℓ carries the −log ℓ of that density and peaks at its mode,
//     exp(√2 + ½ log d − 3) (0.58 in 8-D), where BoTorch also starts. A
//     normal density on log ℓ instead (the first passes) peaked at the
//     median, 20 times longer (11.6 in 8-D): with a few trials per
//     dimension every length scale the data did not pin down sat there,
//     and the trust region, whose sides follow the length scales, was a
//     sliver spanning whole ranges (BENCHMARKS.md, issue 19, session 6:
//     Levy 8-D at 50 trials 11.1 → 7.0). The price: values with no
//     structure are now about as likely a signal with length scales
//     shorter than the points' spacing as noise, and the fit often takes
//     the signal, which lifts the skill gate's measure on pure noise
//     (search.TestSkillGate).
//   - log signal variance ~ N(0, 2²), on standardised outputs.
//   - log noise variance ~ N(−6, 3²) above a floor of MinNoise: wide,
//     so a deterministic function fits with almost no noise and a noisy
//     training sweep finds its own level.
//   - mean ~ N(0, 2²) on standardised outputs: only keeps it finite.
package gp

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// MinNoise is the smallest noise variance (on standardised outputs): it
// keeps the kernel matrix well conditioned when two points coincide.
const MinNoise = 1e-6

// Prior centres and widths (see the package comment).
const (
	priorLengthSD  = 1.7320508075688772 // √3
	priorSignalSD  = 2.0
	priorNoiseMean = -6.0
	priorNoiseSD   = 3.0
	priorMeanSD    = 2.0
)

// Hyper are the kernel's hyperparameters, on standardised outputs.
type Hyper struct {
	LogLength []float64 // log length scale of each input, in unit-cube units
	LogSignal float64   // log signal variance
	LogNoise  float64   // log of the noise variance above MinNoise
	Mean      float64   // constant mean
}

// DefaultHyper is the prior's centre in d dimensions (the length scales
// at the mode of their prior): where fitting starts when nothing better
// is known.
func DefaultHyper(d int) Hyper {
	h := Hyper{LogLength: make([]float64, d), LogNoise: priorNoiseMean}
	for i := range h.LogLength {
		h.LogLength[i] = priorLengthMean(d) - priorLengthSD*priorLengthSD
	}
	return h
}

// priorLengthMean is the location of the length scales' log-normal prior
// (the mean of log ℓ, not the density's mode).
func priorLengthMean(d int) float64 { return math.Sqrt2 + 0.5*math.Log(float64(d)) }

// fitStart is a start of the hyperparameter search: every length scale
// the same, some noise. Besides the prior's centre: from long length
// scales and tiny noise (the centre before session 6), L-BFGS tended to
// the optimum that calls every bump noise (on Hartmann-6, a log
// posterior of −86 against −71 from length scales of 0.5).
func fitStart(d int, logLength float64) Hyper {
	h := Hyper{LogLength: make([]float64, d), LogNoise: -4}
	for i := range h.LogLength {
		h.LogLength[i] = logLength
	}
	return h
}

// Clone is a copy that shares nothing with h.
func (h Hyper) Clone() Hyper {
	h.LogLength = append([]float64(nil), h.LogLength...)
	return h
}

// Noise is the noise variance, on standardised outputs.
func (h Hyper) Noise() float64 { return MinNoise + math.Exp(h.LogNoise) }

// Model is a Gaussian process conditioned on data.
type Model struct {
	d, n  int
	x     []float64 // n×d, row-major
	y     []float64 // standardised outputs
	shift float64   // y = (raw − shift) / scale
	scale float64
	h     Hyper
	inv   []float64 // 1 / length scale², per input
	chol  mat.Cholesky
	l     *mat.TriDense
	alpha *mat.VecDense // K⁻¹ (y − mean)
}

// FitOptions say how hard Fit works.
type FitOptions struct {
	// Start is where the hyperparameter search starts besides the
	// prior's centre (a previous fit); nil for the centre alone.
	Start *Hyper
	// Iterations bounds each L-BFGS run; 0 keeps Start as it is (the
	// prior's centre without one) and only conditions on the data.
	Iterations int
	// WarmOnly runs from Start alone, not also from the fixed starts:
	// a cheap update between full fits.
	WarmOnly bool
}

// ErrData is returned for data a model cannot be built from.
var ErrData = errors.New("gp: bad data")

// Fit conditions a model on the points x (each of the same dimension, in
// the unit cube) and their values y, with hyperparameters fitted as
// opts says.
func Fit(x [][]float64, y []float64, opts FitOptions) (*Model, error) {
	if len(x) == 0 || len(x) != len(y) {
		return nil, fmt.Errorf("%w: %d points and %d values", ErrData, len(x), len(y))
	}
	d := len(x[0])
	m := &Model{d: d, n: len(x), x: make([]float64, 0, len(x)*d), y: make([]float64, len(y))}
	for i, p := range x {
		if len(p) != d {
			return nil, fmt.Errorf("%w: point %d has %d coordinates, want %d", ErrData, i, len(p), d)
		}
		m.x = append(m.x, p...)
	}
	m.standardise(y)
	var h Hyper
	switch {
	case opts.Iterations > 0:
		h = m.fit(opts)
	case opts.Start != nil:
		h = opts.Start.Clone()
	default:
		h = DefaultHyper(d)
	}
	if len(h.LogLength) != d {
		return nil, fmt.Errorf("%w: %d length scales for %d inputs", ErrData, len(h.LogLength), d)
	}
	if err := m.condition(h); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Model) standardise(y []float64) {
	mean := 0.0
	for _, v := range y {
		mean += v / float64(len(y))
	}
	ss := 0.0
	for _, v := range y {
		ss += (v - mean) * (v - mean)
	}
	m.shift, m.scale = mean, math.Sqrt(ss/float64(len(y)))
	if !(m.scale > 0) || math.IsInf(m.scale, 0) {
		m.scale = 1 // all equal: nothing to scale
	}
	for i, v := range y {
		m.y[i] = (v - m.shift) / m.scale
	}
}

// Hyper are the model's hyperparameters.
func (m *Model) Hyper() Hyper { return m.h.Clone() }

// Len is the number of points the model was conditioned on.
func (m *Model) Len() int { return m.n }

// condition factorises the kernel matrix for h.
func (m *Model) condition(h Hyper) error {
	m.h = h.Clone()
	m.inv = make([]float64, m.d)
	for k, ll := range h.LogLength {
		m.inv[k] = math.Exp(-2 * ll)
	}
	k := mat.NewSymDense(m.n, nil)
	m.kernelMatrix(k, m.inv, math.Exp(h.LogSignal), h.Noise(), nil)
	if !m.chol.Factorize(k) {
		return fmt.Errorf("%w: the kernel matrix is not positive definite (noise %g)", ErrData, h.Noise())
	}
	m.l = mat.NewTriDense(m.n, mat.Lower, nil)
	m.chol.LTo(m.l)
	r := mat.NewVecDense(m.n, nil)
	for i, v := range m.y {
		r.SetVec(i, v-h.Mean)
	}
	m.alpha = mat.NewVecDense(m.n, nil)
	return m.chol.SolveVecTo(m.alpha, r)
}

// matern52 is the Matérn-5/2 correlation at scaled distance² r2 and the
// factor of its derivative with respect to a log length scale:
// ∂k/∂log ℓ_k = signal × dlog × Δ_k²/ℓ_k².
func matern52(r2 float64) (k, dlog float64) {
	r := math.Sqrt(r2)
	e := math.Exp(-math.Sqrt(5) * r)
	return (1 + math.Sqrt(5)*r + 5.0/3*r2) * e, 5.0 / 3 * (1 + math.Sqrt(5)*r) * e
}

// kernelMatrix fills k with the kernel of the model's points plus noise on
// the diagonal; dlog, when not nil (n×n), receives the derivative factors.
func (m *Model) kernelMatrix(k *mat.SymDense, inv []float64, signal, noise float64, dlog []float64) {
	for i := 0; i < m.n; i++ {
		xi := m.x[i*m.d : (i+1)*m.d]
		k.SetSym(i, i, signal+noise)
		for j := i + 1; j < m.n; j++ {
			xj := m.x[j*m.d : (j+1)*m.d]
			r2 := 0.0
			for c, a := range xi {
				diff := a - xj[c]
				r2 += diff * diff * inv[c]
			}
			v, g := matern52(r2)
			k.SetSym(i, j, signal*v)
			if dlog != nil {
				dlog[i*m.n+j] = g
			}
		}
	}
}

// fit maximises the log posterior from short length scales, from the
// prior's centre and from opts.Start, and keeps the best.
func (m *Model) fit(opts FitOptions) Hyper {
	f := newFitter(m)
	var starts []Hyper
	if !opts.WarmOnly || opts.Start == nil {
		starts = append(starts, fitStart(m.d, math.Log(0.5)), DefaultHyper(m.d))
	}
	if opts.Start != nil && len(opts.Start.LogLength) == m.d {
		starts = append(starts, *opts.Start)
	}
	best, bestVal := starts[0], math.Inf(1)
	for _, s := range starts {
		theta := f.pack(s)
		p := optimize.Problem{Func: f.objective, Grad: f.gradient}
		settings := &optimize.Settings{MajorIterations: opts.Iterations, FuncEvaluations: 3 * opts.Iterations,
			GradientThreshold: 1e-5}
		res, err := optimize.Minimize(p, theta, settings, &optimize.LBFGS{})
		x, v := theta, f.objective(theta)
		if err == nil || (res != nil && !math.IsNaN(res.F)) {
			if res != nil && res.F < v {
				x, v = res.X, res.F
			}
		}
		if v < bestVal {
			best, bestVal = f.unpack(x), v
		}
	}
	return best
}

// LogPosterior is the log marginal likelihood of the model's data under h
// plus the log priors, up to a constant; grad, when not nil, receives its
// gradient in the order LogLength…, LogSignal, LogNoise, Mean.
func (m *Model) LogPosterior(h Hyper, grad []float64) float64 {
	f := newFitter(m)
	theta := f.pack(h)
	v := -f.objective(theta)
	if grad != nil {
		f.gradient(grad, theta)
		for i := range grad {
			grad[i] = -grad[i]
		}
	}
	return v
}

// fitter holds the buffers of one fit, so that an L-BFGS iteration
// allocates nothing but what gonum's Cholesky does.
type fitter struct {
	m     *Model
	k     *mat.SymDense
	kinv  *mat.SymDense
	dlog  []float64
	inv   []float64
	chol  mat.Cholesky
	r     *mat.VecDense
	alpha *mat.VecDense
	// the last evaluation, reused when the gradient asks for the same θ
	last  []float64
	val   float64
	grad  []float64
	valid bool
}

func newFitter(m *Model) *fitter {
	n := m.n
	return &fitter{m: m, k: mat.NewSymDense(n, nil), kinv: mat.NewSymDense(n, nil), dlog: make([]float64, n*n),
		inv: make([]float64, m.d), r: mat.NewVecDense(n, nil), alpha: mat.NewVecDense(n, nil),
		last: make([]float64, m.d+3), grad: make([]float64, m.d+3)}
}

func (f *fitter) pack(h Hyper) []float64 {
	theta := make([]float64, f.m.d+3)
	copy(theta, h.LogLength)
	theta[f.m.d], theta[f.m.d+1], theta[f.m.d+2] = h.LogSignal, h.LogNoise, h.Mean
	return theta
}

func (f *fitter) unpack(theta []float64) Hyper {
	d := f.m.d
	return Hyper{LogLength: append([]float64(nil), theta[:d]...), LogSignal: theta[d], LogNoise: theta[d+1], Mean: theta[d+2]}
}

func (f *fitter) objective(theta []float64) float64 {
	f.evaluate(theta)
	return f.val
}

func (f *fitter) gradient(grad, theta []float64) {
	f.evaluate(theta)
	copy(grad, f.grad)
}

// evaluate computes the negative log posterior and its gradient at theta.
// A θ whose kernel matrix does not factorise is +Inf with a zero gradient,
// which L-BFGS's line search backs away from.
func (f *fitter) evaluate(theta []float64) {
	if f.valid && equal(theta, f.last) {
		return
	}
	copy(f.last, theta)
	f.valid = true
	m, d, n := f.m, f.m.d, f.m.n
	for k := range f.inv {
		f.inv[k] = math.Exp(-2 * theta[k])
	}
	signal, noiseX := math.Exp(theta[d]), math.Exp(theta[d+1])
	mean := theta[d+2]
	m.kernelMatrix(f.k, f.inv, signal, MinNoise+noiseX, f.dlog)
	clear(f.grad)
	if !f.chol.Factorize(f.k) {
		f.val = math.Inf(1)
		return
	}
	for i, v := range m.y {
		f.r.SetVec(i, v-mean)
	}
	if err := f.chol.SolveVecTo(f.alpha, f.r); err != nil {
		f.val = math.Inf(1)
		return
	}
	fit := mat.Dot(f.r, f.alpha)
	nlml := 0.5*fit + 0.5*f.chol.LogDet() + 0.5*float64(n)*math.Log(2*math.Pi)

	// Priors. The length scales': −log of the log-normal density at ℓ,
	// log ℓ + z²/2 (see the package comment for why the log ℓ).
	lm := priorLengthMean(d)
	for k := 0; k < d; k++ {
		z := (theta[k] - lm) / priorLengthSD
		nlml += 0.5*z*z + theta[k]
		f.grad[k] = z/priorLengthSD + 1
	}
	zs := theta[d] / priorSignalSD
	zn := (theta[d+1] - priorNoiseMean) / priorNoiseSD
	zm := mean / priorMeanSD
	nlml += 0.5 * (zs*zs + zn*zn + zm*zm)
	f.grad[d] = zs / priorSignalSD
	f.grad[d+1] = zn / priorNoiseSD
	f.grad[d+2] = zm / priorMeanSD

	// ∂(−log p)/∂θ = −½ tr((ααᵀ − K⁻¹) ∂K/∂θ), and −Σα for the mean.
	if err := f.chol.InverseTo(f.kinv); err != nil {
		f.val = math.Inf(1)
		clear(f.grad)
		return
	}
	kraw, kinv, a := f.k.RawSymmetric(), f.kinv.RawSymmetric(), f.alpha.RawVector().Data
	gSignal, gNoise, gMean := 0.0, 0.0, 0.0
	for i := 0; i < n; i++ {
		ai := a[i]
		gMean += ai
		w := ai*ai - kinv.Data[i*kinv.Stride+i]
		gSignal += 0.5 * w * signal
		gNoise += 0.5 * w
		xi := m.x[i*d : (i+1)*d]
		for j := i + 1; j < n; j++ {
			w := ai*a[j] - kinv.Data[i*kinv.Stride+j]
			gSignal += w * kraw.Data[i*kraw.Stride+j] // both triangles: ½ × 2
			c := w * signal * f.dlog[i*n+j]
			if c == 0 {
				continue
			}
			xj := m.x[j*d : (j+1)*d]
			for k, xa := range xi {
				diff := xa - xj[k]
				f.grad[k] -= c * diff * diff * f.inv[k]
			}
		}
	}
	f.grad[d] -= gSignal
	f.grad[d+1] -= gNoise * noiseX
	f.grad[d+2] -= gMean
	f.val = nlml
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
