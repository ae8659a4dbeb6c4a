package search

import (
	"context"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// sharedStore is a store whose studies workers share, with every
// capability a queue can have: the in-process queue, or PostgreSQL.
type sharedStore interface {
	results.Store
	Queue
	Enqueuer
	Releaser
	Requeuer
	Proposer
	Reporter
	FailureLimiter
}

var (
	_ sharedStore = (*results.MemoryQueue)(nil)
	_ sharedStore = (*postgres.Store)(nil)
)

// backend opens a study store as one more machine would: its own
// connection pool to PostgreSQL, or the one in-process queue every worker
// of the test shares.
type backend func(tb testing.TB) sharedStore

// onBackends runs a shared-study test on the in-process queue, always, and
// on PostgreSQL too when HPSEARCH_TEST_POSTGRES is set.
func onBackends(t *testing.T, test func(t *testing.T, open backend)) {
	t.Run("memory", func(t *testing.T) {
		q := results.NewMemoryQueue()
		test(t, func(testing.TB) sharedStore { return q })
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		test(t, func(tb testing.TB) sharedStore { return openShared(tb, url) })
	})
}

func openShared(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
