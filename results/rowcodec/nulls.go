package rowcodec

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// NullableMeasurement maps "not measured" to NULL (nil): SQLite has no
// NaN and PostgreSQL's would sort above every number, so "no value" is
// NULL in both stores and ORDER BY value skips it. ±Inf are stored as they
// are.
func NullableMeasurement(m results.Measurement) *float64 {
	if !m.Measured() {
		return nil
	}
	v := m.Float()
	return &v
}

// MeasurementOf reads back what NullableMeasurement wrote. A NaN column
// value, which no store writes, reads as not measured too.
func MeasurementOf(p *float64) results.Measurement {
	if p == nil {
		return results.Measurement{}
	}
	return results.Measured(*p)
}

// Unix nanoseconds cover 1678-2262, sort as integers, carry no zone to
// parse and keep the nanoseconds (PostgreSQL's timestamptz would not); the
// zero time (a trial not yet started or finished) is NULL.
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// ErrTimeRange is wrapped for a time no int64 of nanoseconds can hold.
var ErrTimeRange = errors.New("outside the storable range 1678-2262")

// NullableTime is t as unix nanoseconds, nil for the zero time.
func NullableTime(t time.Time) (*int64, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minNanoTime) || t.After(maxNanoTime) {
		return nil, fmt.Errorf("time %s: %w", t.Format(time.RFC3339), ErrTimeRange)
	}
	n := t.UnixNano()
	return &n, nil
}

// TimeOrZero reads back what NullableTime wrote.
func TimeOrZero(p *int64) time.Time {
	if p == nil {
		return time.Time{}
	}
	return time.Unix(0, *p)
}

// TrialArgs are the 16 values of a trials row, in the column order both
// stores use: study, number, round, params, seed, status, value,
// train_loss, accuracy, iterations, stop_reason, error, started, finished,
// history, best_iteration. The seed keeps its 64 bits in a signed 64-bit
// integer. best_iteration comes last because it was added last (schema
// version 3 in SQLite, 2 in PostgreSQL): the columns from status on are a
// trial's result, which a queue's Finish writes as they are.
func TrialArgs(t results.Trial) ([]any, error) {
	if t.Study == "" {
		return nil, errors.New("empty study name")
	}
	params, err := EncodeParams(t.Params)
	if err != nil {
		return nil, err
	}
	started, err := NullableTime(t.Started)
	if err != nil {
		return nil, fmt.Errorf("started: %w", err)
	}
	finished, err := NullableTime(t.Finished)
	if err != nil {
		return nil, fmt.Errorf("finished: %w", err)
	}
	return []any{t.Study, int64(t.Number), int64(t.Round), params, int64(t.Seed), string(t.Status),
		NullableMeasurement(t.Value), NullableMeasurement(t.TrainLoss), NullableMeasurement(t.Accuracy),
		int64(t.Iterations), t.StopReason, t.Error, started, finished, EncodeHistory(t.History, t.Reports),
		int64(t.BestIteration)}, nil
}
