package gp

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func data(n, d int, seed uint64, f func([]float64) float64) ([][]float64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([][]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = make([]float64, d)
		for k := range x[i] {
			x[i][k] = rng.Float64()
		}
		y[i] = f(x[i])
	}
	return x, y
}

func bowl(x []float64) float64 {
	s := 0.0
	for k, v := range x {
		s += float64(k+1) * (v - 0.3) * (v - 0.3)
	}
	return 10*s + math.Sin(7*x[0])
}

// The analytic gradient of the log posterior agrees with central
// differences in every hyperparameter, away from the prior's centre.
func TestLogPosteriorGradient(t *testing.T) {
	x, y := data(25, 3, 1, bowl)
	m, err := Fit(x, y, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := Hyper{LogLength: []float64{-1.2, 0.3, 0.9}, LogSignal: 0.4, LogNoise: -3, Mean: 0.2}
	grad := make([]float64, 6)
	m.LogPosterior(h, grad)
	const eps = 1e-5
	for i := range grad {
		shift := func(s float64) float64 {
			g := h.Clone()
			switch {
			case i < 3:
				g.LogLength[i] += s
			case i == 3:
				g.LogSignal += s
			case i == 4:
				g.LogNoise += s
			default:
				g.Mean += s
			}
			return m.LogPosterior(g, nil)
		}
		fd := (shift(eps) - shift(-eps)) / (2 * eps)
		if math.Abs(fd-grad[i]) > 1e-4*math.Max(1, math.Abs(fd)) {
			t.Errorf("∂/∂θ%d: analytic %.8g, finite differences %.8g", i, grad[i], fd)
		}
	}
}

// Fitting raises the log posterior above the prior's centre, and the fitted
// model predicts held-out points of a smooth function well.
func TestFitPredicts(t *testing.T) {
	x, y := data(60, 3, 2, bowl)
	m, err := Fit(x, y, FitOptions{Iterations: 50})
	if err != nil {
		t.Fatal(err)
	}
	if got, centre := m.LogPosterior(m.Hyper(), nil), m.LogPosterior(DefaultHyper(3), nil); got <= centre {
		t.Errorf("fitted log posterior %g, not above the prior centre's %g", got, centre)
	}
	tx, ty := data(200, 3, 3, bowl)
	se, sv := 0.0, 0.0
	mean := 0.0
	for _, v := range ty {
		mean += v / float64(len(ty))
	}
	for i, p := range tx {
		mu, sd := m.Predict(p)
		if !(sd >= 0) {
			t.Fatalf("sd %g at %v", sd, p)
		}
		se += (mu - ty[i]) * (mu - ty[i])
		sv += (ty[i] - mean) * (ty[i] - mean)
	}
	if r2 := 1 - se/sv; r2 < 0.95 {
		t.Errorf("held-out R² %.3f, want at least 0.95", r2)
	}
	// Near-interpolation at a data point of a noiseless function.
	mu, _ := m.Predict(x[0])
	if math.Abs(mu-y[0]) > 0.05*math.Abs(y[0])+0.05 {
		t.Errorf("at a data point: predicted %g, observed %g", mu, y[0])
	}
}

func TestLogEI(t *testing.T) {
	for _, z := range []float64{-40, -12, -6.0001, -5.9999, -3, 0, 2, 8} {
		got := logH(z)
		// Reference by numerical integration of ∫ (−z−u)… : EI(z) = ∫_{-∞}^{z} Φ(t) dt.
		ref := 0.0
		lo, n := z-60, 200000
		step := (z - lo) / float64(n)
		// integrate in log-space safe form: Φ(t) for t ≪ 0 via Erfc
		for i := 0; i < n; i++ {
			tm := lo + (float64(i)+0.5)*step
			ref += 0.5 * math.Erfc(-tm/math.Sqrt2) * step
		}
		if ref == 0 {
			if math.IsInf(got, 0) || math.IsNaN(got) || got > -700 {
				t.Errorf("logH(%g) = %g, want a finite value below −700", z, got)
			}
			continue
		}
		if math.Abs(got-math.Log(ref)) > 1e-3 {
			t.Errorf("logH(%g) = %.6g, integral gives %.6g", z, got, math.Log(ref))
		}
	}
}

// A Kriging-believer pick shrinks the variance at and near the picked
// candidate and leaves the means alone.
func TestPickShrinksVariance(t *testing.T) {
	x, y := data(20, 2, 4, bowl)
	m, err := Fit(x, y, FitOptions{Iterations: 30})
	if err != nil {
		t.Fatal(err)
	}
	pts := [][]float64{{0.9, 0.9}, {0.91, 0.9}, {0.1, 0.95}}
	var c Candidates
	c.Reset(m, pts)
	mu0, sd0 := c.Posterior(1)
	_, far0 := c.Posterior(2)
	c.Pick(0)
	mu1, sd1 := c.Posterior(1)
	_, far1 := c.Posterior(2)
	if mu1 != mu0 || !(sd1 < 0.5*sd0) {
		t.Errorf("near the pick: mean %g→%g, sd %g→%g; want the same mean and the sd at least halved", mu0, mu1, sd0, sd1)
	}
	if far1 < 0.9*far0 {
		t.Errorf("far from the pick the sd fell from %g to %g", far0, far1)
	}
}

// The closed-form leave-one-out predictions agree with refitting on the
// other n−1 points under the same hyperparameters.
func TestLOOMatchesRefit(t *testing.T) {
	x, y := data(30, 3, 5, bowl)
	m, err := Fit(x, y, FitOptions{Iterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Hyper()
	mean, sd := make([]float64, m.Len()), make([]float64, m.Len())
	if err := m.LOO(mean, sd); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 7, 29} {
		xs := append(append([][]float64(nil), x[:i]...), x[i+1:]...)
		ys := append(append([]float64(nil), y[:i]...), y[i+1:]...)
		// The same hyperparameters on the same standardisation: refit on
		// n−1 points with the full data's shift and scale.
		r := &Model{d: m.d, n: len(xs), shift: m.shift, scale: m.scale}
		for k, p := range xs {
			r.x = append(r.x, p...)
			r.y = append(r.y, (ys[k]-m.shift)/m.scale)
		}
		if err := r.condition(h); err != nil {
			t.Fatal(err)
		}
		mu, s := r.Predict(x[i])
		noisy := math.Sqrt(s*s + m.scale*m.scale*h.Noise())
		if math.Abs(mu-mean[i]) > 1e-6*math.Max(1, math.Abs(mu)) || math.Abs(noisy-sd[i]) > 1e-6*math.Max(1, noisy) {
			t.Errorf("point %d: LOO %.8g ± %.8g, refit %.8g ± %.8g", i, mean[i], sd[i], mu, noisy)
		}
	}
	if err := m.LOO(mean[:3], sd); err == nil {
		t.Error("LOO into too few means: no error")
	}
}

// Extending the candidates gives, at every candidate, the posterior a
// Reset of all of them gives, to the bit: before a pick by adding the new
// columns alone, after one by starting again and picking the same (the
// picks' updates would otherwise miss the new candidates).
func TestExtendIsResetOfAll(t *testing.T) {
	x, y := data(30, 3, 5, bowl)
	m, err := Fit(x, y, FitOptions{Iterations: 30})
	if err != nil {
		t.Fatal(err)
	}
	// Enough candidates for Extend to split them among the cores
	// (minChunkWork), differently in each of the three computations.
	pts, _ := data(1500, 3, 6, bowl)
	var whole Candidates
	whole.Reset(m, pts)
	same := func(what string, c *Candidates, n int) {
		t.Helper()
		for j := range n {
			mu, sd := c.Posterior(j)
			wmu, wsd := whole.Posterior(j)
			if mu != wmu || sd != wsd {
				t.Fatalf("%s: candidate %d: %v ± %v, Reset of all: %v ± %v", what, j, mu, sd, wmu, wsd)
			}
		}
	}
	// The posterior by its textbook formulas, one candidate at a time:
	// mean + k·α and signal − |L⁻¹k|².
	signal := math.Exp(m.h.LogSignal)
	for j, p := range pts {
		k := make([]float64, m.n)
		mu := m.h.Mean
		for i := range m.n {
			k[i] = signal * m.corr(m.x[i*m.d:(i+1)*m.d], p)
			mu += k[i] * m.alpha.AtVec(i)
		}
		var v mat.VecDense
		if err := v.SolveVec(m.l, mat.NewVecDense(m.n, k)); err != nil {
			t.Fatal(err)
		}
		sd := math.Sqrt(math.Max(signal-mat.Dot(&v, &v), 1e-12*signal))
		if gmu, gsd := whole.Posterior(j); math.Abs(gmu-mu) > 1e-9*math.Abs(mu)+1e-12 || math.Abs(gsd-sd) > 1e-9*sd+1e-12 {
			t.Fatalf("candidate %d: %v ± %v, by the formulas %v ± %v", j, gmu, gsd, mu, sd)
		}
	}
	var ext Candidates
	ext.Reset(m, pts[:25])
	ext.Extend(pts[25:])
	if len(ext.pts) != len(pts) {
		t.Fatalf("%d candidates after Extend, want %d", len(ext.pts), len(pts))
	}
	same("extended", &ext, len(pts))

	whole.Pick(3)
	var picked Candidates
	picked.Reset(m, pts[:25])
	picked.Pick(3)
	picked.Extend(pts[25:])
	same("extended after a pick", &picked, len(pts))
}
