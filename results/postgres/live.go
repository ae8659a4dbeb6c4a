package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/rowcodec"
)

// recordProgressSQL appends the points to a running trial's history, or
// puts them in its place ($4, or a history that is not plain points); NULL
// points (none, with $4: an empty curve) clear it. It commits without
// waiting for the disk (relaxedCTE), as heartbeats do: a live curve is not
// a result, and a crash of the server costs it a gap at worst until the
// trial's result replaces it.
const recordProgressSQL = relaxedCTE + `
UPDATE trials t SET history = CASE
	WHEN $4 THEN $3::bytea
	WHEN t.history IS NULL OR length(t.history) % 32 <> 0 THEN $3::bytea
	ELSE t.history || $3::bytea END
FROM relaxed
WHERE t.study = $1 AND t.number = $2 AND t.status = 'running'
RETURNING t.stop_requested`

const (
	requestStopSQL = `UPDATE trials SET stop_requested = true WHERE study = $1 AND number = $2 AND status = 'running'`
	trialStatusSQL = `SELECT status FROM trials WHERE study = $1 AND number = $2`
	pollStopSQL    = `SELECT status, stop_requested FROM trials WHERE study = $1 AND number = $2`
)

// RecordProgress adds points to the History of the running trial (study,
// number) and reports whether a user asked it to stop; see package
// results' notes on live trials. The error wraps results.ErrNotRunning
// when the trial is not running.
func (s *Store) RecordProgress(ctx context.Context, study string, number int, points []results.Point, replace bool) (bool, error) {
	op := fmt.Sprintf("record the progress of trial %s#%d in", study, number)
	if len(points) == 0 && !replace {
		return s.pollStop(ctx, op, study, number)
	}
	var stop bool
	err := s.pool.QueryRow(ctx, recordProgressSQL, study, int64(number), rowcodec.EncodeHistory(points, nil), replace).Scan(&stop)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, s.notRunning(ctx, op, study, number)
	}
	if err != nil {
		return false, s.wrap(op, err)
	}
	return stop, nil
}

// pollStop reads whether a stop was requested for the running trial: with
// no points to save, a poll is a read, which leaves no dead row version
// behind for vacuum.
func (s *Store) pollStop(ctx context.Context, op, study string, number int) (bool, error) {
	var (
		status string
		stop   bool
	)
	err := s.pool.QueryRow(ctx, pollStopSQL, study, int64(number)).Scan(&status, &stop)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, s.wrap(op, err)
	}
	if results.Status(status) != results.StatusRunning {
		return false, fmt.Errorf("%s %s: %w", op, s.name, results.NotRunning(study, number, results.Status(status)))
	}
	return stop, nil
}

// RequestStop asks the running trial (study, number) to stop at its next
// iteration; the worker running it, on whichever machine, sees the request
// at its next RecordProgress. The error wraps results.ErrNotRunning when
// there is no such running trial.
func (s *Store) RequestStop(ctx context.Context, study string, number int) error {
	op := fmt.Sprintf("stop trial %s#%d in", study, number)
	tag, err := s.pool.Exec(ctx, requestStopSQL, study, int64(number))
	if err != nil {
		return s.wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return s.notRunning(ctx, op, study, number)
	}
	return nil
}

// notRunning is the error for a trial that no running row matched: it
// says what the trial is instead.
func (s *Store) notRunning(ctx context.Context, op, study string, number int) error {
	var status string
	err := s.pool.QueryRow(ctx, trialStatusSQL, study, int64(number)).Scan(&status)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return s.wrap(op, err)
	}
	return fmt.Errorf("%s %s: %w", op, s.name, results.NotRunning(study, number, results.Status(status)))
}
