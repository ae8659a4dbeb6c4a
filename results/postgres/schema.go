package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations[i] takes the schema from version i to version i+1. Steps are
// only ever appended: a released step is never edited, because databases in
// the field have already run it. All missing steps run in one transaction
// with the schema_version rows that record them (PostgreSQL's DDL is
// transactional), under an advisory lock, so several workers starting at
// once apply each step once.
var migrations = []string{
	// Version 1. Times are unix nanoseconds (NULL for the zero time); NaN
	// metrics are NULL; params and rounds are type-tagged JSON text and the
	// history packed binary, as in results/sqlite (see codec.go). worker,
	// attempt and heartbeat are the queue's: who runs or last ran a trial,
	// how many times it was claimed, and when its worker last said it was
	// alive (the server's clock).
	`CREATE TABLE studies (
		name     TEXT PRIMARY KEY,
		created  BIGINT,
		strategy TEXT NOT NULL,
		metric   TEXT NOT NULL,
		goal     TEXT NOT NULL,
		total    BIGINT NOT NULL,
		status   TEXT NOT NULL,
		config   TEXT NOT NULL,
		rounds   TEXT NOT NULL,
		source   TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX studies_by_created ON studies (created, name);
	CREATE TABLE trials (
		study       TEXT NOT NULL REFERENCES studies (name) ON UPDATE CASCADE ON DELETE CASCADE,
		number      BIGINT NOT NULL,
		round       BIGINT NOT NULL,
		params      TEXT NOT NULL,
		seed        BIGINT NOT NULL,
		status      TEXT NOT NULL,
		value       DOUBLE PRECISION,
		train_loss  DOUBLE PRECISION,
		accuracy    DOUBLE PRECISION,
		iterations  BIGINT NOT NULL,
		stop_reason TEXT NOT NULL,
		error       TEXT NOT NULL,
		started     BIGINT,
		finished    BIGINT,
		history     BYTEA,
		worker      TEXT,
		attempt     INTEGER NOT NULL DEFAULT 0,
		heartbeat   TIMESTAMPTZ,
		PRIMARY KEY (study, number)
	);
	-- Claims take the lowest waiting number; the running set is small
	-- (one row per busy worker slot) and is scanned by heartbeats and
	-- requeues.
	CREATE INDEX trials_waiting ON trials (number, study) WHERE status = 'waiting';
	CREATE INDEX trials_running ON trials (worker) WHERE status = 'running';`,
	// Version 2. The iteration (or step) a trial's value comes from; 0 for
	// trials stored before, where it is unknown. IF NOT EXISTS: harmless
	// here, and kind to a column someone added by hand.
	`ALTER TABLE trials ADD COLUMN IF NOT EXISTS best_iteration BIGINT NOT NULL DEFAULT 0`,
	// Version 3. A shared study's failure limit (search.max_failed_trials,
	// 0 for none): once more of its trials have failed, its status becomes
	// 'failed' and its waiting trials are not claimed. Failed trials are
	// counted whenever one is stored, and every claim looks up the stopped
	// studies: the partial indexes keep both cheap.
	`ALTER TABLE studies ADD COLUMN IF NOT EXISTS max_failed BIGINT NOT NULL DEFAULT 0;
	CREATE INDEX IF NOT EXISTS trials_failed ON trials (study) WHERE status = 'failed';
	CREATE INDEX IF NOT EXISTS studies_failed ON studies (name) WHERE status = 'failed';`,
	// Version 4. Early stopping in shared studies: the intermediate values
	// a trial reported, per attempt, so that every worker judges trials
	// against the same reports. Only the trial's current attempt counts:
	// a trial that runs again after its worker died starts clean.
	`CREATE TABLE IF NOT EXISTS reports (
		study   TEXT NOT NULL,
		number  BIGINT NOT NULL,
		attempt INTEGER NOT NULL,
		step    BIGINT NOT NULL,
		value   DOUBLE PRECISION NOT NULL,
		PRIMARY KEY (study, number, attempt, step),
		FOREIGN KEY (study, number) REFERENCES trials (study, number) ON UPDATE CASCADE ON DELETE CASCADE
	);`,
	// Version 5. The lease of a running study: the one `hpsearch run`
	// that coordinates it (see results.Holder); workers take trials, not
	// studies. No foreign key: the lease is taken before the study's row
	// is first written, so that two runs of a new study cannot both start
	// it. Times are the server's clock, as for the queue's heartbeats.
	`CREATE TABLE IF NOT EXISTS study_leases (
		study     TEXT PRIMARY KEY,
		holder    TEXT NOT NULL,
		host      TEXT NOT NULL,
		pid       BIGINT NOT NULL,
		started   TIMESTAMPTZ NOT NULL,
		heartbeat TIMESTAMPTZ NOT NULL
	);`,
	// Version 6. The batch jobs (Slurm job ids) that run command trials,
	// every one submitted, in order (results.JobRecorder): a run that dies
	// finds its trials' jobs again. Times are unix nanoseconds.
	`CREATE TABLE IF NOT EXISTS trial_jobs (
		id        BIGSERIAL PRIMARY KEY,
		study     TEXT NOT NULL REFERENCES studies (name) ON UPDATE CASCADE ON DELETE CASCADE,
		number    BIGINT NOT NULL,
		job       TEXT NOT NULL,
		submitted BIGINT NOT NULL,
		closed    BOOLEAN NOT NULL DEFAULT false
	);
	CREATE INDEX IF NOT EXISTS trial_jobs_by_trial ON trial_jobs (study, number, id);`,
	// Version 7. A person's request to stop a running trial (RequestStop),
	// which the worker running it polls; PutTrial, a claim and a requeue
	// clear it. A running trial's history column holds its curve so far
	// (RecordProgress).
	`ALTER TABLE trials ADD COLUMN IF NOT EXISTS stop_requested BOOLEAN NOT NULL DEFAULT false;`,
	// Version 8. The study's least-squares floor (results.EncodeFloor's
	// JSON); '' for studies without one and those stored before.
	`ALTER TABLE studies ADD COLUMN IF NOT EXISTS lsq_floor TEXT NOT NULL DEFAULT '';`,
}

// latestVersion is the schema version this build writes and understands.
func latestVersion() int { return len(migrations) }

var (
	// ErrNotHPSearch is returned (wrapped) when the schema holds tables
	// named like hpsearch's but no schema_version: another program's.
	ErrNotHPSearch = errors.New("not an hpsearch database")
	// ErrSchemaTooNew is returned (wrapped) when the database was written by
	// a newer hpsearch than this one.
	ErrSchemaTooNew = errors.New("database schema is newer than this hpsearch")
)

// querier is what both a pool and a transaction offer.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// schemaVersion returns the schema's version: 0 when hpsearch's tables are
// not there yet. It only reads. Tables are looked up in the first schema of search_path,
// so a database shared with other programs can keep hpsearch in a schema
// of its own (?search_path=hpsearch in the URL).
func schemaVersion(ctx context.Context, q querier, name string) (int, error) {
	var (
		schema                 *string
		hasVersion, hasStudies bool
		hasTrials              bool
	)
	// pg_class rather than to_regclass(): a query of the catalog sees what
	// another migration committed while this one waited for the lock, where
	// the cached name lookup behind to_regclass() may not yet.
	err := q.QueryRow(ctx, `SELECT current_schema(),
		EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname = 'schema_version'),
		EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname = 'studies'),
		EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname = 'trials')`).Scan(&schema, &hasVersion, &hasStudies, &hasTrials)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if schema == nil {
		return 0, fmt.Errorf("%s: search_path names no existing schema (create it first: CREATE SCHEMA name)", name)
	}
	if !hasVersion {
		if hasStudies || hasTrials {
			return 0, fmt.Errorf("%s is %w: schema %s holds a studies or trials table but no schema_version (use another database or ?search_path=)",
				name, ErrNotHPSearch, *schema)
		}
		return 0, nil
	}
	var v *int64
	if err := q.QueryRow(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	if int(*v) > latestVersion() {
		return 0, fmt.Errorf("%s has schema version %d, this hpsearch knows up to %d (upgrade hpsearch): %w",
			name, *v, latestVersion(), ErrSchemaTooNew)
	}
	return int(*v), nil
}

// migrate brings the schema up to date. The version is read again under
// the lock, since another process may have migrated while this one waited.
func migrate(ctx context.Context, pool *pgxpool.Pool, name string) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(ctx) // the error already says what went wrong
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('hpsearch schema ' || coalesce(current_schema(), ''), 0))`); err != nil {
		return fmt.Errorf("lock for migration: %w", err)
	}
	v, err := schemaVersion(ctx, tx, name)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY,
		applied BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	for ; v < latestVersion(); v++ {
		if _, err := tx.Exec(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", v+1, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version, applied) VALUES ($1, $2)`,
			v+1, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("record schema version %d: %w", v+1, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit schema version %d: %w", v, err)
	}
	return nil
}
