package trainer

import (
	"fmt"
	"math"
)

// MaxWeights is the most weights a model may have. Training keeps about
// seven vectors of that length per running trial (the weights, their
// gradient, the optimiser's velocity and moments, the start and the best
// weights so far), so ten million weights are some 560 MB per trial:
// more is a typo (an extra zero in a layer size), not a model to train
// on a CPU.
const MaxWeights = 10_000_000

// BytesPerWeight is what one weight costs a running trial: seven float64
// vectors of the model's length (see MaxWeights).
const BytesPerWeight = 7 * 8

// Weights is the number of weights spec has for m features and k classes
// (0 for a regression set), saturated at math.MaxInt instead of
// overflowing, so that any spec, however large, can be measured against
// MaxWeights before anything is allocated.
func Weights(spec ModelSpec, m, k int) int {
	switch spec.Kind {
	case KindFunction:
		return spec.Dimension
	case KindPolynomial:
		return satAdd(satMul(m, spec.Degree), 1)
	case KindSoftmax:
		return satMul(k, satAdd(m, 1))
	case KindMLP:
		out := 1
		if k > 0 {
			out = k
		}
		n, in := 0, m
		for _, h := range append(spec.Hidden[:len(spec.Hidden):len(spec.Hidden)], out) {
			n = satAdd(n, satMul(satAdd(in, 1), h))
			in = h
		}
		return n
	}
	return satAdd(m, 1) // linear, logistic
}

// satMul and satAdd are a*b and a+b for non-negative a and b, at most
// math.MaxInt.
func satMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}

func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// checkWeights refuses a model over MaxWeights before it is allocated:
// configs bounds what it can see, but a CSV's width is known only here.
func checkWeights(spec ModelSpec, m, k int) error {
	w := Weights(spec, m, k)
	if w <= MaxWeights {
		return nil
	}
	key, value := "", any(nil)
	switch spec.Kind {
	case KindFunction:
		key, value = "dimension", spec.Dimension
	case KindPolynomial:
		key, value = "degree", spec.Degree
	case KindMLP:
		key, value = "hidden", spec.Hidden
	default:
		return fmt.Errorf("model %s: %d features make %d weights, more than the %d allowed", spec.Kind, m, w, MaxWeights)
	}
	return &SettingError{Key: key, Value: value, Allowed: fmt.Sprintf("a model of at most %d weights (with %d features this one has %d)", MaxWeights, m, w)}
}
