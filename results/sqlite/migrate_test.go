package sqlite

import (
	"context"
	"path/filepath"
	"testing"

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
