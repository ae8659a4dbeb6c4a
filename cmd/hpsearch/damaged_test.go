package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// A study one of whose stored rows is damaged reads back with that trial
// failed (issue 16); --resume then refused it, saying the stored
// parameters differed from the config's and suggesting --resume again.
// Now the damaged trial runs again, with the same parameters and seed, and
// the study ends as it had.
func TestResumeRunsADamagedTrialAgain(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hp.db")
	args := []string{"run", filepath.Join("..", "..", "configs", "quickstart.yaml"), "--study", "kt",
		"--storage", "sqlite://" + db, "--set", "search.strategy=random", "--set", "search.trials=6",
		"--set", "output.dir=" + dir, "--parallel", "2", "--json"}
	code, out, stderr := hpsearch(t, context.Background(), args...)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	before := decode(t, out)

	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`UPDATE trials SET params = '[["lr",garbage' WHERE study = 'kt' AND number = 3`); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	code, out, stderr = hpsearch(t, context.Background(), "show", "kt", "--storage", "sqlite://"+db, "--json")
	if code != exitOK || !strings.Contains(out, "unreadable row") {
		t.Fatalf("show of the damaged study: exit %d, the damaged trial not named\n%s%s", code, out, stderr)
	}

	code, out, stderr = hpsearch(t, context.Background(), append(args, "--resume")...)
	if code != exitOK {
		t.Fatalf("resume of a study with a damaged row: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "trial 3 runs again") {
		t.Errorf("resume did not say the damaged trial runs again:\n%s", stderr)
	}
	after := decode(t, out)
	if len(after.Trials) != len(before.Trials) {
		t.Fatalf("%d trials after the resume, %d before", len(after.Trials), len(before.Trials))
	}
	for i, tr := range after.Trials {
		was := before.Trials[i]
		if tr.Number != was.Number || tr.Status != was.Status || string(tr.Params) != string(was.Params) ||
			(tr.Value == nil) != (was.Value == nil) || (tr.Value != nil && *tr.Value != *was.Value) {
			t.Errorf("trial %d after the resume: %s %s %v; before: %s %s %v", tr.Number, tr.Status, tr.Params, tr.Value, was.Status, was.Params, was.Value)
		}
	}
}
