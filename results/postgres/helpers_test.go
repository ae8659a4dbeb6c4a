package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// openTest opens a store in a fresh schema of the test database.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	url := pgtest.URL(t)
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// waitingTrials are n trials of study as a strategy proposes them.
func waitingTrials(study string, from, n int) []results.Trial {
	out := make([]results.Trial, n)
	for i := range out {
		num := from + i
		out[i] = results.Trial{Study: study, Number: num, Round: num / 4, Seed: uint64(1000 + num),
			Params: results.Params{{Name: "lr", Value: float64(num) / 10}, {Name: "opt", Value: fmt.Sprint("opt", num)}}}
	}
	return out
}
