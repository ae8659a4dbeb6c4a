package trainer

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// The step benchmarks' sizes. The linear one (102 MB) streams from memory
// on a machine with a smaller last-level cache and sits in a large one, so
// BenchmarkLinearStepLarge repeats it on 2 GB, four times the largest
// last-level caches (480 MB), which no cache holds.
const (
	benchLinearN, benchLinearM = 200_000, 64
	benchLargeN                = 4_000_000 // × 64 × 8 bytes = 2 GB
	benchMLPN, benchMLPM       = 10_000, 8
)

// benchLinearSet is built once and shared by BenchmarkLinearStepFused and
// BenchmarkPlainRead, so that both read the same memory in the same run.
var benchLinearSet = sync.OnceValue(func() *Dataset {
	return gaussRegressionSet(rand.New(rand.NewPCG(1, 2)), benchLinearN, benchLinearM)
})

// benchStep times full-batch LossGrad calls of one model on d, on one
// core: every core token is held for the benchmark (the benchmark's own
// goroutine holds none, as a runner's trial would), so the step borrows
// nothing and is compared with a plain read on one core.
func benchStep(b *testing.B, spec ModelSpec, d *Dataset) {
	if maxHelpers > 0 {
		if !cores.TryAcquire(int64(maxHelpers + 1)) {
			b.Fatal("the cores a step borrows are in use")
		}
		defer cores.Release(int64(maxHelpers + 1))
	}
	benchSteps(b, spec, d)
}

// benchSteps times full-batch LossGrad calls, borrowing the free cores.
func benchSteps(b *testing.B, spec ModelSpec, d *Dataset) {
	m, err := NewModel(spec, d)
	if err != nil {
		b.Fatal(err)
	}
	w := gaussWeights(rand.New(rand.NewPCG(3, 4)), m.NumWeights(), 0.1)
	grad := make([]float64, m.NumWeights())
	b.SetBytes(int64(len(d.X)) * 8)
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		m.LossGrad(w, d, nil, grad)
	}
}

// reportCPU adds cpu-ns/op, the CPU time of the benchmark's thread per
// op, where the OS tells it (Linux): on a machine shared with other work
// the wall-clock ns/op also counts the time the others ran. It covers the
// calling thread only, so it is meaningful for one-core benchmarks.
func reportCPU(b *testing.B) (stop func()) {
	runtime.LockOSThread()
	start, ok := threadCPU()
	return func() {
		end, _ := threadCPU()
		runtime.UnlockOSThread()
		if ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkLinearStepFused is one full-batch loss and gradient of linear
// mse; it should cost at most 1.3× BenchmarkPlainRead.
func BenchmarkLinearStepFused(b *testing.B) {
	benchStep(b, ModelSpec{Kind: "linear", Loss: "mse"}, benchLinearSet())
}

// BenchmarkLinearStepAllCores is BenchmarkLinearStepFused with the other
// cores lent to the step, as for a lone trial.
func BenchmarkLinearStepAllCores(b *testing.B) {
	benchSteps(b, ModelSpec{Kind: "linear", Loss: "mse"}, benchLinearSet())
}

// BenchmarkPlainRead sums every element of the linear benchmark's X: the
// cost of reading it once, the floor for any full-batch step.
func BenchmarkPlainRead(b *testing.B) {
	benchRead(b, benchLinearSet())
}

func benchRead(b *testing.B, d *Dataset) {
	b.SetBytes(int64(len(d.X)) * 8)
	b.ReportAllocs()
	defer reportCPU(b)()
	var sink float64
	for b.Loop() {
		sink += floats.Sum(d.X)
	}
	_ = sink
}

// benchLargeSet is the 2 GB linear data set, or a reason to skip: it is
// left out under -short and on a machine without the memory to spare.
var benchLargeSet = sync.OnceValues(func() (*Dataset, string) {
	if testing.Short() {
		return nil, "2 GB of data: skipped under -short"
	}
	const need = 2 * benchLargeN * benchLinearM * 8 // the data, and as much again to spare
	if avail, ok := availableMemory(); !ok || avail < need {
		return nil, fmt.Sprintf("2 GB of data: %d MB of memory available, want %d MB", avail>>20, need>>20)
	}
	return gaussRegressionSet(rand.New(rand.NewPCG(13, 14)), benchLargeN, benchLinearM), ""
})

// availableMemory is MemAvailable of /proc/meminfo in bytes; false where
// there is none.
func availableMemory() (uint64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb uint64
		if _, err := fmt.Sscanf(line, "MemAvailable: %d kB", &kb); err == nil {
			return kb << 10, true
		}
	}
	return 0, false
}

// BenchmarkLinearStepLarge and BenchmarkPlainReadLarge are the fused step
// and the plain read on 2 GB, from memory on any machine.
func BenchmarkLinearStepLarge(b *testing.B) {
	d, skip := benchLargeSet()
	if d == nil {
		b.Skip(skip)
	}
	benchStep(b, ModelSpec{Kind: "linear", Loss: "mse"}, d)
}

func BenchmarkPlainReadLarge(b *testing.B) {
	d, skip := benchLargeSet()
	if d == nil {
		b.Skip(skip)
	}
	benchRead(b, d)
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
