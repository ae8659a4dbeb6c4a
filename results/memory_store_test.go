package results_test

import (
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// A trial put in the memory store keeps what it measured, and what not.
func TestMemoryStoreMeasuredOrNot(t *testing.T) {
	storetest.RunMeasuredOrNot(t, results.NewMemoryStore())
}
