package trainer

import (
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// The step benchmarks' sizes: the linear one is large enough (102 MB) that
// X streams from memory, so it is compared with the cost of reading X once.
const (
	benchLinearN, benchLinearM = 200_000, 64
	benchMLPN, benchMLPM       = 10_000, 8
)

// benchLinearSet is built once and shared by BenchmarkLinearStepFused and
// BenchmarkPlainRead, so that both read the same memory in the same run.
var benchLinearSet = sync.OnceValue(func() *Dataset {
	return gaussRegressionSet(rand.New(rand.NewPCG(1, 2)), benchLinearN, benchLinearM)
})

// benchStep times full-batch LossGrad calls of one model on d.
func benchStep(b *testing.B, spec ModelSpec, d *Dataset) {
	m, err := NewModel(spec, d)
	if err != nil {
		b.Fatal(err)
	}
	w := gaussWeights(rand.New(rand.NewPCG(3, 4)), m.NumWeights(), 0.1)
	grad := make([]float64, m.NumWeights())
	b.SetBytes(int64(len(d.X)) * 8)
	b.ReportAllocs()
	for b.Loop() {
		m.LossGrad(w, d, nil, grad)
	}
}

// BenchmarkLinearStepFused is one full-batch loss and gradient of linear
// mse; it should cost at most 1.3× BenchmarkPlainRead.
func BenchmarkLinearStepFused(b *testing.B) {
	benchStep(b, ModelSpec{Kind: "linear", Loss: "mse"}, benchLinearSet())
}

// BenchmarkPlainRead sums every element of the linear benchmark's X: the
// cost of reading it once, the floor for any full-batch step.
func BenchmarkPlainRead(b *testing.B) {
	d := benchLinearSet()
	b.SetBytes(int64(len(d.X)) * 8)
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		sink += floats.Sum(d.X)
	}
	_ = sink
}

func BenchmarkMLPStep(b *testing.B) {
	d := gaussRegressionSet(rand.New(rand.NewPCG(5, 6)), benchMLPN, benchMLPM)
	benchStep(b, ModelSpec{Kind: "mlp", Hidden: []int{32}, Activation: "tanh", Loss: LossMSE}, d)
}

func BenchmarkSoftmaxStep(b *testing.B) {
	d := uniformClassSet(rand.New(rand.NewPCG(7, 8)), benchLinearN/10, benchLinearM, 10)
	benchStep(b, ModelSpec{Kind: "softmax", Loss: LossCrossEntropy}, d)
}

func BenchmarkLogisticStep(b *testing.B) {
	d := uniformClassSet(rand.New(rand.NewPCG(9, 10)), benchLinearN/10, benchLinearM, 2)
	benchStep(b, ModelSpec{Kind: "logistic", Loss: LossCrossEntropy}, d)
}

func BenchmarkPolynomialStep(b *testing.B) {
	d := gaussRegressionSet(rand.New(rand.NewPCG(11, 12)), benchLinearN/10, benchLinearM)
	benchStep(b, ModelSpec{Kind: "polynomial", Degree: 3, Loss: LossMSE}, d)
}
