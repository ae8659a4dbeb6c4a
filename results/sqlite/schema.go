package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// migrations[i] takes the schema from version i to version i+1. Steps are
// only ever appended: a released step is never edited, because databases in
// the field have already run it. Each runs in its own transaction together
// with the schema_version row that records it.
var migrations = []string{
	// Version 1. Times are unix nanoseconds (NULL for the zero time), NaN
	// metrics are NULL, params and rounds are type-tagged JSON (see codec.go),
	// history is packed little-endian binary. STRICT makes SQLite reject a
	// value of the wrong type instead of silently storing it.
	`CREATE TABLE studies (
		name     TEXT PRIMARY KEY NOT NULL,
		created  INTEGER,
		strategy TEXT NOT NULL,
		metric   TEXT NOT NULL,
		goal     TEXT NOT NULL,
		total    INTEGER NOT NULL,
		status   TEXT NOT NULL,
		config   TEXT NOT NULL,
		rounds   TEXT NOT NULL
	) STRICT;
	CREATE INDEX studies_by_created ON studies (created, name);
	CREATE TABLE trials (
		study       TEXT NOT NULL REFERENCES studies (name) ON UPDATE CASCADE ON DELETE CASCADE,
		number      INTEGER NOT NULL,
		round       INTEGER NOT NULL,
		params      TEXT NOT NULL,
		seed        INTEGER NOT NULL,
		status      TEXT NOT NULL,
		value       REAL,
		train_loss  REAL,
		accuracy    REAL,
		iterations  INTEGER NOT NULL,
		stop_reason TEXT NOT NULL,
		error       TEXT NOT NULL,
		started     INTEGER,
		finished    INTEGER,
		history     BLOB,
		PRIMARY KEY (study, number)
	) STRICT;`,
	// Version 2. The study's source (config text, its directory and the
	// --set overrides, as JSON) for workers on other machines; '' for
	// studies stored before.
	`ALTER TABLE studies ADD COLUMN source TEXT NOT NULL DEFAULT ''`,
	// Version 3. The iteration (or step) a trial's value comes from; 0 for
	// trials stored before, where it is unknown.
	`ALTER TABLE trials ADD COLUMN best_iteration INTEGER NOT NULL DEFAULT 0`,
	// Version 4. The lease of a running study: the one process that runs
	// it (see results.Holder). No foreign key: the lease is taken before
	// the study's row is first written, so that two runs of a new study
	// cannot both start it. Times are unix nanoseconds.
	`CREATE TABLE study_leases (
		study     TEXT PRIMARY KEY NOT NULL,
		holder    TEXT NOT NULL,
		host      TEXT NOT NULL,
		pid       INTEGER NOT NULL,
		started   INTEGER NOT NULL,
		heartbeat INTEGER NOT NULL
	) STRICT`,
	// Version 5. The batch jobs (Slurm job ids) that run command trials,
	// every one submitted, in order (results.JobRecorder): a run that dies
	// finds its trials' jobs again. Times are unix nanoseconds.
	`CREATE TABLE trial_jobs (
		id        INTEGER PRIMARY KEY,
		study     TEXT NOT NULL REFERENCES studies (name) ON UPDATE CASCADE ON DELETE CASCADE,
		number    INTEGER NOT NULL,
		job       TEXT NOT NULL,
		submitted INTEGER NOT NULL,
		closed    INTEGER NOT NULL DEFAULT 0
	) STRICT;
	CREATE INDEX trial_jobs_by_trial ON trial_jobs (study, number, id);`,
	// Version 6. A person's request to stop a running trial (RequestStop),
	// which the process running it polls; PutTrial clears it. A running
	// trial's history column holds its curve so far (RecordProgress).
	`ALTER TABLE trials ADD COLUMN stop_requested INTEGER NOT NULL DEFAULT 0`,
	// Version 7. The study's least-squares floor (results.EncodeFloor's
	// JSON); '' for studies without one and those stored before.
	`ALTER TABLE studies ADD COLUMN lsq_floor TEXT NOT NULL DEFAULT ''`,
}

// latestVersion is the schema version this build writes and understands.
func latestVersion() int { return len(migrations) }

const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_version (
	version INTEGER PRIMARY KEY NOT NULL,
	applied INTEGER NOT NULL
) STRICT`

var (
	// ErrNotHPSearch is returned (wrapped, with the path) when the file is
	// not a SQLite database, or is one that holds other programs' tables.
	ErrNotHPSearch = errors.New("not an hpsearch database")
	// ErrSchemaTooNew is returned (wrapped) when the database was written by
	// a newer hpsearch than this one.
	ErrSchemaTooNew = errors.New("database schema is newer than this hpsearch")
)

// querier is what both *sql.DB and *sql.Tx offer for reading the schema.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion returns the database's schema version: 0 for an empty
// database, ErrNotHPSearch for one with tables but no schema_version, and
// ErrSchemaTooNew for one past what this build knows. It only reads.
func schemaVersion(ctx context.Context, q querier, path string) (int, error) {
	tables, err := userTables(ctx, q)
	if err != nil {
		return 0, err
	}
	if !contains(tables, "schema_version") {
		if len(tables) > 0 {
			return 0, fmt.Errorf("%s is %w: it holds tables (%s) but no schema_version",
				path, ErrNotHPSearch, strings.Join(tables, ", "))
		}
		return 0, nil
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if int(v.Int64) > latestVersion() {
		return 0, fmt.Errorf("%s has schema version %d, this hpsearch knows up to %d (upgrade hpsearch): %w",
			path, v.Int64, latestVersion(), ErrSchemaTooNew)
	}
	return int(v.Int64), nil
}

func userTables(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return names, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// migrate applies the missing steps one transaction at a time. The version
// is re-read inside each write transaction (BEGIN IMMEDIATE on the writer
// pool), so two processes opening a new file at once apply each step once.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	for {
		done, err := migrateStep(ctx, db, path)
		if err != nil || done {
			return err
		}
	}
}

func migrateStep(ctx context.Context, db *sql.DB, path string) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin migration: %w", err)
	}
	defer func() {
		if err != nil || done {
			_ = tx.Rollback() // the error already says what went wrong
		}
	}()
	v, err := schemaVersion(ctx, tx, path)
	if err != nil {
		return false, err
	}
	if v == latestVersion() {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, createVersionTable); err != nil {
		return false, fmt.Errorf("create schema_version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied) VALUES (?, ?)`,
		v+1, time.Now().UnixNano()); err != nil {
		return false, fmt.Errorf("record schema version %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit schema version %d: %w", v+1, err)
	}
	return false, nil
}
