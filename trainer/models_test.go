package trainer

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// gaussRegressionSet is an n×m data set with Gaussian features and a target that
// depends on them, so the losses are not dominated by noise.
func gaussRegressionSet(rng *rand.Rand, n, m int) *Dataset {
	d := &Dataset{X: make([]float64, n*m), Y: make([]float64, n), N: n, M: m}
	for i := range d.X {
		d.X[i] = rng.NormFloat64()
	}
	for i := range n {
		y := 0.5
		for j, x := range d.Row(i) {
			y += float64(j+1) * 0.3 * x
		}
		d.Y[i] = y + 0.1*rng.NormFloat64()
	}
	return d
}

// uniformClassSet is an n×m data set with labels drawn uniformly from k classes.
func uniformClassSet(rng *rand.Rand, n, m, k int) *Dataset {
	d := &Dataset{X: make([]float64, n*m), Y: make([]float64, n), N: n, M: m}
	for i := range d.X {
		d.X[i] = rng.NormFloat64()
	}
	for i := range d.Y {
		d.Y[i] = float64(rng.IntN(k))
	}
	for c := range k {
		d.Classes = append(d.Classes, string(rune('a'+c)))
	}
	return d
}

// subset copies the given rows into a new data set, the reference against
// which LossGrad's rows argument is checked.
func copyRows(d *Dataset, rows []int) *Dataset {
	s := &Dataset{N: len(rows), M: d.M, Classes: d.Classes}
	for _, i := range rows {
		s.X = append(s.X, d.Row(i)...)
		s.Y = append(s.Y, d.Y[i])
	}
	return s
}

func gaussWeights(rng *rand.Rand, n int, std float64) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = std * rng.NormFloat64()
	}
	return w
}

type modelCase struct {
	name string
	spec ModelSpec
	data func(rng *rand.Rand) *Dataset
}

func regressionData(n, m int) func(*rand.Rand) *Dataset {
	return func(rng *rand.Rand) *Dataset { return gaussRegressionSet(rng, n, m) }
}

func classData(n, m, k int) func(*rand.Rand) *Dataset {
	return func(rng *rand.Rand) *Dataset { return uniformClassSet(rng, n, m, k) }
}

// modelCases is every data model with every loss it allows.
// The linear, logistic and softmax sets have 23 rows: one full block of
// blockRows, then a partial block whose length is not a multiple of 4, so
// every branch of the blocked full-batch kernels runs.
var modelCases = []modelCase{
	{"linear/mse/2", ModelSpec{Kind: KindLinear, Loss: LossMSE}, regressionData(23, 3)},
	{"linear/rss", ModelSpec{Kind: "linear", Loss: "rss"}, regressionData(23, 3)},
	{"linear/mse", ModelSpec{Kind: "linear", Loss: "mse"}, regressionData(23, 3)},
	{"polynomial/deg3/rss", ModelSpec{Kind: "polynomial", Degree: 3, Loss: "rss"}, regressionData(20, 3)},
	{"polynomial/deg3/mse", ModelSpec{Kind: "polynomial", Degree: 3, Loss: "mse"}, regressionData(20, 3)},
	{"polynomial/deg2/mse", ModelSpec{Kind: "polynomial", Loss: LossMSE, Degree: 2}, regressionData(20, 2)},
	{"logistic/cross_entropy", ModelSpec{Kind: "logistic", Loss: "cross_entropy"}, classData(23, 3, 2)},
	{"softmax/3classes", ModelSpec{Kind: "softmax", Loss: "cross_entropy"}, classData(23, 3, 3)},
	{"mlp/tanh/mse", ModelSpec{Kind: "mlp", Hidden: []int{5}, Loss: "mse", Activation: "tanh"}, regressionData(15, 3)},
	{"mlp/tanh/rss", ModelSpec{Kind: "mlp", Hidden: []int{5}, Activation: "tanh", Loss: "rss"}, regressionData(15, 3)},
	{"mlp/sigmoid/mse", ModelSpec{Kind: "mlp", Hidden: []int{5}, Activation: "sigmoid", Loss: "mse"}, regressionData(15, 3)},
	// ReLU is not differentiable at 0. A central difference with step h only
	// crosses the kink when a hidden pre-activation is within about h of 0;
	// with this fixed seed none is, so the same tolerance applies. (A kink
	// crossing would make the check fail, never pass wrongly.)
	{"mlp/relu/mse", ModelSpec{Kind: "mlp", Hidden: []int{5}, Activation: "relu", Loss: "mse"}, regressionData(15, 3)},
	{"mlp/relu/classes", ModelSpec{Kind: "mlp", Hidden: []int{4}, Activation: "relu", Loss: LossCrossEntropy}, classData(15, 3, 3)},
	{"mlp/2layers/tanh/mse", ModelSpec{Kind: "mlp", Hidden: []int{4, 3}, Loss: "mse", Activation: "tanh"}, regressionData(15, 3)},
	{"mlp/2layers/sigmoid/classes", ModelSpec{Kind: "mlp", Hidden: []int{4, 3}, Activation: "sigmoid", Loss: "cross_entropy"}, classData(15, 3, 3)},
	{"mlp/16/2classes", ModelSpec{Kind: "mlp", Hidden: []int{16}, Activation: "tanh", Loss: LossCrossEntropy}, classData(10, 2, 2)},
}

// centralDiffGrad is the central-difference gradient of the model's loss.
func centralDiffGrad(m Model, w []float64, d *Dataset, rows []int, h float64) []float64 {
	g := make([]float64, len(w))
	x := slices.Clone(w)
	for i := range x {
		x[i] = w[i] + h
		up := m.LossGrad(x, d, rows, nil)
		x[i] = w[i] - h
		down := m.LossGrad(x, d, rows, nil)
		x[i] = w[i]
		g[i] = (up - down) / (2 * h)
	}
	return g
}

func TestLossGradMatchesFiniteDifferences(t *testing.T) {
	const (
		h   = 1e-5
		tol = 1e-5
	)
	for ci, tc := range modelCases {
		rng := rand.New(rand.NewPCG(42, uint64(ci)))
		d := tc.data(rng)
		m, err := NewModel(tc.spec, d)
		if err != nil {
			t.Fatalf("%s: NewModel: %v", tc.name, err)
		}
		w := gaussWeights(rng, m.NumWeights(), 0.5)
		for _, rows := range [][]int{nil, {0, 3, 4, 7, 7, 9}} {
			name := tc.name + "/all"
			if rows != nil {
				name = tc.name + "/subset"
			}
			t.Run(name, func(t *testing.T) {
				wBefore, xBefore, yBefore := slices.Clone(w), slices.Clone(d.X), slices.Clone(d.Y)
				grad := make([]float64, m.NumWeights())
				loss := m.LossGrad(w, d, rows, grad)
				if lossOnly := m.LossGrad(w, d, rows, nil); lossOnly != loss {
					t.Errorf("loss without gradient = %v, with gradient = %v", lossOnly, loss)
				}
				if !slices.Equal(w, wBefore) || !slices.Equal(d.X, xBefore) || !slices.Equal(d.Y, yBefore) {
					t.Fatal("LossGrad modified its weights or data")
				}
				num := centralDiffGrad(m, w, d, rows, h)
				for i := range grad {
					scale := max(math.Abs(grad[i]), math.Abs(num[i]), 1)
					if rel := math.Abs(grad[i]-num[i]) / scale; rel > tol {
						t.Errorf("grad[%d] = %.10g, finite difference %.10g (relative error %.2g > %g)", i, grad[i], num[i], rel, tol)
					}
				}
				if rows != nil {
					// The rows argument must mean exactly "the data set of those rows".
					ref := copyRows(d, rows)
					refGrad := make([]float64, m.NumWeights())
					refLoss := m.LossGrad(w, ref, nil, refGrad)
					if !relClose(loss, refLoss, 1e-12) {
						t.Errorf("loss over rows %v = %v, over a copy of them %v", rows, loss, refLoss)
					}
					for i := range grad {
						if !relClose(grad[i], refGrad[i], 1e-12) {
							t.Errorf("grad[%d] over rows = %v, over a copy = %v", i, grad[i], refGrad[i])
						}
					}
				}
			})
		}
	}
}

func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, math.Abs(a), math.Abs(b))
}

// threeRowSet is y against one feature: with w = 2, b = 1 the predictions are
// 3, 5, 7, the residuals y − ŷ are 0, −1, 1 and the RSS is 2.
func threeRowSet() *Dataset {
	return &Dataset{X: []float64{1, 2, 3}, Y: []float64{3, 4, 8}, N: 3, M: 1}
}

func TestSquaredErrorLossesByHand(t *testing.T) {
	w := []float64{2, 1}
	tests := []struct {
		name     string
		loss     string
		rows     []int
		want     float64
		wantGrad []float64 // rss: −2·Σ (y−ŷ)·x and −2·Σ (y−ŷ); mse: the same over n
	}{
		{"rss all rows", "rss", nil, 0*0 + 1*1 + 1*1, []float64{-2 * (0*1 - 1*2 + 1*3), 0}},
		{"mse all rows", "mse", nil, 2.0 / 3, []float64{-2.0 / 3, 0}},
		{"rss rows 1,2", "rss", []int{1, 2}, 2, []float64{-2, 0}},
		{"mse rows 1,2", "mse", []int{1, 2}, 1, []float64{-1, 0}},
		{"rss row 1", "rss", []int{1}, 1, []float64{4, 2}},
		{"mse no rows", "mse", []int{}, 0, []float64{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(ModelSpec{Kind: "linear", Loss: tc.loss}, threeRowSet())
			if err != nil {
				t.Fatal(err)
			}
			grad := make([]float64, 2)
			if got := m.LossGrad(w, threeRowSet(), tc.rows, grad); !relClose(got, tc.want, 1e-15) {
				t.Errorf("loss = %v, want %v", got, tc.want)
			}
			if !slices.EqualFunc(grad, tc.wantGrad, func(a, b float64) bool { return relClose(a, b, 1e-15) }) {
				t.Errorf("grad = %v, want %v", grad, tc.wantGrad)
			}
		})
	}
}

func TestPolynomialByHand(t *testing.T) {
	// Two features, degree 3. Layout: x0, x0², x0³, x1, x1², x1³, bias.
	d := &Dataset{X: []float64{2, -1}, Y: []float64{0}, N: 1, M: 2}
	w := []float64{1, 0.5, 0.25, 3, 0, -1, 0.5}
	// ŷ = 2 + 0.5·4 + 0.25·8 + 3·(−1) − 1·(−1) + 0.5 = 4.5
	m, err := NewModel(ModelSpec{Kind: "polynomial", Degree: 3, Loss: "rss"}, d)
	if err != nil {
		t.Fatal(err)
	}
	if m.NumWeights() != 7 {
		t.Fatalf("NumWeights = %d, want 7", m.NumWeights())
	}
	grad := make([]float64, 7)
	if got := m.LossGrad(w, d, nil, grad); got != 4.5*4.5 {
		t.Errorf("rss = %v, want %v", got, 4.5*4.5)
	}
	want := []float64{9 * 2, 9 * 4, 9 * 8, 9 * -1, 9 * 1, 9 * -1, 9}
	if !slices.Equal(grad, want) {
		t.Errorf("grad = %v, want %v", grad, want)
	}
}

func TestCrossEntropyByHand(t *testing.T) {
	binary := &Dataset{X: []float64{0, 2}, Y: []float64{1, 0}, N: 2, M: 1, Classes: []string{"no", "yes"}}
	three := &Dataset{X: []float64{1, -1}, Y: []float64{2, 0}, N: 2, M: 1, Classes: []string{"a", "b", "c"}}
	extreme := &Dataset{X: []float64{1000, 1000}, Y: []float64{1, 0}, N: 2, M: 1, Classes: []string{"no", "yes"}}
	tests := []struct {
		name string
		kind string
		d    *Dataset
		w    []float64
		want float64
	}{
		{"logistic zero weights", "logistic", binary, []float64{0, 0}, math.Ln2},
		// Row 0: z = 0, y = 1: −log σ(0) = log 2. Row 1: z = 2, y = 0: −log(1−σ(2)) = log(1+e²).
		{"logistic by hand", "logistic", binary, []float64{1, 0}, (math.Ln2 + math.Log(1+math.Exp(2))) / 2},
		// z = 1000: no overflow; row 0 costs ≈ 0, row 1 ≈ 1000.
		{"logistic huge logits stay finite", "logistic", extreme, []float64{1, 0}, 500},
		{"softmax zero weights", "softmax", three, make([]float64, 6), math.Log(3)},
		// Class blocks (w, b): a = (1, 0), b = (0, 0), c = (−1, 0).
		// Row 0: x = 1, logits (1, 0, −1), y = c. Row 1: x = −1, logits (−1, 0, 1), y = a.
		// Both rows cost log(e + 1 + 1/e) + 1.
		{"softmax by hand", "softmax", three, []float64{1, 0, 0, 0, -1, 0}, math.Log(math.E+1+1/math.E) + 1},
		{"softmax huge logits stay finite", "softmax", &Dataset{X: []float64{1000}, Y: []float64{0}, N: 1, M: 1, Classes: []string{"a", "b"}},
			[]float64{1, 0, -1, 0}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(ModelSpec{Kind: tc.kind, Loss: LossCrossEntropy}, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			grad := make([]float64, m.NumWeights())
			got := m.LossGrad(tc.w, tc.d, nil, grad)
			if !relClose(got, tc.want, 1e-12) {
				t.Errorf("cross-entropy = %.15g, want %.15g", got, tc.want)
			}
			for i, g := range grad {
				if math.IsNaN(g) || math.IsInf(g, 0) {
					t.Errorf("grad[%d] = %v", i, g)
				}
			}
		})
	}
}

func TestNewModelErrors(t *testing.T) {
	reg := &Dataset{X: []float64{1, 2}, Y: []float64{1, 2}, N: 2, M: 1}
	two := &Dataset{X: []float64{1, 2}, Y: []float64{0, 1}, N: 2, M: 1, Classes: []string{"a", "b"}}
	three := &Dataset{X: []float64{1, 2}, Y: []float64{0, 2}, N: 2, M: 1, Classes: []string{"a", "b", "c"}}
	tests := []struct {
		name string
		spec ModelSpec
		d    *Dataset
		want []string // substrings of the error
	}{
		{"unknown kind", ModelSpec{Kind: "svm"}, reg, []string{`"svm"`, "linear, polynomial, logistic, softmax, mlp, function"}},
		{"no data", ModelSpec{Kind: KindLinear, Loss: LossMSE}, nil, []string{"data set is required"}},
		{"short X", ModelSpec{Kind: KindLinear, Loss: LossMSE}, &Dataset{X: []float64{1}, Y: []float64{1, 2}, N: 2, M: 1}, []string{"inconsistent"}},
		{"label out of range", ModelSpec{Kind: "softmax", Loss: LossCrossEntropy}, &Dataset{X: []float64{1, 2}, Y: []float64{0, 3}, N: 2, M: 1, Classes: []string{"a", "b"}}, []string{"row 1", "0..1"}},
		{"fractional label", ModelSpec{Kind: "logistic", Loss: LossCrossEntropy}, &Dataset{X: []float64{1, 2}, Y: []float64{0.5, 1}, N: 2, M: 1, Classes: []string{"a", "b"}}, []string{"row 0", "0.5"}},
		{"logistic on regression", ModelSpec{Kind: "logistic", Loss: LossCrossEntropy}, reg, []string{"classifier", "linear, polynomial or mlp"}},
		{"softmax on regression", ModelSpec{Kind: "softmax", Loss: LossCrossEntropy}, reg, []string{"classifier"}},
		{"linear on classes", ModelSpec{Kind: "linear", Loss: LossMSE}, two, []string{"regression model", "logistic, softmax or mlp"}},
		{"default kind on classes", ModelSpec{Kind: KindLinear, Loss: LossMSE}, two, []string{"regression model"}},
		{"polynomial on classes", ModelSpec{Kind: "polynomial", Loss: LossMSE, Degree: 2}, three, []string{"3 classes"}},
		{"logistic with 3 classes", ModelSpec{Kind: "logistic", Loss: LossCrossEntropy}, three, []string{"3 classes", "softmax"}},
		{"linear cross_entropy", ModelSpec{Kind: "linear", Loss: "cross_entropy"}, reg, []string{`"cross_entropy"`, "allowed: rss, mse"}},
		{"polynomial unknown loss", ModelSpec{Kind: "polynomial", Loss: "mae", Degree: 2}, reg, []string{`loss must be one of rss, mse, cross_entropy, got "mae"`}},
		{"logistic mse", ModelSpec{Kind: "logistic", Loss: "mse"}, two, []string{`"mse"`, "allowed: cross_entropy"}},
		{"softmax rss", ModelSpec{Kind: "softmax", Loss: "rss"}, three, []string{"allowed: cross_entropy"}},
		{"mlp classes mse", ModelSpec{Kind: "mlp", Loss: "mse", Hidden: []int{16}, Activation: "tanh"}, three, []string{"classification", "allowed: cross_entropy"}},
		{"mlp regression cross_entropy", ModelSpec{Kind: "mlp", Loss: "cross_entropy", Hidden: []int{16}, Activation: "tanh"}, reg, []string{"regression", "allowed: rss, mse"}},
		{"negative degree", ModelSpec{Kind: "polynomial", Degree: -1, Loss: LossMSE}, reg, []string{"degree must be >= 1, got -1"}},
		// No zero-value defaults: each field the kind uses must be given.
		{"no kind", ModelSpec{Loss: LossMSE}, reg, []string{`kind must be one of linear, polynomial, logistic, softmax, mlp, function, got ""`}},
		{"no loss", ModelSpec{Kind: KindLinear}, reg, []string{`loss must be one of rss, mse, cross_entropy, got ""`}},
		{"polynomial without degree", ModelSpec{Kind: "polynomial", Loss: LossMSE}, reg, []string{"degree must be >= 1, got 0"}},
		{"mlp without hidden", ModelSpec{Kind: "mlp", Activation: "tanh", Loss: LossMSE}, reg, []string{"hidden must be at least one layer, got []"}},
		{"mlp without activation", ModelSpec{Kind: "mlp", Hidden: []int{4}, Loss: LossMSE}, reg, []string{`activation must be one of tanh, relu, sigmoid, got ""`}},
		{"zero hidden units", ModelSpec{Kind: "mlp", Hidden: []int{4, 0}, Activation: "tanh", Loss: LossMSE}, reg, []string{"hidden must be layers of 1 or more units, got [4 0]"}},
		{"negative hidden units", ModelSpec{Kind: "mlp", Hidden: []int{-3}, Activation: "tanh", Loss: LossMSE}, reg, []string{"hidden must be layers of 1 or more units, got [-3]"}},
		{"unknown activation", ModelSpec{Kind: "mlp", Activation: "gelu", Hidden: []int{16}}, reg, []string{`"gelu"`, "tanh, relu, sigmoid"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(tc.spec, tc.d)
			if err == nil {
				t.Fatalf("NewModel(%+v) = %T, want an error", tc.spec, m)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestNumWeightsAndClassifier(t *testing.T) {
	reg := gaussRegressionSet(rand.New(rand.NewPCG(1, 1)), 5, 4)
	cls := uniformClassSet(rand.New(rand.NewPCG(1, 2)), 5, 4, 3)
	bin := uniformClassSet(rand.New(rand.NewPCG(1, 3)), 5, 4, 2)
	tests := []struct {
		name       string
		spec       ModelSpec
		d          *Dataset
		weights    int
		classifier bool
	}{
		{"linear", ModelSpec{Kind: KindLinear, Loss: LossMSE}, reg, 5, false},
		{"polynomial degree 2", ModelSpec{Kind: "polynomial", Loss: LossMSE, Degree: 2}, reg, 9, false},
		{"polynomial degree 4", ModelSpec{Kind: "polynomial", Degree: 4, Loss: LossMSE}, reg, 17, false},
		{"logistic", ModelSpec{Kind: "logistic", Loss: LossCrossEntropy}, bin, 5, true},
		{"softmax", ModelSpec{Kind: "softmax", Loss: LossCrossEntropy}, cls, 15, true},
		{"mlp hidden 16", ModelSpec{Kind: "mlp", Hidden: []int{16}, Activation: "tanh", Loss: LossMSE}, reg, (4+1)*16 + (16 + 1), false},
		{"mlp 2 layers classes", ModelSpec{Kind: "mlp", Hidden: []int{6, 5}, Activation: "tanh", Loss: LossCrossEntropy}, cls, (4+1)*6 + (6+1)*5 + (5+1)*3, true},
		// Kind function is delegated to the landscapes, which need no data.
		{"function", ModelSpec{Kind: "function", Function: "rosenbrock", Dimension: 2}, nil, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(tc.spec, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if m.NumWeights() != tc.weights {
				t.Errorf("NumWeights = %d, want %d", m.NumWeights(), tc.weights)
			}
			if _, ok := m.(Classifier); ok != tc.classifier {
				t.Errorf("implements Classifier = %v, want %v", ok, tc.classifier)
			}
		})
	}
}

func TestAccuracyByHand(t *testing.T) {
	bin := &Dataset{X: []float64{1, -1, 2, -3}, Y: []float64{1, 0, 0, 0}, N: 4, M: 1, Classes: []string{"n", "y"}}
	three := &Dataset{X: []float64{1, -1, 0.1, 5}, Y: []float64{2, 0, 1, 1}, N: 4, M: 1, Classes: []string{"a", "b", "c"}}
	mlpSet := &Dataset{X: []float64{1, -1, 2, -3}, Y: []float64{0, 1, 1, 1}, N: 4, M: 1, Classes: []string{"a", "b"}}
	tests := []struct {
		name string
		spec ModelSpec
		d    *Dataset
		w    []float64
		want float64
	}{
		// z = x: predicts 1, 0, 1, 0 against labels 1, 0, 0, 0.
		{"logistic", ModelSpec{Kind: "logistic", Loss: LossCrossEntropy}, bin, []float64{1, 0}, 0.75},
		// logits (x, 0.5, −x) for classes a, b, c: predicts a, c, b, a against c, a, b, b.
		{"softmax", ModelSpec{Kind: "softmax", Loss: LossCrossEntropy}, three, []float64{1, 0, 0, 0.5, -1, 0}, 0.25},
		// Hidden unit h = tanh(x) (weight 1, bias 0); logits (h, −h) (weights 1, −1,
		// biases 0, 0): predicts a for x > 0, b otherwise: a, b, a, b against a, b, b, b.
		{"mlp classes", ModelSpec{Kind: "mlp", Hidden: []int{1}, Activation: "tanh", Loss: LossCrossEntropy}, mlpSet, []float64{1, 0, 1, -1, 0, 0}, 0.75},
		{"no rows", ModelSpec{Kind: "logistic", Loss: LossCrossEntropy}, &Dataset{Classes: []string{"n", "y"}}, []float64{1, 0}, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(tc.spec, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			got := m.(Classifier).Accuracy(tc.w, tc.d)
			if got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want)) {
				t.Errorf("Accuracy = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLossGradDoesNotAllocate(t *testing.T) {
	for ci, tc := range modelCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(ci)))
			d := tc.data(rng)
			m, err := NewModel(tc.spec, d)
			if err != nil {
				t.Fatal(err)
			}
			w := gaussWeights(rng, m.NumWeights(), 0.5)
			grad := make([]float64, m.NumWeights())
			rows := []int{1, 2, 5}
			calls := map[string]func(){
				"all rows, gradient":   func() { m.LossGrad(w, d, nil, grad) },
				"all rows, loss only":  func() { m.LossGrad(w, d, nil, nil) },
				"mini-batch, gradient": func() { m.LossGrad(w, d, rows, grad) },
			}
			if c, ok := m.(Classifier); ok {
				calls["accuracy"] = func() { c.Accuracy(w, d) }
			}
			for what, f := range calls {
				if allocs := testing.AllocsPerRun(20, f); allocs != 0 {
					t.Errorf("%s: %v allocations per call, want 0", what, allocs)
				}
			}
		})
	}
}
