package sqlite

import (
	"database/sql"
	"math"
	"time"
)

// Rows are written with results/rowcodec (NaN and the zero time as NULL);
// these read the NULLs back from database/sql's scan types.

func floatOrNaN(n sql.NullFloat64) float64 {
	if !n.Valid {
		return math.NaN()
	}
	return n.Float64
}

func timeOrZero(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}
