package results_test

import (
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func TestMemoryStoreLive(t *testing.T) {
	storetest.RunLive(t, func(*testing.T) (storetest.LiveStore, storetest.LiveStore) {
		s := results.NewMemoryStore()
		return s, s
	})
	t.Run("Queue", func(t *testing.T) {
		storetest.RunLive(t, func(*testing.T) (storetest.LiveStore, storetest.LiveStore) {
			q := results.NewMemoryQueue()
			return q, q
		})
	})
}

func TestMemoryQueueLive(t *testing.T) {
	storetest.RunLiveQueue(t, results.NewMemoryQueue())
}
