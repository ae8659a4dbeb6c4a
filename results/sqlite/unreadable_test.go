package sqlite

import (
	"testing"

	"github.com/hpsearch/hpsearch/results/storetest"
)

// TestUnreadableRowFailsOnlyItsTrial is issue 16's damaged row (see
// storetest.RunUnreadableRows).
func TestUnreadableRowFailsOnlyItsTrial(t *testing.T) {
	s, path := openTemp(t)
	storetest.RunUnreadableRows(t, s, func(t *testing.T) {
		execRaw(t, path, `UPDATE trials SET params = '[["lr",garbage' WHERE number = 1;
		UPDATE trials SET history = x'0102030405' WHERE number = 2`)
	})
}
