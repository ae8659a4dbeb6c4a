package postgres

import (
	"context"
	"testing"

	"github.com/hpsearch/hpsearch/results/storetest"
)

// TestUnreadableRowFailsOnlyItsTrial is issue 16's damaged row (see
// storetest.RunUnreadableRows).
func TestUnreadableRowFailsOnlyItsTrial(t *testing.T) {
	s, url := openTest(t)
	storetest.RunUnreadableRows(t, s, func(t *testing.T) {
		conn := rawConn(t, url)
		for _, q := range []string{`UPDATE trials SET params = '[["lr",garbage' WHERE number = 1`,
			`UPDATE trials SET history = '\x0102030405'::bytea WHERE number = 2`} {
			if _, err := conn.Exec(context.Background(), q); err != nil {
				t.Fatal(err)
			}
		}
	})
}
