package results_test

import (
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func TestMemoryStoreTrialJobs(t *testing.T) {
	storetest.RunTrialJobs(t, func(*testing.T) results.Store { return results.NewMemoryStore() })
}
