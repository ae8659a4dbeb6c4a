package search

import "github.com/hpsearch/hpsearch/results"

// SetFinalOracle makes p judge by the trials' true final values (values
// as the trials report them, by trial number) at the early cuts, at the
// last rung, or both: BenchmarkEarlyStoppingReplay's bound on what a
// better ranking could gain (finalOracle).
func SetFinalOracle(p *Pruner, finals map[int]float64, early, last bool) {
	oriented := make(map[int]float64, len(finals))
	for n, v := range finals {
		oriented[n] = p.orient(v)
	}
	p.oracle = &finalOracle{finals: oriented, early: early, last: last}
}

// ExpectedFinal is auto's key at its last rung (expectedFinal), for
// BenchmarkEarlyStoppingRanking.
func ExpectedFinal(steps []int, vals []float64, horizon int, eta float64) float64 {
	v, _ := expectedFinal(steps, vals, horizon, eta)
	return v
}

// ModelInputs is p as coarse-to-fine-gp's model takes it (encoding): each
// numeric parameter in [0, 1] of its configured range, log ranges in log,
// a choice one-hot, an absent parameter in the middle.
func ModelInputs(space *Space, p results.Params) []float64 {
	return newEncoding(space).encode(space.coordinates(p))
}
