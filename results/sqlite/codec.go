package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// nullableFloat maps NaN to NULL: SQLite has no NaN and would store NULL
// anyway, so say so explicitly. ±Inf are valid REALs and stay as they are.
func nullableFloat(f float64) sql.NullFloat64 {
	return sql.NullFloat64{Float64: f, Valid: !math.IsNaN(f)}
}

func floatOrNaN(n sql.NullFloat64) float64 {
	if !n.Valid {
		return math.NaN()
	}
	return n.Float64
}

// Unix nanoseconds cover 1678-2262, sort as integers and carry no zone to
// parse; the zero time (a trial not yet started or finished) is NULL.
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

var errTimeRange = errors.New("outside the storable range 1678-2262")

func nullableTime(t time.Time) (sql.NullInt64, error) {
	if t.IsZero() {
		return sql.NullInt64{}, nil
	}
	if t.Before(minNanoTime) || t.After(maxNanoTime) {
		return sql.NullInt64{}, fmt.Errorf("time %s: %w", t.Format(time.RFC3339), errTimeRange)
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}, nil
}

func timeOrZero(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}
