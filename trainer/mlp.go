package trainer

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/floats"
)

// activation is a hidden layer's nonlinearity.
type activation int

const (
	actTanh activation = iota
	actReLU
	actSigmoid
)

var activationNames = []string{"tanh", "relu", "sigmoid"}

func parseActivation(name string) (activation, error) {
	switch name {
	case "tanh":
		return actTanh, nil
	case "relu":
		return actReLU, nil
	case "sigmoid":
		return actSigmoid, nil
	}
	return 0, fmt.Errorf("model mlp: activation %q is unknown (allowed: %s)", name, strings.Join(activationNames, ", "))
}

// apply replaces each pre-activation in z by its activation.
func (a activation) apply(z []float64) {
	switch a {
	case actTanh:
		for i, v := range z {
			z[i] = math.Tanh(v)
		}
	case actReLU:
		for i, v := range z {
			z[i] = max(v, 0)
		}
	case actSigmoid:
		for i, v := range z {
			z[i] = sigmoid(v)
		}
	}
}

// backprop multiplies delta by the activation's derivative, written in terms
// of the activation value out (so the pre-activations need not be kept).
// ReLU's derivative at exactly 0 is taken as 0.
func (a activation) backprop(delta, out []float64) {
	switch a {
	case actTanh:
		for i, v := range out {
			delta[i] *= 1 - v*v
		}
	case actReLU:
		for i, v := range out {
			if v <= 0 {
				delta[i] = 0
			}
		}
	case actSigmoid:
		for i, v := range out {
			delta[i] *= v * (1 - v)
		}
	}
}

// mlp is a fully connected network: M inputs, the hidden layers, then one
// linear output (regression) or K softmax outputs (classification).
//
// Weight layout: the layers in order from the input; layer l, mapping
// sizes[l] inputs to sizes[l+1] outputs, is a row-major sizes[l+1]×sizes[l]
// matrix (row j holds unit j's input weights) followed by its sizes[l+1]
// biases. So NumWeights = Σ_l (sizes[l]+1)·sizes[l+1].
type mlp struct {
	sizes    []int // layer widths: M, hidden…, outputs
	offsets  []int // start of layer l's block in the weight vector
	act      activation
	classes  bool // softmax output and cross-entropy; otherwise one linear output
	mse      bool // regression: rss/n instead of rss
	nWeights int

	// Per-row scratch, allocated once. acts[l] (l ≥ 1) holds layer l's
	// outputs; deltas[l] holds ∂loss/∂ of layer l's pre-activations. Index 0
	// stands for the input row, which is read in place and never kept.
	acts   [][]float64
	deltas [][]float64
}

// mlpClassifier is an mlp trained on classes; it adds Accuracy.
type mlpClassifier struct{ *mlp }

func newMLP(spec ModelSpec, m, k int, mse bool) (Model, error) {
	act, err := parseActivation(spec.Activation)
	if err != nil {
		return nil, err
	}
	hidden := spec.Hidden // validated: at least one layer, each of 1 or more units
	out := 1
	if k > 0 {
		out = k
	}
	sizes := make([]int, 0, len(hidden)+2)
	sizes = append(append(append(sizes, m), hidden...), out)

	n := &mlp{sizes: sizes, act: act, classes: k > 0, mse: mse}
	layers := len(sizes) - 1
	n.offsets = make([]int, layers)
	for l := range layers {
		n.offsets[l] = n.nWeights
		n.nWeights += (sizes[l] + 1) * sizes[l+1]
	}
	n.acts = make([][]float64, len(sizes))
	n.deltas = make([][]float64, len(sizes))
	for l := 1; l < len(sizes); l++ {
		n.acts[l] = make([]float64, sizes[l])
		n.deltas[l] = make([]float64, sizes[l])
	}
	if n.classes {
		return mlpClassifier{n}, nil
	}
	return n, nil
}

func (n *mlp) NumWeights() int { return n.nWeights }

// layer returns layer l's weight matrix (row-major) and biases within w.
func (n *mlp) layer(w []float64, l int) (mat, bias []float64) {
	in, out := n.sizes[l], n.sizes[l+1]
	start := n.offsets[l]
	return w[start : start+in*out], w[start+in*out : start+(in+1)*out]
}

// input is what layer l reads: the row x for the first layer, the previous
// layer's outputs otherwise.
func (n *mlp) input(l int, x []float64) []float64 {
	if l == 0 {
		return x
	}
	return n.acts[l]
}

// forward fills acts for input row x; the last layer is left as raw
// outputs (the prediction, or the logits for classes).
func (n *mlp) forward(w, x []float64) {
	last := len(n.sizes) - 2
	for l := 0; l <= last; l++ {
		mat, bias := n.layer(w, l)
		in, out := n.input(l, x), n.acts[l+1]
		copy(out, bias)
		if len(in) > 0 { // Dgemv rejects a zero-width matrix
			// One matrix-vector call beats a Dot per unit on short rows.
			blasImpl.Dgemv(blas.NoTrans, len(out), len(in), 1, mat, len(in), in, 1, 1, out, 1)
		}
		if l < last {
			n.act.apply(out)
		}
	}
}

// backward accumulates into grad the gradient of the row whose output
// delta is in deltas[last], propagating through the layers' weights.
func (n *mlp) backward(w, x, grad []float64) {
	for l := len(n.sizes) - 2; l >= 0; l-- {
		delta, in := n.deltas[l+1], n.input(l, x)
		gmat, gbias := n.layer(grad, l)
		width := len(in)
		floats.Add(gbias, delta)
		if width == 0 {
			break // no inputs: nothing to weight or propagate
		}
		// ∂loss/∂W = delta ⊗ in, a rank-1 update.
		blasImpl.Dger(len(delta), width, 1, delta, 1, in, 1, gmat, width)
		if l == 0 {
			break // the inputs need no delta
		}
		mat, _ := n.layer(w, l)
		prev := n.deltas[l]
		blasImpl.Dgemv(blas.Trans, len(delta), width, 1, mat, width, delta, 1, 0, prev, 1)
		n.act.backprop(prev, n.acts[l])
	}
}

// LossGrad does forward and, when grad is wanted, backpropagation row by
// row; the row's gradient is added straight into grad, and the constant
// factor of the loss (2 or 2/n for squared errors, 1/n for cross-entropy)
// is applied once at the end.
func (n *mlp) LossGrad(w []float64, d *Dataset, rows []int, grad []float64) float64 {
	count := rowCount(d, rows)
	m := n.sizes[0]
	outs, outDelta := n.acts[len(n.acts)-1], n.deltas[len(n.deltas)-1]
	zero(grad)
	var loss float64
	for k := 0; k < count; k++ {
		i := rowIndex(rows, k)
		x := d.X[i*m : (i+1)*m]
		n.forward(w, x)
		if n.classes {
			y := int(d.Y[i])
			lse := logSumExp(outs)
			loss += lse - outs[y]
			for c, z := range outs {
				outDelta[c] = math.Exp(z - lse)
			}
			outDelta[y]--
		} else {
			r := outs[0] - d.Y[i]
			loss += r * r
			outDelta[0] = r
		}
		if grad != nil {
			n.backward(w, x, grad)
		}
	}
	if count == 0 {
		return 0
	}
	gradScale, lossScale := 1/float64(count), 1/float64(count)
	if !n.classes {
		gradScale, lossScale = 2, 1
		if n.mse {
			gradScale, lossScale = 2/float64(count), 1/float64(count)
		}
	}
	if grad != nil {
		floats.Scale(gradScale, grad)
	}
	return loss * lossScale
}

// Accuracy predicts the class with the largest output.
func (c mlpClassifier) Accuracy(w []float64, d *Dataset) float64 {
	if d.N == 0 {
		return math.NaN()
	}
	outs := c.acts[len(c.acts)-1]
	correct := 0
	for i := 0; i < d.N; i++ {
		c.forward(w, d.Row(i))
		if argmax(outs) == int(d.Y[i]) {
			correct++
		}
	}
	return float64(correct) / float64(d.N)
}

var (
	_ Model      = (*mlp)(nil)
	_ Model      = mlpClassifier{}
	_ Classifier = mlpClassifier{}
)
