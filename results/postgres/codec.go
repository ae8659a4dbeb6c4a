package postgres

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Columns are encoded by results/rowcodec, exactly as results/sqlite
// encodes them, so a study reads the same from either store. Times are unix
// nanoseconds (timestamptz would drop the nanoseconds), NULL for the zero
// time; NaN metrics are NULL.

// nullableFloat maps NaN to NULL, as results/sqlite does, so "no value"
// reads the same from both stores; ±Inf are stored as they are.
func nullableFloat(f float64) *float64 {
	if math.IsNaN(f) {
		return nil
	}
	return &f
}

func floatOrNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

var errTimeRange = errors.New("outside the storable range 1678-2262")

func nullableTime(t time.Time) (*int64, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minNanoTime) || t.After(maxNanoTime) {
		return nil, fmt.Errorf("time %s: %w", t.Format(time.RFC3339), errTimeRange)
	}
	n := t.UnixNano()
	return &n, nil
}

func timeOrZero(p *int64) time.Time {
	if p == nil {
		return time.Time{}
	}
	return time.Unix(0, *p)
}
