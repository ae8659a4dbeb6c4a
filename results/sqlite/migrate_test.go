package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hpsearch/hpsearch/results/rowcodec"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// A database written before studies had a source (schema version 1) is
// migrated on open: its studies are kept, with an empty source, and a
// source can be stored from then on.
func TestMigrateAddsSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	execRaw(t, path, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied INTEGER NOT NULL) STRICT;
		INSERT INTO schema_version VALUES (1, 0);`+migrations[0]+`;
		INSERT INTO studies VALUES ('old', NULL, 'random', 'validation_loss', 'minimize', 4, 'finished', '', '[]');`)
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open of a version 1 database: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	old, _, err := s.Study(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if old.Source != "" || old.Status != "finished" || old.Total != 4 {
		t.Errorf("migrated study = %+v, want it kept with an empty source", old)
	}
	st := storetest.Study("new", storetest.T0)
	if err := s.PutStudy(ctx, st); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Study(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	storetest.AssertStudy(t, st, got)
	var v int
	if err := rawDB(t, path).QueryRow(`SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != latestVersion() {
		t.Errorf("schema version after open = %d, %v; want %d", v, err, latestVersion())
	}
}

// A database written before trials kept the iteration their value comes
// from (schema version 2) is migrated on open: its trials are kept, with
// best_iteration 0 (unknown), and new trials store theirs.
func TestMigrateAddsBestIteration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	execRaw(t, path, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied INTEGER NOT NULL) STRICT;
		INSERT INTO schema_version VALUES (1, 0), (2, 0);`+migrations[0]+`;`+migrations[1])
	ctx := context.Background()
	old := storetest.FinishedTrial("old", 0)
	// The row as a version 2 build wrote it: the 15 columns before
	// best_iteration.
	args, err := rowcodec.TrialArgs(old)
	if err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	if _, err := db.ExecContext(ctx, `INSERT INTO studies (name, created, strategy, metric, goal, total, status, config, rounds, source)
		VALUES ('old', NULL, 'random', 'validation_loss', 'minimize', 4, 'finished', '', '[]', '')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO trials (study, number, round, params, seed, status, value, train_loss,
		accuracy, iterations, stop_reason, error, started, finished, history)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args[:15]...); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open of a version 2 database: %v", err)
	}
	defer s.Close()
	storetest.CheckBestIterationUpgrade(t, s, old)
	var v int
	if err := rawDB(t, path).QueryRow(`SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != latestVersion() {
		t.Errorf("schema version after open = %d, %v; want %d", v, err, latestVersion())
	}
}
