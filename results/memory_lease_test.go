package results_test

import (
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// Runs in one process may share a memory store: they contend for its
// studies by the same rules as for a database's.
func TestMemoryStoreStudyLease(t *testing.T) {
	storetest.RunStudyLease(t, func(*testing.T) results.Store { return results.NewMemoryStore() })
}
