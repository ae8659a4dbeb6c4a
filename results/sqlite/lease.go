package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// AcquireStudy makes me the holder of study's lease, unless a live holder
// has it: the error is then a *results.StudyBusyError. A holder silent for
// longer than grace, or whose process is gone from this host, is replaced
// and returned. The check and the write are one transaction, which takes
// the file's write lock at BEGIN: two processes never both get the lease.
// Times are this machine's clock, the one every process sharing the file
// on this machine reads.
func (s *Store) AcquireStudy(ctx context.Context, study string, me results.Holder, grace time.Duration) (replaced *results.Holder, err error) {
	op := fmt.Sprintf("take the lease of study %q in", study)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // the error already says what went wrong
		}
	}()
	now := time.Now()
	h, err := readHolder(ctx, tx, study)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, s.wrap(op, err)
	case h.ID != me.ID:
		if silence := now.Sub(h.Heartbeat); !h.Replaceable(silence, grace) {
			return nil, &results.StudyBusyError{Study: study, Holder: h, Silence: silence}
		}
		replaced = &h
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO study_leases (study, holder, host, pid, started, heartbeat)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (study) DO UPDATE SET holder = excluded.holder, host = excluded.host, pid = excluded.pid,
			started = excluded.started, heartbeat = excluded.heartbeat`,
		study, me.ID, me.Host, int64(me.PID), now.UnixNano(), now.UnixNano()); err != nil {
		return nil, s.wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, s.wrap(op, err)
	}
	return replaced, nil
}

// RenewStudy refreshes me's heartbeat on study's lease; the error wraps
// results.ErrStudyLeaseLost when me no longer holds it.
func (s *Store) RenewStudy(ctx context.Context, study string, me results.Holder) error {
	op := fmt.Sprintf("renew the lease of study %q in", study)
	res, err := s.w.ExecContext(ctx, `UPDATE study_leases SET heartbeat = ? WHERE study = ? AND holder = ?`,
		time.Now().UnixNano(), study, me.ID)
	if err != nil {
		return s.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 1 {
		return nil
	}
	h, err := readHolder(ctx, s.r, study)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %s: %w", op, s.path, results.StudyLeaseLost(study, nil))
	}
	if err != nil {
		return s.wrap(op, err)
	}
	return fmt.Errorf("%s %s: %w", op, s.path, results.StudyLeaseLost(study, &h))
}

// ReleaseStudy ends me's lease on study; a lease another process took over
// is left alone.
func (s *Store) ReleaseStudy(ctx context.Context, study string, me results.Holder) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM study_leases WHERE study = ? AND holder = ?`, study, me.ID); err != nil {
		return s.wrap(fmt.Sprintf("release the lease of study %q in", study), err)
	}
	return nil
}

// readHolder reads study's lease; sql.ErrNoRows when nobody holds it.
func readHolder(ctx context.Context, q querier, study string) (results.Holder, error) {
	var (
		h                  results.Holder
		pid                int64
		started, heartbeat int64
	)
	err := q.QueryRowContext(ctx, `SELECT holder, host, pid, started, heartbeat FROM study_leases WHERE study = ?`,
		study).Scan(&h.ID, &h.Host, &pid, &started, &heartbeat)
	h.PID, h.Started, h.Heartbeat = int(pid), time.Unix(0, started), time.Unix(0, heartbeat)
	return h, err
}
