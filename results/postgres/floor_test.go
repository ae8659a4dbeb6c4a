package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func TestStoreFloor(t *testing.T) {
	storetest.RunFloor(t, func(t *testing.T) results.Store {
		s, _ := openTest(t)
		return s
	})
}

// A schema written before studies kept their least-squares floor (version
// 7) is migrated on open: its studies are kept, with no floor, and a floor
// can be stored from then on.
func TestMigrateAddsFloor(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	conn := rawConn(t, url)
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL);
		INSERT INTO schema_version VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0);`+strings.Join(migrations[:7], ";\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO studies (name, created, strategy, metric, goal, total, status, config, rounds)
		VALUES ('old', NULL, 'random', 'validation_loss', 'minimize', 4, 'finished', '', '[]')`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("Open of a version 7 schema: %v", err)
	}
	defer s.Close()
	storetest.CheckFloorMigrated(t, s)
	var v int
	if err := conn.QueryRow(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != latestVersion() {
		t.Errorf("schema version after open = %d, %v; want %d", v, err, latestVersion())
	}
}
