package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/rowcodec"
)

const (
	// recordProgressSQL appends the points to a running trial's history,
	// or puts them in its place ($replace, or a history that is not plain
	// points). NULL points (none, with $replace: an empty curve) clear it.
	// || gives text (the same bytes): the cast makes it a blob again, as
	// the STRICT column wants.
	recordProgressSQL = `UPDATE trials SET history = CASE
		WHEN $replace THEN $points
		WHEN history IS NULL OR length(history) % 32 != 0 THEN $points
		ELSE CAST(history || $points AS BLOB) END
	WHERE study = $study AND number = $number AND status = 'running'
	RETURNING stop_requested`

	requestStopSQL = `UPDATE trials SET stop_requested = 1
	WHERE study = ? AND number = ? AND status = 'running'`

	trialStatusSQL = `SELECT status FROM trials WHERE study = ? AND number = ?`

	pollStopSQL = `SELECT status, stop_requested FROM trials WHERE study = ? AND number = ?`
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
	err := s.w.QueryRowContext(ctx, recordProgressSQL, sql.Named("replace", replace),
		sql.Named("points", rowcodec.EncodeHistory(points, nil)), sql.Named("study", study),
		sql.Named("number", int64(number))).Scan(&stop)
	if errors.Is(err, sql.ErrNoRows) {
		return false, s.notRunning(ctx, op, study, number)
	}
	if err != nil {
		return false, s.wrap(op, err)
	}
	return stop, nil
}

// pollStop reads whether a stop was requested for the running trial: with
// no points to save, a poll is a read, which waits for no writer.
func (s *Store) pollStop(ctx context.Context, op, study string, number int) (bool, error) {
	var (
		status string
		stop   bool
	)
	err := s.r.QueryRowContext(ctx, pollStopSQL, study, int64(number)).Scan(&status, &stop)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, s.wrap(op, err)
	}
	if results.Status(status) != results.StatusRunning {
		return false, fmt.Errorf("%s %s: %w", op, s.path, results.NotRunning(study, number, results.Status(status)))
	}
	return stop, nil
}

// RequestStop asks the running trial (study, number) to stop at its next
// iteration; the process running it, whichever it is, sees the request at
// its next RecordProgress. The error wraps results.ErrNotRunning when
// there is no such running trial.
func (s *Store) RequestStop(ctx context.Context, study string, number int) error {
	op := fmt.Sprintf("stop trial %s#%d in", study, number)
	res, err := s.w.ExecContext(ctx, requestStopSQL, study, int64(number))
	if err != nil {
		return s.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 0 {
		return s.notRunning(ctx, op, study, number)
	}
	return nil
}

// notRunning is the error for a trial that no running row matched: it
// says what the trial is instead.
func (s *Store) notRunning(ctx context.Context, op, study string, number int) error {
	var status string
	err := s.r.QueryRowContext(ctx, trialStatusSQL, study, int64(number)).Scan(&status)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s.wrap(op, err)
	}
	return fmt.Errorf("%s %s: %w", op, s.path, results.NotRunning(study, number, results.Status(status)))
}
