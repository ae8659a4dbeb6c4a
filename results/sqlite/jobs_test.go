package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func TestTrialJobs(t *testing.T) {
	storetest.RunTrialJobs(t, func(t *testing.T) results.Store {
		s, _ := openTemp(t)
		return s
	})
}

// A database written before trials' batch jobs were kept (schema version
// 4) is migrated on open: its studies and trials are kept, and jobs can
// be recorded from then on.
func TestMigrateAddsTrialJobs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v4.db")
	execRaw(t, path, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied INTEGER NOT NULL) STRICT;
		INSERT INTO schema_version VALUES (1, 0), (2, 0), (3, 0), (4, 0);`+strings.Join(migrations[:4], ";\n")+`;
		INSERT INTO studies VALUES ('old', NULL, 'random', 'val_loss', 'minimize', 4, 'interrupted', '', '[]', '');`)
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open of a version 4 database: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, _, err := s.Study(ctx, "old"); err != nil {
		t.Fatalf("the version 4 study after migrating: %v", err)
	}
	if err := s.AddTrialJob(ctx, "old", 3, "17", storetest.T0); err != nil {
		t.Fatalf("AddTrialJob after migrating: %v", err)
	}
	jobs, err := s.TrialJobs(ctx, "old")
	if err != nil || len(jobs) != 1 || jobs[0].Job != "17" || jobs[0].Number != 3 {
		t.Errorf("TrialJobs after migrating = %v, %v; want trial 3's job 17", jobs, err)
	}
	var v int
	if err := rawDB(t, path).QueryRow(`SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != latestVersion() {
		t.Errorf("schema version after open = %d, %v; want %d", v, err, latestVersion())
	}
}
