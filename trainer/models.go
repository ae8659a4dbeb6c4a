package trainer

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/floats"
)

// Model kinds and losses as they appear in configs.
const (
	KindLinear     = "linear"
	KindPolynomial = "polynomial"
	KindLogistic   = "logistic"
	KindSoftmax    = "softmax"
	KindMLP        = "mlp"
	KindFunction   = "function"

	LossRSS          = "rss"
	LossMSE          = "mse"
	LossCrossEntropy = "cross_entropy"
)

var (
	modelKinds       = []string{KindLinear, KindPolynomial, KindLogistic, KindSoftmax, KindMLP, KindFunction}
	regressionLosses = []string{LossRSS, LossMSE}
	classifierLosses = []string{LossCrossEntropy}
)

// Classifier is implemented by the models that predict a class (logistic,
// softmax, and mlp trained on a classification data set). It is optional:
// find it with a type assertion on a Model.
type Classifier interface {
	// Accuracy is the fraction of d's rows whose predicted class (the most
	// probable one) equals the label; NaN when d has no rows.
	Accuracy(w []float64, d *Dataset) float64
}

// NewModel builds the model spec names for the shape of d (features and
// classes). The model keeps no reference to d: LossGrad and Accuracy take
// the data set as an argument, so the one model serves the training and the
// validation split. Kind "function" ignores d.
func NewModel(spec ModelSpec, d *Dataset) (Model, error) {
	if errs := spec.validate(); len(errs) > 0 {
		return nil, fmt.Errorf("model: %w", errors.Join(errs...))
	}
	kind := spec.Kind
	if kind == KindFunction {
		if err := checkWeights(spec, 0, 0); err != nil {
			return nil, err
		}
		return newLandscape(spec)
	}
	if err := checkDataset(d); err != nil {
		return nil, fmt.Errorf("model %s: %w", kind, err)
	}
	k := d.NumClasses()
	switch kind {
	case KindLinear, KindPolynomial:
		if k > 0 {
			return nil, fmt.Errorf("model %s is a regression model but the data set has %d classes (use logistic, softmax or mlp)", kind, k)
		}
	case KindLogistic, KindSoftmax:
		if k == 0 {
			return nil, fmt.Errorf("model %s is a classifier but the data set is a regression set without classes (use linear, polynomial or mlp)", kind)
		}
		if kind == KindLogistic && k > 2 {
			return nil, fmt.Errorf("model logistic is binary but the data set has %d classes (use softmax for more than 2)", k)
		}
	}
	if err := checkLoss(kind, spec.Loss, k > 0); err != nil {
		return nil, err
	}
	if err := checkWeights(spec, d.M, k); err != nil {
		return nil, err
	}
	mse := spec.Loss == LossMSE
	switch kind {
	case KindLinear:
		return newLinear(d.M, d.N, mse), nil
	case KindPolynomial:
		return newPolynomial(d.M, spec.Degree, mse), nil
	case KindLogistic:
		return newLogistic(d.M, d.N), nil
	case KindSoftmax:
		return newSoftmax(d.M, k, d.N), nil
	default: // KindMLP
		return newMLP(spec, d.M, k, mse)
	}
}

// validate reports the fields of the spec that its kind uses and that
// hold no valid value, as *SettingError; the fields other kinds use are
// not looked at. Whether the loss suits the data is checked by NewModel.
func (m ModelSpec) validate() []error {
	var errs []error
	bad := func(key string, v any, allowed string) {
		errs = append(errs, &SettingError{Key: key, Value: v, Allowed: allowed})
	}
	switch m.Kind {
	case KindFunction:
		if !contains(functionNames, m.Function) {
			bad("function", m.Function, "one of "+strings.Join(functionNames, ", "))
		} else if lo := minDimension(m.Function); m.Dimension < lo {
			bad("dimension", m.Dimension, fmt.Sprintf(">= %d for %s", lo, m.Function))
		}
		return errs // a landscape has its own loss
	case KindPolynomial:
		if m.Degree < 1 {
			bad("degree", m.Degree, ">= 1")
		}
	case KindMLP:
		if len(m.Hidden) == 0 {
			bad("hidden", m.Hidden, "at least one layer")
		}
		for _, h := range m.Hidden {
			if h < 1 {
				bad("hidden", m.Hidden, "layers of 1 or more units")
				break
			}
		}
		if _, err := parseActivation(m.Activation); err != nil {
			bad("activation", m.Activation, "one of "+strings.Join(activationNames, ", "))
		}
	case KindLinear, KindLogistic, KindSoftmax:
	default:
		bad("kind", m.Kind, "one of "+strings.Join(modelKinds, ", "))
		return errs
	}
	if !contains(regressionLosses, m.Loss) && !contains(classifierLosses, m.Loss) {
		bad("loss", m.Loss, "one of "+strings.Join(append(append([]string(nil), regressionLosses...), classifierLosses...), ", "))
	}
	return errs
}

// checkDataset rejects a data set whose slices disagree with its shape, and
// class labels that are not integers in 0..K-1, so that LossGrad can index
// by label without bounds worries.
func checkDataset(d *Dataset) error {
	if d == nil {
		return errors.New("a data set is required")
	}
	if d.N < 0 || d.M < 0 || len(d.X) != d.N*d.M || len(d.Y) != d.N {
		return fmt.Errorf("data set shape is inconsistent: N=%d, M=%d, len(X)=%d (want N·M), len(Y)=%d (want N)",
			d.N, d.M, len(d.X), len(d.Y))
	}
	k := d.NumClasses()
	if k == 0 {
		return nil
	}
	for i, y := range d.Y {
		if y != math.Trunc(y) || y < 0 || int(y) >= k {
			return fmt.Errorf("row %d: class label %v is invalid (allowed: an integer in 0..%d)", i, y, k-1)
		}
	}
	return nil
}

// checkLoss checks that the loss suits the data: squared errors for
// regression, cross-entropy for classifiers.
func checkLoss(kind, loss string, classes bool) error {
	allowed := regressionLosses
	target := "a regression data set"
	if classes {
		allowed, target = classifierLosses, "a classification data set"
	}
	if !contains(allowed, loss) {
		return fmt.Errorf("model %s on %s: loss %q is not allowed (allowed: %s)", kind, target, loss, strings.Join(allowed, ", "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// rowCount is the number of rows LossGrad visits: all of d when rows is nil.
func rowCount(d *Dataset, rows []int) int {
	if rows == nil {
		return d.N
	}
	return len(rows)
}

// rowIndex maps the k-th visited row to its index in d.
func rowIndex(rows []int, k int) int {
	if rows == nil {
		return k
	}
	return rows[k]
}

// zero clears a gradient buffer; nil stays nil.
func zero(g []float64) {
	for i := range g {
		g[i] = 0
	}
}

// softplus is log(1+e^z) without overflow for large z or loss of precision
// for very negative z.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// sigmoid is 1/(1+e^-z), written so that e^x is only taken of x ≤ 0.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// logSumExp is log Σ e^z_k, shifted by the maximum so no term overflows.
func logSumExp(z []float64) float64 {
	mx := math.Inf(-1)
	for _, v := range z {
		if v > mx {
			mx = v
		}
	}
	if math.IsInf(mx, 0) {
		return mx
	}
	s := 0.0
	for _, v := range z {
		s += math.Exp(v - mx)
	}
	return mx + math.Log(s)
}

// argmax is the index of the largest value, the first on ties.
func argmax(z []float64) int {
	best := 0
	for i, v := range z {
		if v > z[best] {
			best = i
		}
	}
	return best
}

// blasImpl is gonum's pure-Go BLAS, whose level-2 kernels are assembly.
var blasImpl gonum.Implementation

// linearModel is ŷ = w·x + b. Weights: the M coefficients, then the bias.
type linearModel struct {
	m   int
	mse bool // loss is rss/n instead of rss
	fb  rowChunks
}

func (l *linearModel) NumWeights() int { return l.m + 1 }

// LossGrad is the fused step: each row is read from memory once, and while
// it is still in cache its residual r = w·x + b − y is both squared into the
// loss and added, scaled, into the gradient (∂r²/∂w = 2r·x). The 2 and the
// 1/n are applied once at the end rather than per row.
func (l *linearModel) LossGrad(w []float64, d *Dataset, rows []int, grad []float64) float64 {
	if rows == nil {
		return l.fullBatch(w, d, grad)
	}
	n := len(rows)
	coef, b := w[:l.m], w[l.m]
	var loss float64
	if grad == nil {
		for k := 0; k < n; k++ {
			i := rowIndex(rows, k)
			r := floats.Dot(coef, d.X[i*l.m:(i+1)*l.m]) + b - d.Y[i]
			loss += r * r
		}
		return l.scale(loss, n)
	}
	zero(grad)
	g := grad[:l.m]
	var gb float64
	for k := 0; k < n; k++ {
		i := rowIndex(rows, k)
		x := d.X[i*l.m : (i+1)*l.m]
		r := floats.Dot(coef, x) + b - d.Y[i]
		loss += r * r
		floats.AddScaled(g, r, x)
		gb += r
	}
	grad[l.m] = gb
	floats.Scale(l.scale(2, n), grad)
	return l.scale(loss, n)
}

// scale divides by n for mse; over no rows the loss and gradient are 0.
func (l *linearModel) scale(v float64, n int) float64 {
	if !l.mse {
		return v
	}
	if n == 0 {
		return 0
	}
	return v / float64(n)
}

// polynomialModel is ŷ = b + Σ_j Σ_{p=1..D} w_{j,p}·x_j^p, with no cross
// terms. The powers are computed per row on the fly, so the data set is
// never expanded or copied. Weights: feature 0's powers 1..D, feature 1's
// powers 1..D, …, then the bias (M·D + 1 in all).
type polynomialModel struct {
	m, degree int
	mse       bool
	fb        rowChunks // the full batch, one chunk in row order (batch_polynomial.go)
}

func (p *polynomialModel) NumWeights() int { return p.m*p.degree + 1 }

func (p *polynomialModel) predict(w, x []float64) float64 {
	y := w[p.m*p.degree]
	for j, xj := range x {
		wj := w[j*p.degree : (j+1)*p.degree]
		pow := xj
		for _, c := range wj {
			y += c * pow
			pow *= xj
		}
	}
	return y
}

// LossGrad is one pass over the rows: the residual of a row, then its
// contribution to every power's gradient while the row is in cache.
func (p *polynomialModel) LossGrad(w []float64, d *Dataset, rows []int, grad []float64) float64 {
	if rows == nil {
		return p.fullBatch(w, d, grad)
	}
	n := rowCount(d, rows)
	zero(grad)
	loss := p.rows(w, d, rows, grad, 0, n, 0)
	if grad != nil {
		floats.Scale(p.scale(2, n), grad)
	}
	return p.scale(loss, n)
}

func (p *polynomialModel) scale(v float64, n int) float64 {
	if !p.mse {
		return v
	}
	if n == 0 {
		return 0
	}
	return v / float64(n)
}

var (
	_ Model      = (*linearModel)(nil)
	_ Model      = (*polynomialModel)(nil)
	_ Classifier = (*logisticModel)(nil)
	_ Classifier = (*softmaxModel)(nil)
)
