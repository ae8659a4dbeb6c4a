package search

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
