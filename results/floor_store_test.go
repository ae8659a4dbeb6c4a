package results_test

import (
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func TestMemoryStoreFloor(t *testing.T) {
	storetest.RunFloor(t, func(*testing.T) results.Store { return results.NewMemoryStore() })
}
