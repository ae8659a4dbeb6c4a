package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs", "hpsearch.db") // runs/ does not exist yet
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// TestConformance runs the checks every results.Store passes, each on a
// fresh file.
func TestConformance(t *testing.T) {
	open := func(t *testing.T) results.Store {
		s, _ := openTemp(t)
		return s
	}
	storetest.Run(t, open)
	t.Run("BadInput", func(t *testing.T) { storetest.RunBadInput(t, open) })
	t.Run("StudyLease", func(t *testing.T) { storetest.RunStudyLease(t, open) })
}

// Errors name the database file, since a machine may have several.
func TestNotFoundNamesFile(t *testing.T) {
	s, path := openTemp(t)
	err := s.PutTrial(context.Background(), storetest.FinishedTrial("nope", 0))
	if !errors.Is(err, results.ErrNotFound) {
		t.Errorf("PutTrial(unknown study) = %v, want ErrNotFound", err)
	}
	if err != nil && !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

// Eight goroutines over two Stores on one file: within a Store writes queue
// on its one connection; across Stores (as across processes) busy_timeout
// must keep "database is locked" away.
func TestConcurrentPutTrial(t *testing.T) {
	a, path := openTemp(t)
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	if err := a.PutStudy(ctx, storetest.Study("s", storetest.T0)); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		store := []*Store{a, b}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tr := storetest.FinishedTrial("s", w*each+i)
				running := tr
				running.Status, running.Finished, running.History = results.StatusRunning, time.Time{}, nil
				if err := store.PutTrial(ctx, running); err != nil {
					errs <- err
				}
				if err := store.PutTrial(ctx, tr); err != nil {
					errs <- err
				}
				if i%10 == 0 { // readers alongside the writers
					if _, _, err := store.Study(ctx, "s"); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, trials, err := b.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != workers*each {
		t.Fatalf("got %d trials, want %d", len(trials), workers*each)
	}
	for i, tr := range trials {
		if tr.Number != i || tr.Status != results.StatusOK {
			t.Fatalf("trials[%d] = #%d %s, want #%d ok", i, tr.Number, tr.Status, i)
		}
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hpsearch.db")
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Study("s", storetest.T0)
	tr := storetest.FinishedTrial("s", 0)
	if err := s.PutStudy(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTrial(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	gotStudy, trials, err := s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	storetest.AssertStudy(t, st, gotStudy)
	if len(trials) != 1 {
		t.Fatalf("got %d trials, want 1", len(trials))
	}
	storetest.AssertTrial(t, tr, trials[0])

	db := rawDB(t, path)
	var versions []int
	rows, err := db.Query(`SELECT version FROM schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	var want []int
	for v := 1; v <= latestVersion(); v++ {
		want = append(want, v)
	}
	if fmt.Sprint(versions) != fmt.Sprint(want) {
		t.Errorf("schema_version rows = %v, want %v (each recorded once, not again on reopen)", versions, want)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// URI syntax in the path ('?', '#', '%') must not leak into the DSN.
func TestOpenAwkwardPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my runs?x=1#frag", "100%")
	path := filepath.Join(dir, "hp search.db")
	ctx := context.Background()
	for i := range 2 { // create, then reopen
		s, err := Open(path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		if err := s.PutStudy(ctx, storetest.Study(fmt.Sprint("s", i), storetest.T0)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Studies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != i+1 {
			t.Errorf("open #%d: %d studies, want %d", i, len(got), i+1)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) == 0 || names[0] != "hp search.db" {
		t.Errorf("files in %s: %v, want hp search.db first", dir, names)
	}
}

func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open(empty file) = %v; SQLite treats an empty file as a new database", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	textFile := filepath.Join(dir, "notes.txt")
	writeFile(t, textFile, "these are my notes, not a database\n")
	shortFile := filepath.Join(dir, "short")
	writeFile(t, shortFile, "SQL")
	corrupt := filepath.Join(dir, "corrupt.db")
	writeFile(t, corrupt, "SQLite format 3\x00"+strings.Repeat("\xff", 200))
	foreign := filepath.Join(dir, "other-app.db")
	execRaw(t, foreign, `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada')`)
	newer := filepath.Join(dir, "newer.db")
	s, err := Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	execRaw(t, newer, `INSERT INTO schema_version (version, applied) VALUES (99, 0)`)

	tests := []struct {
		name   string
		path   string
		target error  // errors.Is target, if any
		want   string // part of the message
	}{
		{"text file", textFile, ErrNotHPSearch, textFile + " is not an hpsearch database: not a SQLite file"},
		{"file shorter than a header", shortFile, ErrNotHPSearch, "not a SQLite file"},
		{"SQLite header, garbage after", corrupt, ErrNotHPSearch, corrupt + " is not an hpsearch database"},
		{"foreign SQLite database", foreign, ErrNotHPSearch, foreign + " is not an hpsearch database: it holds tables (users)"},
		{"newer schema", newer, ErrSchemaTooNew, newer + " has schema version 99"},
		{"directory", dir, nil, dir + " is a directory, not a regular file"},
		{"parent is a regular file", filepath.Join(textFile, "sub", "hpsearch.db"), nil, "create directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, tc.path)
			s, err := Open(tc.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded, want an error", tc.path)
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %v does not wrap %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if after := snapshot(t, tc.path); after != before {
				t.Errorf("Open changed %s although it refused it", tc.path)
			}
		})
	}
}

func TestReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores permission bits; TestOpenRefuses covers the unwritable path portably")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hpsearch.db")
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open in a read-only directory succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

// snapshot is the content of path and of any WAL or SHM file beside it,
// to check that a refused Open wrote nothing.
func snapshot(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			fmt.Fprintf(&b, "%s: absent or dir\n", p)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %q\n", p, data)
	}
	return b.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rawDB opens path with the bare driver, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func execRaw(t *testing.T, path, stmts string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmts); err != nil {
		t.Fatal(err)
	}
}

// Two workers starting a sweep at once both create the schema: each
// migration step must run exactly once.
func TestConcurrentOpenOfNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hpsearch.db")
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(path)
			if err == nil {
				err = s.PutStudy(context.Background(), storetest.Study(fmt.Sprint("s", i), storetest.T0))
				err = errors.Join(err, s.Close())
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
	var rows int
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM schema_version`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != latestVersion() {
		t.Errorf("schema_version has %d rows, want %d", rows, latestVersion())
	}
}
