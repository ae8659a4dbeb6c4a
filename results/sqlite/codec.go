package sqlite

import (
	"database/sql"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// Rows are written with results/rowcodec (no measurement and the zero
// time as NULL); these read the NULLs back from database/sql's scan types.

func measurementOf(n sql.NullFloat64) results.Measurement {
	if !n.Valid {
		return results.Measurement{}
	}
	return results.Measured(n.Float64)
}

func timeOrZero(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}
