// Package sqlite is a results.Store in a single SQLite file, through the
// pure-Go modernc.org/sqlite driver (no cgo).
//
// Every PutTrial is its own committed transaction, so a trial is on disk
// when the call returns and a killed sweep loses nothing it has finished.
// Several Stores, in one process or in several, may share a file.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hpsearch/hpsearch/internal/regular"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/rowcodec"
)

var _ results.Store = (*Store)(nil)

// Store keeps studies and trials in one SQLite file. It is safe for
// concurrent use.
type Store struct {
	path string
	abs  string // the file, for Identity
	// w has a single connection: writers queue in Go, which is cheaper and
	// fairer than several connections spinning in SQLite's busy handler.
	w *sql.DB
	// r serves reads on their own connections, so a long read (a 100k-trial
	// study) never holds up PutTrial: in WAL mode readers and the writer do
	// not block each other.
	r *sql.DB

	putStudy, putTrial                        *sql.Stmt // on w
	getStudy, countTrials, getTrials, studies *sql.Stmt // on r
}

// Pragmas every connection gets.
//   - busy_timeout: another process (a second worker, `hpsearch show`)
//     may hold the write lock; wait for it rather than fail.
//   - synchronous=NORMAL: in WAL mode a commit is in the WAL once it
//     returns, so it survives a crash or kill -9 of the process; only an OS
//     crash or power loss can lose the last few commits (the database stays
//     consistent). FULL would fsync every trial for that last case alone.
//   - foreign_keys: SQLite leaves them off unless asked, per connection.
//
// journal_mode=WAL is deliberately not here: it rewrites the file header,
// and Open must not write to a file before knowing it is ours.
const basePragmas = "_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Open opens the database at path, creating it and its parent directories
// if needed, and brings its schema up to date. It refuses a file that is not
// an hpsearch database (ErrNotHPSearch) or was written by a newer hpsearch
// (ErrSchemaTooNew), without writing to it.
func Open(path string) (*Store, error) {
	ctx := context.Background()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("open %s: create directory: %w", path, err)
	}
	if err := checkHeader(abs, path); err != nil {
		return nil, err
	}
	if err := createPrivate(abs, path); err != nil {
		return nil, err
	}
	s := &Store{path: path, abs: abs}
	if err := s.open(ctx, abs); err != nil {
		_ = s.Close() // the open error matters more than a close error
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context, abs string) error {
	// _txlock=immediate: a write transaction takes the write lock at BEGIN,
	// where busy_timeout applies, instead of upgrading later and failing at
	// once with SQLITE_BUSY when another process got there first.
	w, err := sql.Open("sqlite", dsn(abs, "_txlock=immediate"))
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	s.w = w
	w.SetMaxOpenConns(1)

	// Read-only checks first: a foreign or newer file is refused untouched.
	version, err := schemaVersion(ctx, w, s.path)
	if err != nil {
		return s.wrap("open", err)
	}
	if err := enableWAL(ctx, w); err != nil {
		return s.wrap("open", err)
	}
	// An up-to-date file needs no write lock, so opening does not wait on
	// another process's write, and a read-only copy can still be opened.
	if version < latestVersion() {
		if err := migrate(ctx, w, s.path); err != nil {
			return s.wrap("open", err)
		}
	}

	r, err := sql.Open("sqlite", dsn(abs, "_pragma=query_only(1)"))
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	s.r = r
	r.SetMaxOpenConns(4)
	return s.prepare(ctx)
}

// dsn builds a file: URI; escaping the path keeps a '?' or '#' in a
// directory name from being read as the start of the query.
func dsn(abs, extra string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive: SQLite wants file:/C:/...
	}
	u := url.URL{Path: p}
	return "file:" + u.EscapedPath() + "?" + basePragmas + "&" + extra
}

// createPrivate creates a new database file readable by its owner only:
// it holds each study's config, trainer.env values (API keys) included.
// SQLite gives the -wal and -shm files the main file's mode. An existing
// file keeps the mode its owner gave it.
func createPrivate(abs, path string) error {
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	return f.Close()
}

// checkHeader refuses an existing non-empty file that is not SQLite, before
// the driver touches it. An empty file is what SQLite itself creates for a
// new database, so it passes. Anything but a regular file is refused
// unread: a FIFO would wait for a writer for ever, a device is no database.
func checkHeader(abs, path string) error {
	// SQLite's own files beside the database: a FIFO left there blocked
	// the driver's open for ever, a directory failed as "disk I/O error".
	for _, suffix := range []string{"-journal", "-wal", "-shm"} {
		if st, err := os.Stat(abs + suffix); err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("%w; SQLite keeps the database's %s file there: remove it",
				&regular.NotRegularError{Path: path + suffix, Mode: st.Mode()}, suffix[1:])
		}
	}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	f, _, err := regular.Open(abs)
	if err != nil {
		var nr *regular.NotRegularError
		if errors.As(err, &nr) {
			nr.Path = path
			return nr
		}
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && err == io.EOF {
		return nil
	}
	if err != nil && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if !bytes.Equal(head[:n], sqliteMagic) {
		return fmt.Errorf("%s is %w: not a SQLite file", path, ErrNotHPSearch)
	}
	return nil
}

// enableWAL switches the file to write-ahead logging, which is persistent
// and lets readers and the writer work at the same time.
func enableWAL(ctx context.Context, db *sql.DB) error {
	// Switching the journal mode needs the file to itself, and SQLite
	// answers SQLITE_BUSY at once, without its busy handler, when another
	// process opening the same new file holds a lock: retry for as long as
	// the busy timeout would have waited.
	deadline := time.Now().Add(10 * time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		if err == nil && mode != "wal" {
			return fmt.Errorf("enable WAL: journal mode is still %q", mode)
		}
		if err == nil {
			return nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("enable WAL: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("enable WAL: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED)
}

const (
	// ON CONFLICT DO UPDATE rather than INSERT OR REPLACE: REPLACE deletes
	// the old row first, and the foreign key's ON DELETE CASCADE would take
	// the study's trials with it.
	putStudySQL = `INSERT INTO studies (name, created, strategy, metric, goal, total, status, config, rounds, source, lsq_floor)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (name) DO UPDATE SET created = excluded.created, strategy = excluded.strategy,
		metric = excluded.metric, goal = excluded.goal, total = excluded.total,
		status = excluded.status, config = excluded.config, rounds = excluded.rounds,
		source = excluded.source, lsq_floor = excluded.lsq_floor`

	putTrialSQL = `INSERT INTO trials (study, number, round, params, seed, status, value, train_loss,
		accuracy, iterations, stop_reason, error, started, finished, history, best_iteration)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (study, number) DO UPDATE SET round = excluded.round, params = excluded.params,
		seed = excluded.seed, status = excluded.status, value = excluded.value,
		train_loss = excluded.train_loss, accuracy = excluded.accuracy,
		iterations = excluded.iterations, stop_reason = excluded.stop_reason,
		error = excluded.error, started = excluded.started, finished = excluded.finished,
		history = excluded.history, best_iteration = excluded.best_iteration, stop_requested = 0`

	studyColumns = `name, created, strategy, metric, goal, total, status, config, rounds, source, lsq_floor`

	getStudySQL = `SELECT ` + studyColumns + ` FROM studies WHERE name = ?`

	studiesSQL = `SELECT ` + studyColumns + ` FROM studies ORDER BY created, name`

	countTrialsSQL = `SELECT count(*) FROM trials WHERE study = ?`

	getTrialsSQL = `SELECT number, round, params, seed, status, value, train_loss, accuracy,
		iterations, stop_reason, error, started, finished, history, best_iteration
	FROM trials WHERE study = ? ORDER BY number`
)

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		db   *sql.DB
		dst  **sql.Stmt
		text string
	}{
		{s.w, &s.putStudy, putStudySQL},
		{s.w, &s.putTrial, putTrialSQL},
		{s.r, &s.getStudy, getStudySQL},
		{s.r, &s.countTrials, countTrialsSQL},
		{s.r, &s.getTrials, getTrialsSQL},
		{s.r, &s.studies, studiesSQL},
	} {
		st, err := p.db.PrepareContext(ctx, p.text)
		if err != nil {
			return s.wrap("prepare statements for", err)
		}
		*p.dst = st
	}
	return nil
}

// Close releases the database. Trials already put are on disk either way.
func (s *Store) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.putStudy, s.putTrial, s.getStudy, s.countTrials, s.getTrials, s.studies} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, db := range []*sql.DB{s.r, s.w} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	return nil
}

// wrap names the file in every error, since a full disk or a read-only
// directory is something the user fixes by looking at the path.
func (s *Store) wrap(op string, err error) error {
	if errors.Is(err, ErrNotHPSearch) || errors.Is(err, ErrSchemaTooNew) {
		return err // these already start with the path
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_NOTADB {
		return fmt.Errorf("%s is %w: %v", s.path, ErrNotHPSearch, err)
	}
	return fmt.Errorf("%s %s: %w", op, s.path, err)
}

// PutStudy creates or updates a study's record.
func (s *Store) PutStudy(ctx context.Context, st results.Study) error {
	if st.Name == "" {
		return fmt.Errorf("put study in %s: empty study name", s.path)
	}
	rounds, err := rowcodec.EncodeRounds(st.Rounds)
	if err != nil {
		return fmt.Errorf("put study %q in %s: %w", st.Name, s.path, err)
	}
	created, err := rowcodec.NullableTime(st.Created)
	if err != nil {
		return fmt.Errorf("put study %q in %s: created: %w", st.Name, s.path, err)
	}
	floor, err := results.EncodeFloor(st.Floor)
	if err != nil {
		return fmt.Errorf("put study %q in %s: %w", st.Name, s.path, err)
	}
	_, err = s.putStudy.ExecContext(ctx, st.Name, created, st.Strategy, st.Metric, st.Goal,
		int64(st.Total), st.Status, st.Config, rounds, st.Source, floor)
	if err != nil {
		return s.wrap(fmt.Sprintf("put study %q in", st.Name), err)
	}
	return nil
}

// PutTrial creates or replaces trial (t.Study, t.Number); the study must
// have been put first, or the error wraps results.ErrNotFound. It returns
// once the trial is committed.
func (s *Store) PutTrial(ctx context.Context, t results.Trial) error {
	args, err := rowcodec.TrialArgs(t)
	if err != nil {
		return fmt.Errorf("put trial %s#%d in %s: %w", t.Study, t.Number, s.path, err)
	}
	if _, err := s.putTrial.ExecContext(ctx, args...); err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
			err = fmt.Errorf("study %q: %w", t.Study, results.ErrNotFound)
		}
		return s.wrap(fmt.Sprintf("put trial %s#%d in", t.Study, t.Number), err)
	}
	return nil
}

// Study returns a study and its trials ordered by number, read from one
// snapshot. A missing study gives an error wrapping results.ErrNotFound.
func (s *Store) Study(ctx context.Context, name string) (results.Study, []results.Trial, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return results.Study{}, nil, s.wrap(fmt.Sprintf("read study %q from", name), err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose

	st, err := scanStudy(tx.StmtContext(ctx, s.getStudy).QueryRowContext(ctx, name))
	if errors.Is(err, sql.ErrNoRows) {
		return results.Study{}, nil, fmt.Errorf("study %q in %s: %w", name, s.path, results.ErrNotFound)
	}
	if err != nil {
		return results.Study{}, nil, s.wrap(fmt.Sprintf("read study %q from", name), err)
	}
	var count int
	if err := tx.StmtContext(ctx, s.countTrials).QueryRowContext(ctx, name).Scan(&count); err != nil {
		return results.Study{}, nil, s.wrap(fmt.Sprintf("count trials of %q in", name), err)
	}
	trials, err := readTrials(ctx, tx.StmtContext(ctx, s.getTrials), name, count)
	if err != nil {
		return results.Study{}, nil, s.wrap(fmt.Sprintf("read trials of %q from", name), err)
	}
	return st, trials, nil
}

// Studies lists all studies, oldest first.
func (s *Store) Studies(ctx context.Context) ([]results.Study, error) {
	rows, err := s.studies.QueryContext(ctx)
	if err != nil {
		return nil, s.wrap("list studies in", err)
	}
	defer rows.Close()
	var out []results.Study
	for rows.Next() {
		st, err := scanStudy(rows)
		if err != nil {
			return nil, s.wrap("list studies in", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("list studies in", err)
	}
	return out, nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanStudy(sc scanner) (results.Study, error) {
	var (
		st      results.Study
		created sql.NullInt64
		total   int64
		rounds  string
		floor   string
	)
	if err := sc.Scan(&st.Name, &created, &st.Strategy, &st.Metric, &st.Goal, &total,
		&st.Status, &st.Config, &rounds, &st.Source, &floor); err != nil {
		return st, err
	}
	st.Created = timeOrZero(created)
	st.Total = int(total)
	var err error
	if st.Rounds, err = rowcodec.DecodeRounds(rounds); err != nil {
		return st, fmt.Errorf("study %q: %w", st.Name, err)
	}
	if st.Floor, err = results.DecodeFloor(floor); err != nil {
		return st, fmt.Errorf("study %q: %w", st.Name, err)
	}
	return st, nil
}

// readTrials reads count trials (a hint for the allocation) of study.
func readTrials(ctx context.Context, stmt *sql.Stmt, study string, count int) ([]results.Trial, error) {
	rows, err := stmt.QueryContext(ctx, study)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	trials := make([]results.Trial, 0, count)
	dec := trialDecoder{names: make(map[string]string)}
	for rows.Next() {
		t, err := dec.scan(rows)
		if err != nil {
			return nil, err
		}
		t.Study = study
		trials = append(trials, t)
	}
	return trials, rows.Err()
}

// trialDecoder holds scan destinations reused across rows; RawBytes lets
// the params and history columns be decoded without a copy.
type trialDecoder struct {
	number, round, seed, iterations, bestIteration int64
	status, stopReason, errText                    string
	value, trainLoss, accuracy                     sql.NullFloat64
	started, finished                              sql.NullInt64
	params, history                                sql.RawBytes
	names                                          map[string]string // parameter names, interned
}

func (d *trialDecoder) scan(rows *sql.Rows) (results.Trial, error) {
	if err := rows.Scan(&d.number, &d.round, &d.params, &d.seed, &d.status, &d.value, &d.trainLoss,
		&d.accuracy, &d.iterations, &d.stopReason, &d.errText, &d.started, &d.finished, &d.history,
		&d.bestIteration); err != nil {
		return results.Trial{}, err
	}
	params, paramsErr := rowcodec.DecodeParams(d.params, d.names)
	history, reports, historyErr := rowcodec.DecodeHistory(d.history)
	t := results.Trial{
		Number:        int(d.number),
		Round:         int(d.round),
		Params:        params,
		Seed:          uint64(d.seed),
		Status:        results.Status(d.status),
		Value:         measurementOf(d.value),
		TrainLoss:     measurementOf(d.trainLoss),
		Accuracy:      measurementOf(d.accuracy),
		Iterations:    int(d.iterations),
		BestIteration: int(d.bestIteration),
		StopReason:    d.stopReason,
		Error:         d.errText,
		Started:       timeOrZero(d.started),
		Finished:      timeOrZero(d.finished),
		History:       history,
		Reports:       reports,
	}
	if paramsErr != nil || historyErr != nil {
		return rowcodec.Unreadable(t, paramsErr, historyErr), nil
	}
	return t, nil
}

// Identity names the database file: two stores of the same file hold the
// same studies.
func (s *Store) Identity() string { return "sqlite:" + s.abs }
