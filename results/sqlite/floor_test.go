package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func TestStoreFloor(t *testing.T) {
	storetest.RunFloor(t, func(t *testing.T) results.Store {
		s, err := Open(filepath.Join(t.TempDir(), "f.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A database written before studies kept their least-squares floor
// (schema version 6) is migrated on open: its studies are kept, with no
// floor, and a floor can be stored from then on.
func TestMigrateAddsFloor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v6.db")
	execRaw(t, path, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied INTEGER NOT NULL) STRICT;
		INSERT INTO schema_version VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0);`+strings.Join(migrations[:6], ";\n")+`;
		INSERT INTO studies (name, created, strategy, metric, goal, total, status, config, rounds, source)
		VALUES ('old', NULL, 'random', 'validation_loss', 'minimize', 4, 'finished', '', '[]', '');`)
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open of a version 6 database: %v", err)
	}
	defer s.Close()
	storetest.CheckFloorMigrated(t, s)
	var v int
	if err := rawDB(t, path).QueryRow(`SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != latestVersion() {
		t.Errorf("schema version after open = %d, %v; want %d", v, err, latestVersion())
	}
}
