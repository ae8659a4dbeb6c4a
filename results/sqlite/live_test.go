package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// Two Stores on one file, as the process running a trial and hpsearch
// serve or hpsearch stop in another.
func TestLive(t *testing.T) {
	storetest.RunLive(t, func(t *testing.T) (storetest.LiveStore, storetest.LiveStore) {
		run, path := openTemp(t)
		watch, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { watch.Close() })
		return run, watch
	})
}

// A database written before stop requests were kept (schema version 5)
// is migrated on open: a trial it left running can be stopped and
// followed, and its finished trials read as before.
func TestMigrateAddsStopRequested(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v5.db")
	execRaw(t, path, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied INTEGER NOT NULL) STRICT;
		INSERT INTO schema_version VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0);`+strings.Join(migrations[:5], ";\n")+`;
		INSERT INTO studies VALUES ('old', NULL, 'random', 'val_loss', 'minimize', 4, 'running', '', '[]', '');
		INSERT INTO trials (study, number, round, params, seed, status, iterations, stop_reason, error)
			VALUES ('old', 0, 0, '[]', 1, 'ok', 10, 'max_iterations', ''), ('old', 1, 0, '[]', 2, 'running', 0, '', '');`)
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open of a version 5 database: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
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
	_, trials, err := s.Study(ctx, "old")
	if err != nil || len(trials) != 2 || len(trials[1].History) != 1 || trials[1].History[0].Iteration != 3 {
		t.Errorf("the study after migrating = %+v, %v; want trial 1 with one point", trials, err)
	}
	var v int
	if err := rawDB(t, path).QueryRow(`SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != latestVersion() {
		t.Errorf("schema version after open = %d, %v; want %d", v, err, latestVersion())
	}
}
