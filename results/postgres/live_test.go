package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// Two pools on one schema, as the worker running a trial and hpsearch
// serve or hpsearch stop on another machine.
func TestLive(t *testing.T) {
	storetest.RunLive(t, func(t *testing.T) (storetest.LiveStore, storetest.LiveStore) {
		run, url := openTest(t)
		watch, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { watch.Close() })
		return run, watch
	})
	t.Run("Queue", func(t *testing.T) {
		s, _ := openTest(t)
		storetest.RunLiveQueue(t, s)
	})
}

// A schema written before stop requests were kept (version 6) is migrated
// on open: a trial it left running can be stopped and followed.
func TestMigrateAddsStopRequested(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	conn := rawConn(t, url)
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL);
		INSERT INTO schema_version VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0);`+strings.Join(migrations[:6], ";\n")+`;
		INSERT INTO studies (name, created, strategy, metric, goal, total, status, config, rounds)
			VALUES ('old', NULL, 'random', 'val_loss', 'minimize', 4, 'running', '', '[]');
		INSERT INTO trials (study, number, round, params, seed, status, iterations, stop_reason, error)
			VALUES ('old', 0, 0, '[]', 1, 'ok', 10, 'max_iterations', ''), ('old', 1, 0, '[]', 2, 'running', 0, '', '');`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("Open of a version 6 schema: %v", err)
	}
	defer s.Close()
	if err := s.RequestStop(ctx, "old", 0); err == nil || !strings.Contains(err.Error(), "is ok") {
		t.Errorf("RequestStop(finished trial) = %v, want an error saying it is ok", err)
	}
	if err := s.RequestStop(ctx, "old", 1); err != nil {
		t.Fatalf("RequestStop(running trial) after migrating: %v", err)
	}
	stop, err := s.RecordProgress(ctx, "old", 1, []results.Point{{Iteration: 3, TrainLoss: 1, GradNorm: 2, ValidationLoss: 3}}, false)
	if err != nil || !stop {
		t.Errorf("RecordProgress after migrating = %v, %v; want stop", stop, err)
	}
	var v int
	if err := conn.QueryRow(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != latestVersion() {
		t.Errorf("schema version after open = %d, %v; want %d", v, err, latestVersion())
	}
}
