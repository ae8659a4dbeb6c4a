package trainer

// The classifiers: logistic regression (two classes) and softmax regression
// (K classes), with their accuracy.

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// logisticModel is p = σ(w·x + b), the probability of class 1. Weights: the
// M coefficients, then the bias. The loss is the mean cross-entropy
// −[y log p + (1−y) log(1−p)] = softplus(z) − y·z, which stays finite for
// any z where the log form would take log 0.
type logisticModel struct {
	m  int
	fb rowChunks
}

func (l *logisticModel) NumWeights() int { return l.m + 1 }

// LossGrad: ∂/∂z of softplus(z) − y·z is σ(z) − y, so the gradient row is
// (σ(z) − y)·x, accumulated in the same pass that computes z.
func (l *logisticModel) LossGrad(w []float64, d *Dataset, rows []int, grad []float64) float64 {
	if rows == nil {
		return l.fullBatch(w, d, grad)
	}
	n := len(rows)
	coef, b := w[:l.m], w[l.m]
	zero(grad)
	var loss, gb float64
	for k := 0; k < n; k++ {
		i := rowIndex(rows, k)
		x := d.X[i*l.m : (i+1)*l.m]
		z := floats.Dot(coef, x) + b
		y := d.Y[i]
		loss += softplus(z) - y*z
		if grad == nil {
			continue
		}
		s := sigmoid(z) - y
		floats.AddScaled(grad[:l.m], s, x)
		gb += s
	}
	if n == 0 {
		return 0
	}
	if grad != nil {
		grad[l.m] = gb
		floats.Scale(1/float64(n), grad)
	}
	return loss / float64(n)
}

// Accuracy predicts class 1 when p > 0.5, i.e. z > 0.
func (l *logisticModel) Accuracy(w []float64, d *Dataset) float64 {
	if d.N == 0 {
		return math.NaN()
	}
	correct := 0
	for i := 0; i < d.N; i++ {
		z := floats.Dot(w[:l.m], d.Row(i)) + w[l.m]
		pred := 0.0
		if z > 0 {
			pred = 1
		}
		if pred == d.Y[i] {
			correct++
		}
	}
	return float64(correct) / float64(d.N)
}

// softmaxModel is multinomial logistic regression over K classes. Weights:
// K blocks of M+1, block c being class c's M coefficients then its bias.
type softmaxModel struct {
	m, k   int
	logits []float64 // scratch: one row's K logits
	fb     rowChunks
}

func (s *softmaxModel) NumWeights() int { return s.k * (s.m + 1) }

func (s *softmaxModel) computeLogits(w, x []float64) {
	stride := s.m + 1
	for c := range s.logits {
		wc := w[c*stride : (c+1)*stride]
		s.logits[c] = floats.Dot(wc[:s.m], x) + wc[s.m]
	}
}

// LossGrad: the row loss is logsumexp(z) − z_y, and its gradient in z_c is
// p_c − [c = y], which scales the row into class c's block in the same pass.
func (s *softmaxModel) LossGrad(w []float64, d *Dataset, rows []int, grad []float64) float64 {
	if rows == nil {
		return s.fullBatch(w, d, grad)
	}
	n := len(rows)
	stride := s.m + 1
	zero(grad)
	var loss float64
	for k := 0; k < n; k++ {
		i := rowIndex(rows, k)
		x := d.X[i*s.m : (i+1)*s.m]
		y := int(d.Y[i])
		s.computeLogits(w, x)
		lse := logSumExp(s.logits)
		loss += lse - s.logits[y]
		if grad == nil {
			continue
		}
		for c, z := range s.logits {
			g := math.Exp(z - lse)
			if c == y {
				g--
			}
			gc := grad[c*stride : (c+1)*stride]
			floats.AddScaled(gc[:s.m], g, x)
			gc[s.m] += g
		}
	}
	if n == 0 {
		return 0
	}
	if grad != nil {
		floats.Scale(1/float64(n), grad)
	}
	return loss / float64(n)
}

func (s *softmaxModel) Accuracy(w []float64, d *Dataset) float64 {
	if d.N == 0 {
		return math.NaN()
	}
	correct := 0
	for i := 0; i < d.N; i++ {
		s.computeLogits(w, d.Row(i))
		if argmax(s.logits) == int(d.Y[i]) {
			correct++
		}
	}
	return float64(correct) / float64(d.N)
}
