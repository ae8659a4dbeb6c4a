package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/rowcodec"
)

const enqueueSQL = `INSERT INTO trials (study, number, round, params, seed, status, iterations, stop_reason, error)
VALUES ($1, $2, $3, $4, $5, 'waiting', 0, '', '')
ON CONFLICT (study, number) DO NOTHING`

// Enqueue stores trials as waiting, all or none, leaving alone any trial
// already stored.
func (s *Store) Enqueue(ctx context.Context, study string, trials []results.Trial) error {
	op := fmt.Sprintf("enqueue %d trials of %q in", len(trials), study)
	var b pgx.Batch
	for _, t := range trials {
		if t.Study != study {
			return fmt.Errorf("%s %s: trial %d belongs to study %q", op, s.name, t.Number, t.Study)
		}
		params, err := rowcodec.EncodeParams(t.Params)
		if err != nil {
			return fmt.Errorf("%s %s: trial %d: %w", op, s.name, t.Number, err)
		}
		b.Queue(enqueueSQL, study, int64(t.Number), int64(t.Round), params, int64(t.Seed))
	}
	if b.Len() == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, &b).Close()
	})
	if isForeignKey(err) {
		err = fmt.Errorf("study %q: %w", study, results.ErrNotFound)
	}
	if err != nil {
		return s.wrap(op, err)
	}
	return nil
}

// relaxedCTE makes the statement that joins it commit without waiting for
// the disk (synchronous_commit off for its own transaction), in the same
// round trip. Only for writes whose loss in a crash of the database server
// is harmless: a lost claim sends its trial back to waiting, and the
// claimer's Finish is then refused; a lost heartbeat is sent again.
// Results are stored durably: the flush of a result also flushes the
// claim before it.
const relaxedCTE = `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))`

// claimSQL takes the lowest-numbered waiting trial nobody else is taking:
// SKIP LOCKED passes over rows another claimer holds, so concurrent
// claimers never wait for, or get, the same trial. Trials of a study that
// stopped for too many failures are passed over (and not locked: FOR
// UPDATE locks only the rows of the FROM list). NOT IN, not a correlated
// NOT EXISTS: the few stopped studies are read once per claim into a
// hash, which keeps a claim as cheap as it was without the check (both
// columns are NOT NULL, so NOT IN means what it says).
const claimSQL = relaxedCTE + `
UPDATE trials t SET status = 'running', worker = $1, attempt = t.attempt + 1,
	heartbeat = now(), started = $2, history = NULL, stop_requested = false
FROM (SELECT study, number FROM trials
	WHERE status = 'waiting' AND (cardinality($3::text[]) = 0 OR study = ANY($3::text[]))
		AND study NOT IN (SELECT name FROM studies WHERE status = 'failed')
	ORDER BY number, study LIMIT 1 FOR UPDATE SKIP LOCKED) c, relaxed
WHERE t.study = c.study AND t.number = c.number
RETURNING t.study, t.number, t.round, t.params, t.seed, t.attempt, t.started`

// Claim leases the waiting trial with the lowest number among studies (all
// studies when there are none).
func (s *Store) Claim(ctx context.Context, worker string, studies []string) (results.Lease, bool, error) {
	if worker == "" {
		return results.Lease{}, false, fmt.Errorf("claim a trial in %s: empty worker name", s.name)
	}
	if studies == nil {
		studies = []string{} // NULL would make cardinality() NULL
	}
	var (
		l                            results.Lease
		number, round, seed, attempt int64
		params                       string
		started                      *int64
	)
	err := s.pool.QueryRow(ctx, claimSQL, worker, time.Now().UnixNano(), studies).Scan(
		&l.Trial.Study, &number, &round, &params, &seed, &attempt, &started)
	if errors.Is(err, pgx.ErrNoRows) {
		return results.Lease{}, false, nil
	}
	if err != nil {
		return results.Lease{}, false, s.wrap("claim a trial in", err)
	}
	if l.Trial.Params, err = rowcodec.DecodeParams([]byte(params), nil); err != nil {
		return results.Lease{}, false, fmt.Errorf("claim a trial in %s: %s#%d: %w", s.name, l.Trial.Study, number, err)
	}
	l.Trial.Number, l.Trial.Round, l.Trial.Seed = int(number), int(round), uint64(seed)
	l.Trial.Status, l.Trial.Started = results.StatusRunning, rowcodec.TimeOrZero(started)
	l.Worker, l.Attempt = worker, int(attempt)
	return l, true, nil
}

const heartbeatSQL = relaxedCTE + `
UPDATE trials t SET heartbeat = now()
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[]) AS l(study, number, worker, attempt), relaxed
WHERE t.study = l.study AND t.number = l.number AND t.worker = l.worker AND t.attempt = l.attempt
	AND t.status = 'running'`

// Heartbeat refreshes the heartbeat of the leased trials still held, in
// one statement however many there are.
func (s *Store) Heartbeat(ctx context.Context, leases []results.Lease) error {
	if len(leases) == 0 {
		return nil
	}
	var (
		studies, workers []string
		numbers          []int64
		attempts         []int32
	)
	for _, l := range leases {
		studies, numbers = append(studies, l.Trial.Study), append(numbers, int64(l.Trial.Number))
		workers, attempts = append(workers, l.Worker), append(attempts, int32(l.Attempt))
	}
	if _, err := s.pool.Exec(ctx, heartbeatSQL, studies, numbers, workers, attempts); err != nil {
		return s.wrap(fmt.Sprintf("heartbeat of %d trials in", len(leases)), err)
	}
	return nil
}

// requeueSQL judges staleness by the server's clock. A running trial with
// no heartbeat at all was not put there by a claim (a plain PutTrial): no
// worker will ever beat for it, so it counts as stale too. The worker
// column keeps the last claimer, and the error says what happened to it.
const requeueSQL = `UPDATE trials SET
	status = CASE WHEN attempt >= $2::int THEN 'failed' ELSE 'waiting' END,
	error = format('worker %s stopped sending heartbeats', coalesce(worker, '(none)')) ||
		CASE WHEN attempt >= $2::int THEN format('; gave up after %s attempts', attempt)
		ELSE format(' (attempt %s of %s)', attempt, $2::int) END,
	finished = CASE WHEN attempt >= $2::int THEN $3::bigint ELSE NULL END,
	heartbeat = NULL, history = NULL, stop_requested = false
WHERE status = 'running' AND coalesce(heartbeat, '-infinity') < now() - make_interval(secs => $1::float8)
RETURNING study, number, round, status, seed, error`

// Requeue puts trials whose worker went silent for longer than grace back
// to waiting, or fails those already attempted maxAttempts times; a study
// that this takes past its failure limit stops.
func (s *Store) Requeue(ctx context.Context, grace time.Duration, maxAttempts int) ([]results.Trial, error) {
	if grace <= 0 || maxAttempts < 1 {
		return nil, fmt.Errorf("requeue in %s: grace %s and max attempts %d must be positive", s.name, grace, maxAttempts)
	}
	rows, err := s.pool.Query(ctx, requeueSQL, grace.Seconds(), maxAttempts, time.Now().UnixNano())
	if err != nil {
		return nil, s.wrap("requeue stale trials in", err)
	}
	defer rows.Close()
	var out []results.Trial
	for rows.Next() {
		var (
			t                   results.Trial
			number, round, seed int64
			status              string
		)
		if err := rows.Scan(&t.Study, &number, &round, &status, &seed, &t.Error); err != nil {
			return nil, s.wrap("requeue stale trials in", err)
		}
		t.Number, t.Round, t.Seed, t.Status = int(number), int(round), uint64(seed), results.Status(status)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("requeue stale trials in", err)
	}
	// The failures are committed: each study's check, under its lock,
	// counts them with any stored meanwhile.
	checked := map[string]bool{}
	for _, t := range out {
		if t.Status != results.StatusFailed || checked[t.Study] {
			continue
		}
		checked[t.Study] = true
		if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if err := lockStudy(ctx, tx, t.Study); err != nil {
				return err
			}
			return stopIfTooManyFailed(ctx, tx, t.Study)
		}); err != nil {
			return out, s.wrap(fmt.Sprintf("check the failure limit of %q in", t.Study), err)
		}
	}
	return out, nil
}

// lockStudy takes the study's row lock until the transaction ends, so that
// failed trials of one study are stored and counted one at a time: each
// count, a statement of its own taken after the lock, sees every failure
// committed before. FOR NO KEY UPDATE leaves Enqueue's foreign-key checks
// free to go on.
func lockStudy(ctx context.Context, tx pgx.Tx, study string) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM studies WHERE name = $1 FOR NO KEY UPDATE`, study)
	return err
}

// stopIfTooManyFailed stops a study with a failure limit once more of its
// stored trials have failed. It must run after lockStudy.
func stopIfTooManyFailed(ctx context.Context, tx pgx.Tx, study string) error {
	_, err := tx.Exec(ctx, `UPDATE studies SET status = 'failed'
		WHERE name = $1 AND max_failed > 0 AND status <> 'failed'
			AND (SELECT count(*) FROM trials WHERE study = $1 AND status = 'failed') > max_failed`, study)
	return err
}

// LimitFailures sets the study's failure limit and lifts a stop.
func (s *Store) LimitFailures(ctx context.Context, study string, max int) (lifted bool, err error) {
	op := fmt.Sprintf("set the failure limit of %q in", study)
	if max < 0 {
		return false, fmt.Errorf("%s %s: limit %d is negative", op, s.name, max)
	}
	// The old status comes from the locked row (FOR UPDATE in a subquery
	// of the same statement): two processes lifting one stop at once do
	// not both report it.
	err = s.pool.QueryRow(ctx, `UPDATE studies s SET max_failed = $2, status = CASE WHEN s.status = 'failed' THEN 'running' ELSE s.status END
		FROM (SELECT name, status FROM studies WHERE name = $1 FOR UPDATE) old
		WHERE s.name = old.name
		RETURNING old.status = 'failed'`, study, int64(max)).Scan(&lifted)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("%s %s: study %q: %w", op, s.name, study, results.ErrNotFound)
	}
	if err != nil {
		return false, s.wrap(op, err)
	}
	return lifted, nil
}

// FailureLimit returns the study's failure limit, 0 for none.
func (s *Store) FailureLimit(ctx context.Context, study string) (int, error) {
	op := fmt.Sprintf("read the failure limit of %q in", study)
	var max int64
	err := s.pool.QueryRow(ctx, `SELECT max_failed FROM studies WHERE name = $1`, study).Scan(&max)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("%s %s: study %q: %w", op, s.name, study, results.ErrNotFound)
	}
	if err != nil {
		return 0, s.wrap(op, err)
	}
	return int(max), nil
}

const finishSQL = `UPDATE trials SET status = $5, value = $6, train_loss = $7, accuracy = $8,
	iterations = $9, stop_reason = $10, error = $11, started = $12, finished = $13, history = $14,
	best_iteration = $15, heartbeat = NULL
WHERE study = $1 AND number = $2 AND worker = $3 AND attempt = $4 AND status = 'running'`

// Finish stores a leased trial's result if the lease still holds. A retry
// of a Finish whose first try was committed but whose answer was lost
// (the connection broke) finds its own result there and reports ok.
func (s *Store) Finish(ctx context.Context, l results.Lease, r results.Trial) (bool, error) {
	t := l.Trial
	op := fmt.Sprintf("finish trial %s#%d in", t.Study, t.Number)
	if !r.Status.Finished() {
		return false, fmt.Errorf("%s %s: status %q is not a result", op, s.name, r.Status)
	}
	r.Study, r.Number, r.Round, r.Params, r.Seed = t.Study, t.Number, t.Round, t.Params, t.Seed
	if r.Finished.IsZero() {
		r.Finished = time.Now() // the retry check below needs a distinct time
	}
	args, err := rowcodec.TrialArgs(r)
	if err != nil {
		return false, fmt.Errorf("%s %s: %w", op, s.name, err)
	}
	// TrialArgs holds study, number, round, params and seed, then the
	// result's columns from status to best_iteration: only those change.
	result := args[5:]
	finishArgs := append([]any{t.Study, int64(t.Number), l.Worker, int32(l.Attempt)}, result...)
	var stored bool
	if r.Status == results.StatusFailed {
		// A failure may take the study past its limit: it is stored and
		// counted under the study's lock, in one transaction.
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if err := lockStudy(ctx, tx, t.Study); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, finishSQL, finishArgs...)
			if err != nil || tag.RowsAffected() != 1 {
				return err
			}
			stored = true
			return stopIfTooManyFailed(ctx, tx, t.Study)
		})
	} else {
		var tag pgconn.CommandTag
		tag, err = s.pool.Exec(ctx, finishSQL, finishArgs...)
		stored = err == nil && tag.RowsAffected() == 1
	}
	if err != nil {
		return false, s.wrap(op, err)
	}
	if stored {
		return true, nil
	}
	var mine bool
	err = s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM trials WHERE study = $1 AND number = $2
		AND worker = $3 AND attempt = $4 AND status = $5 AND value IS NOT DISTINCT FROM $6
		AND iterations = $7 AND finished = $8)`,
		t.Study, int64(t.Number), l.Worker, int32(l.Attempt), result[0], result[1], result[4], result[8]).Scan(&mine)
	if err != nil {
		return false, s.wrap(op, err)
	}
	return mine, nil
}

// Release gives a leased trial back: it waits again, and since it never
// got to run to the end, the attempt is not counted.
func (s *Store) Release(ctx context.Context, l results.Lease) error {
	// The attempt is counted down, so the next claim takes its number
	// again: its reports go with it, or they would be the next run's.
	_, err := s.pool.Exec(ctx, `WITH released AS (
			UPDATE trials SET status = 'waiting', attempt = attempt - 1, heartbeat = NULL
			WHERE study = $1 AND number = $2 AND worker = $3 AND attempt = $4 AND status = 'running'
			RETURNING study, number)
		DELETE FROM reports r USING released
		WHERE r.study = released.study AND r.number = released.number AND r.attempt = $4`,
		l.Trial.Study, int64(l.Trial.Number), l.Worker, int32(l.Attempt))
	if err != nil {
		return s.wrap(fmt.Sprintf("release trial %s#%d in", l.Trial.Study, l.Trial.Number), err)
	}
	return nil
}

// Propose runs f under the study's transaction-scoped advisory lock. The
// lock goes with the transaction, so a process killed inside f releases it
// with its connection; f itself works through other connections.
func (s *Store) Propose(ctx context.Context, study string, f func(ctx context.Context) error) (ran bool, err error) {
	op := fmt.Sprintf("propose trials of %q in", study)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, s.wrap(op, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit a no-op; otherwise it releases the lock
	var got bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('hpsearch propose ' || $1, 0))`,
		study).Scan(&got); err != nil {
		return false, s.wrap(op, err)
	}
	if !got {
		return false, nil
	}
	if err := f(ctx); err != nil {
		return true, err
	}
	if err := tx.Commit(ctx); err != nil {
		return true, s.wrap(op, err)
	}
	return true, nil
}

const addReportSQL = `INSERT INTO reports (study, number, attempt, step, value)
SELECT study, number, attempt, $5, $6 FROM trials
WHERE study = $1 AND number = $2 AND worker = $3 AND attempt = $4 AND status = 'running'
ON CONFLICT (study, number, attempt, step) DO UPDATE SET value = excluded.value`

// AddReport stores a leased trial's intermediate value while the lease
// holds.
func (s *Store) AddReport(ctx context.Context, l results.Lease, step int, value float64) (bool, error) {
	tag, err := s.pool.Exec(ctx, addReportSQL, l.Trial.Study, int64(l.Trial.Number), l.Worker, int32(l.Attempt), int64(step), value)
	if err != nil {
		return false, s.wrap(fmt.Sprintf("report step %d of trial %s#%d in", step, l.Trial.Study, l.Trial.Number), err)
	}
	return tag.RowsAffected() == 1, nil
}

// progressSQL reads a round's trials with their current attempt's
// reports in one statement, so the snapshot is consistent. A waiting
// trial has none: its attempt is the last one, whose worker died (its
// next claim starts a new one).
const progressSQL = `SELECT t.number, t.round, t.status, coalesce(t.worker, ''), t.attempt, r.step, r.value
FROM trials t LEFT JOIN reports r ON r.study = t.study AND r.number = t.number AND r.attempt = t.attempt
	AND t.status <> 'waiting'
WHERE t.study = $1 AND ($2::bigint < 0 OR t.round = $2::bigint)
ORDER BY t.number, r.step`

// Progress returns the trials of a study's round with their current
// attempt's reports.
func (s *Store) Progress(ctx context.Context, study string, round int) ([]results.TrialProgress, error) {
	op := fmt.Sprintf("read the progress of %q in", study)
	rows, err := s.pool.Query(ctx, progressSQL, study, int64(round))
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []results.TrialProgress
	for rows.Next() {
		var (
			number, rnd int64
			status      string
			worker      string
			attempt     int32
			step        *int64
			value       *float64
		)
		if err := rows.Scan(&number, &rnd, &status, &worker, &attempt, &step, &value); err != nil {
			return nil, s.wrap(op, err)
		}
		if len(out) == 0 || out[len(out)-1].Number != int(number) {
			out = append(out, results.TrialProgress{Number: int(number), Round: int(rnd), Status: results.Status(status),
				Worker: worker, Attempt: int(attempt)})
		}
		if step != nil && value != nil {
			p := &out[len(out)-1]
			p.Reports = append(p.Reports, results.Reported{Step: int(*step), Value: *value})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	return out, nil
}
