package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// TestConformance runs the checks every results.Store passes, each in a
// fresh schema.
func TestConformance(t *testing.T) {
	open := func(t *testing.T) results.Store {
		s, _ := openTest(t)
		return s
	}
	storetest.Run(t, open)
	t.Run("BadInput", func(t *testing.T) { storetest.RunBadInput(t, open) })
	t.Run("StudyLease", func(t *testing.T) { storetest.RunStudyLease(t, open) })
}

// Errors name the database, and the queue refuses what the store would.
func TestNotFoundAndBadInput(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	err := s.PutTrial(ctx, storetest.FinishedTrial("nope", 0))
	if !errors.Is(err, results.ErrNotFound) || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("PutTrial(unknown study) = %v, want ErrNotFound naming the database", err)
	}
	if err := s.Enqueue(ctx, "nope", waitingTrials("nope", 0, 2)); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("Enqueue(unknown study) = %v, want ErrNotFound", err)
	}
	if err := s.PutStudy(ctx, storetest.Study("s", storetest.T0)); err != nil {
		t.Fatal(err)
	}
	err = s.Enqueue(ctx, "s", waitingTrials("other", 0, 1))
	if want := `belongs to study "other"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("enqueue into another study: got %v, want an error containing %q", err, want)
	}
	if errors.Is(err, results.ErrUnavailable) {
		t.Errorf("a bad input is not a connection problem: %v", err)
	}
}

// Several processes starting at once on an empty schema: each migration
// step runs exactly once, and every opener succeeds.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, url)
			if err == nil {
				err = errors.Join(s.PutStudy(ctx, storetest.Study(fmt.Sprint("s", i), storetest.T0)), s.Close())
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
	conn := rawConn(t, url)
	var rows int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_version`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != latestVersion() {
		t.Errorf("schema_version has %d rows, want %d", rows, latestVersion())
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	foreign := pgtest.URL(t)
	conn := rawConn(t, foreign)
	if _, err := conn.Exec(ctx, `CREATE TABLE studies (id int)`); err != nil {
		t.Fatal(err)
	}
	newer := pgtest.URL(t)
	s, err := Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := rawConn(t, newer).Exec(ctx, `INSERT INTO schema_version VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(foreign, "search_path=", "search_path=no_such_schema_", 1)
	withPassword := strings.Replace(foreign, "hpsearch_test", "no_such_database", 1)
	tests := []struct {
		name, url string
		target    error
		want      string
	}{
		{"foreign tables", foreign, ErrNotHPSearch, "holds a studies or trials table"},
		{"newer schema", newer, ErrSchemaTooNew, "has schema version 99"},
		{"missing schema", base, nil, "search_path names no existing schema"},
		{"missing database", withPassword, nil, "no_such_database"},
		{"not a URL", "postgres://a b@%zz/", nil, "open postgres://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.url)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %v does not wrap %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), ":hpsearch@") {
				t.Errorf("error shows the password: %q", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@db:5432/x?sslmode=disable": "postgres://u:***@db:5432/x?sslmode=disable",
		"postgres://db/x?password=secret&user=u":        "postgres://db/x?password=***&user=u",
		"postgres://u@db/x":                             "postgres://u@db/x",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// rawConn is a plain connection to url, as another program would open.
func rawConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}
