package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hpsearch/hpsearch/results"
)

// AcquireStudy makes me the holder of study's lease, unless a live holder
// has it: the error is then a *results.StudyBusyError. A holder silent for
// longer than grace (by the server's clock, which every machine shares),
// or whose process is gone from this host, is replaced and returned.
func (s *Store) AcquireStudy(ctx context.Context, study string, me results.Holder, grace time.Duration) (*results.Holder, error) {
	op := fmt.Sprintf("take the lease of study %q in", study)
	var replaced *results.Holder
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// A new lease is inserted; an existing one is locked to be judged.
		// A concurrent insert of the same study makes this one wait for
		// it, and then find its row.
		tag, err := tx.Exec(ctx, `INSERT INTO study_leases (study, holder, host, pid, started, heartbeat)
			VALUES ($1, $2, $3, $4, now(), now()) ON CONFLICT (study) DO NOTHING`,
			study, me.ID, me.Host, int64(me.PID))
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		h, silence, err := readHolder(ctx, tx, study, "FOR UPDATE")
		if err != nil {
			return err
		}
		if h.ID != me.ID {
			if !h.Replaceable(silence, grace) {
				return &results.StudyBusyError{Study: study, Holder: h, Silence: silence}
			}
			replaced = &h
		}
		_, err = tx.Exec(ctx, `UPDATE study_leases SET holder = $2, host = $3, pid = $4, started = now(), heartbeat = now()
			WHERE study = $1`, study, me.ID, me.Host, int64(me.PID))
		return err
	})
	var busy *results.StudyBusyError
	if errors.As(err, &busy) {
		return nil, busy
	}
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return replaced, nil
}

// RenewStudy refreshes me's heartbeat on study's lease; the error wraps
// results.ErrStudyLeaseLost when me no longer holds it.
func (s *Store) RenewStudy(ctx context.Context, study string, me results.Holder) error {
	op := fmt.Sprintf("renew the lease of study %q in", study)
	tag, err := s.pool.Exec(ctx, `UPDATE study_leases SET heartbeat = now() WHERE study = $1 AND holder = $2`, study, me.ID)
	if err != nil {
		return s.wrap(op, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	h, _, err := readHolder(ctx, s.pool, study, "")
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s %s: %w", op, s.name, results.StudyLeaseLost(study, nil))
	}
	if err != nil {
		return s.wrap(op, err)
	}
	return fmt.Errorf("%s %s: %w", op, s.name, results.StudyLeaseLost(study, &h))
}

// ReleaseStudy ends me's lease on study; a lease another process took over
// is left alone.
func (s *Store) ReleaseStudy(ctx context.Context, study string, me results.Holder) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM study_leases WHERE study = $1 AND holder = $2`, study, me.ID); err != nil {
		return s.wrap(fmt.Sprintf("release the lease of study %q in", study), err)
	}
	return nil
}

// readHolder reads study's lease and how long its holder has been silent,
// by the server's clock; lock is "" or a locking clause.
func readHolder(ctx context.Context, q querier, study, lock string) (results.Holder, time.Duration, error) {
	var (
		h       results.Holder
		pid     int64
		silence float64
	)
	err := q.QueryRow(ctx, `SELECT holder, host, pid, started, heartbeat, extract(epoch FROM now() - heartbeat)::float8
		FROM study_leases WHERE study = $1 `+lock, study).Scan(&h.ID, &h.Host, &pid, &h.Started, &h.Heartbeat, &silence)
	h.PID = int(pid)
	return h, time.Duration(silence * float64(time.Second)), err
}
