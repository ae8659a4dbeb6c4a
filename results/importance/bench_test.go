//go:build unix

package importance

import (
	"context"
	"math"
	"syscall"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// BenchmarkCompute is a study of 2000 trials over four parameters, one of
// them log-scaled. It also reports cpu-ns/op, the process's CPU time per
// op (the trees grow on every core): on a machine shared with other work
// the wall-clock ns/op counts the others' time too.
func BenchmarkCompute(b *testing.B) {
	space := []results.Range{{Name: "learning_rate", Low: 1e-5, High: 1, Log: true}, {Name: "a", Low: 0, High: 1}, {Name: "b", Low: -1, High: 1}, {Name: "c", Low: 0, High: 1}}
	trials := sample(2000, 1, space, func(p map[string]float64) float64 {
		return math.Log(p["learning_rate"]) + p["a"]*p["b"] + 0.1*p["c"]
	})
	start := processCPU()
	for b.Loop() {
		if _, err := Compute(context.Background(), trials, Options{Space: space, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

func processCPU() int64 {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return r.Utime.Nano() + r.Stime.Nano()
}
