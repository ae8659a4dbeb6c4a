// Package postgres is a results.Store in a PostgreSQL database, through
// pgx and its connection pool. It is the store that several machines share:
// besides results.Store and results.Summarizer it is a queue of trials
// (search.Queue and all its capabilities), so workers anywhere claim a
// study's waiting trials.
//
// Every write is its own committed statement or transaction: a trial is in
// the database when the call returns.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/rowcodec"
)

var (
	_ results.Store      = (*Store)(nil)
	_ results.Summarizer = (*Store)(nil)
)

// Store keeps studies and trials in one PostgreSQL schema. It is safe for
// concurrent use.
type Store struct {
	name string // the URL without its password, for messages
	id   string // database and schema, for Identity
	pool *pgxpool.Pool
}

// connectTimeout bounds one attempt to reach the server when the URL does
// not say (connect_timeout=): a worker that lost the network must get an
// error it can retry, not hang.
const connectTimeout = 10 * time.Second

// Open connects to the database a postgres:// URL names and brings its
// schema up to date. Pool settings (pool_max_conns=…) and server settings
// (search_path=…, to keep hpsearch's tables in a schema of their own) may
// be given in the URL's query. No message ever holds the password.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	name := Redact(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// pgconn redacts the password in its own message.
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	c := cfg.ConnConfig
	s := &Store{name: name, pool: pool,
		id: fmt.Sprintf("postgres:%s?search_path=%s", c.Database, c.RuntimeParams["search_path"])}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	v, err := schemaVersion(ctx, s.pool, s.name)
	if err != nil {
		return s.wrap("open", err)
	}
	// An up-to-date schema needs no lock, so opening never waits for
	// another process's migration once there is nothing to migrate.
	if v < latestVersion() {
		if err := migrate(ctx, s.pool, s.name); err != nil {
			return s.wrap("open", err)
		}
	}
	return nil
}

// Close releases the pool's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Redact returns a database URL with its password replaced by "***",
// whether it is in the user part or in the query.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Set(k, "***")
		}
	}
	u.RawQuery = q.Encode()
	s := u.String()
	return strings.ReplaceAll(s, "%2A%2A%2A", "***")
}

// wrap names the database in every error and marks what is worth retrying
// (results.ErrUnavailable): the server could not be reached or went away.
// An error the server reports about the statement itself is final.
func (s *Store) wrap(op string, err error) error {
	if errors.Is(err, ErrNotHPSearch) || errors.Is(err, ErrSchemaTooNew) || errors.Is(err, results.ErrNotFound) {
		return fmt.Errorf("%s %s: %w", op, s.name, err)
	}
	if transient(err) {
		return fmt.Errorf("%s %s: %w: %w", op, s.name, results.ErrUnavailable, err)
	}
	return fmt.Errorf("%s %s: %w", op, s.name, err)
}

// transient reports whether err means the database could not be talked
// to, rather than that it refused the request.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up; retrying is its decision
	}
	// The server's answer first: a refused password or a missing database
	// fails to connect too, but trying again will not help.
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "57P"),      // admin or crash shutdown, cannot connect now
			pe.Code == "53300",                     // too many connections
			pe.Code == "40001", pe.Code == "40P01": // serialization failure, deadlock
			return true
		}
		return false
	}
	// Not a server's answer: the connection failed or broke mid-call.
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	return errors.As(err, &ce) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// isForeignKey reports a reference to a study that does not exist.
func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

const putStudySQL = `INSERT INTO studies (name, created, strategy, metric, goal, total, status, config, rounds, source, lsq_floor)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (name) DO UPDATE SET created = excluded.created, strategy = excluded.strategy,
	metric = excluded.metric, goal = excluded.goal, total = excluded.total,
	status = CASE WHEN studies.status = 'failed' THEN studies.status ELSE excluded.status END,
	config = excluded.config, rounds = excluded.rounds, source = excluded.source, lsq_floor = excluded.lsq_floor`

// PutStudy creates or updates a study's record; its trials and failure
// limit are kept. So is the status of a study stopped for too many failed
// trials (results.StudyFailed): a record written from what a process read
// before the stop must not undo it, and only LimitFailures lifts it.
func (s *Store) PutStudy(ctx context.Context, st results.Study) error {
	if st.Name == "" {
		return fmt.Errorf("put study in %s: empty study name", s.name)
	}
	rounds, err := rowcodec.EncodeRounds(st.Rounds)
	if err != nil {
		return fmt.Errorf("put study %q in %s: %w", st.Name, s.name, err)
	}
	created, err := rowcodec.NullableTime(st.Created)
	if err != nil {
		return fmt.Errorf("put study %q in %s: created: %w", st.Name, s.name, err)
	}
	floor, err := results.EncodeFloor(st.Floor)
	if err != nil {
		return fmt.Errorf("put study %q in %s: %w", st.Name, s.name, err)
	}
	if _, err := s.pool.Exec(ctx, putStudySQL, st.Name, created, st.Strategy, st.Metric, st.Goal,
		int64(st.Total), st.Status, st.Config, rounds, st.Source, floor); err != nil {
		return s.wrap(fmt.Sprintf("put study %q in", st.Name), err)
	}
	return nil
}

// The queue's columns (worker, attempt, heartbeat) are left alone: a plain
// PutTrial is not a claim.
const putTrialSQL = `INSERT INTO trials (study, number, round, params, seed, status, value, train_loss,
	accuracy, iterations, stop_reason, error, started, finished, history, best_iteration)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (study, number) DO UPDATE SET round = excluded.round, params = excluded.params,
	seed = excluded.seed, status = excluded.status, value = excluded.value,
	train_loss = excluded.train_loss, accuracy = excluded.accuracy, iterations = excluded.iterations,
	stop_reason = excluded.stop_reason, error = excluded.error, started = excluded.started,
	finished = excluded.finished, history = excluded.history, best_iteration = excluded.best_iteration,
	stop_requested = false`

// PutTrial creates or replaces trial (t.Study, t.Number); the study must
// have been put first, or the error wraps results.ErrNotFound.
func (s *Store) PutTrial(ctx context.Context, t results.Trial) error {
	args, err := rowcodec.TrialArgs(t)
	if err != nil {
		return fmt.Errorf("put trial %s#%d in %s: %w", t.Study, t.Number, s.name, err)
	}
	if _, err := s.pool.Exec(ctx, putTrialSQL, args...); err != nil {
		if isForeignKey(err) {
			err = fmt.Errorf("study %q: %w", t.Study, results.ErrNotFound)
		}
		return s.wrap(fmt.Sprintf("put trial %s#%d in", t.Study, t.Number), err)
	}
	return nil
}

const (
	studyColumns = `name, created, strategy, metric, goal, total, status, config, rounds, source, lsq_floor`
	// NULLS FIRST: a study without a creation time sorts first, as in SQLite.
	studiesSQL  = `SELECT ` + studyColumns + ` FROM studies ORDER BY created NULLS FIRST, name`
	getStudySQL = `SELECT ` + studyColumns + ` FROM studies WHERE name = $1`

	trialColumns = `number, round, params, seed, status, value, train_loss, accuracy,
	iterations, stop_reason, error, started, finished, history, best_iteration`
	getTrialsSQL = `SELECT ` + trialColumns + ` FROM trials WHERE study = $1 ORDER BY number`
)

// Study returns a study and its trials ordered by number, read from one
// snapshot. A missing study gives an error wrapping results.ErrNotFound.
func (s *Store) Study(ctx context.Context, name string) (results.Study, []results.Trial, error) {
	op := fmt.Sprintf("read study %q from", name)
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return results.Study{}, nil, s.wrap(op, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only: nothing to lose

	st, err := scanStudy(tx.QueryRow(ctx, getStudySQL, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return results.Study{}, nil, fmt.Errorf("study %q in %s: %w", name, s.name, results.ErrNotFound)
	}
	if err != nil {
		return results.Study{}, nil, s.wrap(op, err)
	}
	rows, err := tx.Query(ctx, getTrialsSQL, name)
	if err != nil {
		return results.Study{}, nil, s.wrap(op, err)
	}
	trials, err := scanTrials(rows, name)
	if err != nil {
		return results.Study{}, nil, s.wrap(op, err)
	}
	return st, trials, nil
}

// Studies lists all studies, oldest first.
func (s *Store) Studies(ctx context.Context) ([]results.Study, error) {
	rows, err := s.pool.Query(ctx, studiesSQL)
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

func scanStudy(row pgx.Row) (results.Study, error) {
	var (
		st      results.Study
		created *int64
		total   int64
		rounds  string
		floor   string
	)
	if err := row.Scan(&st.Name, &created, &st.Strategy, &st.Metric, &st.Goal, &total,
		&st.Status, &st.Config, &rounds, &st.Source, &floor); err != nil {
		return st, err
	}
	st.Created = rowcodec.TimeOrZero(created)
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

// scanTrials reads rows of trialColumns and closes them.
func scanTrials(rows pgx.Rows, study string) ([]results.Trial, error) {
	defer rows.Close()
	var trials []results.Trial
	for rows.Next() {
		t, err := scanTrial(rows)
		if err != nil {
			return nil, err
		}
		t.Study = study
		trials = append(trials, t)
	}
	return trials, rows.Err()
}

func scanTrial(row pgx.Row) (results.Trial, error) {
	var (
		number, round, seed, iterations int64
		bestIteration                   int64
		params, status                  string
		value, trainLoss, accuracy      *float64
		started, finished               *int64
		history                         []byte
		t                               results.Trial
	)
	if err := row.Scan(&number, &round, &params, &seed, &status, &value, &trainLoss, &accuracy,
		&iterations, &t.StopReason, &t.Error, &started, &finished, &history, &bestIteration); err != nil {
		return t, err
	}
	var paramsErr, historyErr error
	t.Params, paramsErr = rowcodec.DecodeParams([]byte(params), nil)
	t.History, t.Reports, historyErr = rowcodec.DecodeHistory(history)
	t.Number, t.Round, t.Seed, t.Iterations = int(number), int(round), uint64(seed), int(iterations)
	t.BestIteration = int(bestIteration)
	t.Status = results.Status(status)
	t.Value, t.TrainLoss, t.Accuracy = rowcodec.MeasurementOf(value), rowcodec.MeasurementOf(trainLoss), rowcodec.MeasurementOf(accuracy)
	t.Started, t.Finished = rowcodec.TimeOrZero(started), rowcodec.TimeOrZero(finished)
	if paramsErr != nil || historyErr != nil {
		return rowcodec.Unreadable(t, paramsErr, historyErr), nil
	}
	return t, nil
}

// Identity names the database and schema, not the server: one server is
// reached by many names (localhost, an address, a socket), and two
// workers of one shared study that spell it differently must still know
// each other's trials (a takeover stops the earlier program). Two servers
// with a database of the same name are told apart only by their studies.
func (s *Store) Identity() string { return s.id }
