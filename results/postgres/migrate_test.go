package postgres

import (
	"context"
	"testing"

	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/results/rowcodec"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// A schema written before trials kept the iteration their value comes from
// (version 1) is migrated on open: its trials are kept, with
// best_iteration 0 (unknown), and new trials store theirs.
func TestMigrateAddsBestIteration(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	conn := rawConn(t, url)
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL);
		INSERT INTO schema_version VALUES (1, 0);`+migrations[0]); err != nil {
		t.Fatal(err)
	}
	old := storetest.FinishedTrial("old", 0)
	args, err := rowcodec.TrialArgs(old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO studies (name, created, strategy, metric, goal, total, status, config, rounds)
		VALUES ('old', NULL, 'random', 'validation_loss', 'minimize', 4, 'finished', '', '[]')`); err != nil {
		t.Fatal(err)
	}
	// The row as a version 1 build wrote it: the 15 columns before
	// best_iteration.
	if _, err := conn.Exec(ctx, `INSERT INTO trials (study, number, round, params, seed, status, value, train_loss,
		accuracy, iterations, stop_reason, error, started, finished, history)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, args[:15]...); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("Open of a version 1 schema: %v", err)
	}
	defer s.Close()
	storetest.CheckBestIterationUpgrade(t, s, old)
	var v int
	if err := conn.QueryRow(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != latestVersion() {
		t.Errorf("schema version after open = %d, %v; want %d", v, err, latestVersion())
	}
}
