package importance

import (
	"context"
	"math"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// BenchmarkCompute is a study of 2000 trials over four parameters, one of
// them log and one categorical.
func BenchmarkCompute(b *testing.B) {
	space := []results.Range{{Name: "learning_rate", Low: 1e-5, High: 1, Log: true}, {Name: "a", Low: 0, High: 1}, {Name: "b", Low: -1, High: 1}, {Name: "c", Low: 0, High: 1}}
	trials := sample(2000, 1, space, func(p map[string]float64) float64 {
		return math.Log(p["learning_rate"]) + p["a"]*p["b"] + 0.1*p["c"]
	})
	for b.Loop() {
		if _, err := Compute(context.Background(), trials, Options{Space: space, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
