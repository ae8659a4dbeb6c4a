package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
	"github.com/hpsearch/hpsearch/study"
)

// plantStudy stores a copy of study from under another name, as anyone who
// can write to the database could: the name is not checked by the store.
func plantStudy(t *testing.T, dbPath, from, name, status string) {
	t.Helper()
	store, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	st, trials, err := store.Study(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	st.Name, st.Status = name, results.StudyStatus(status)
	if err := store.PutStudy(ctx, st); err != nil {
		t.Fatal(err)
	}
	for _, tr := range trials {
		tr.Study = name
		if err := store.PutTrial(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
}

// A study whose stored name climbs out of the output directory is refused
// by every command that reads it: nothing is written outside runs/.
func TestStoredNameNeverBuildsAPath(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "runs")
	storage := quickSweep(t, dir, "good")
	db := filepath.Join(dir, "hpsearch.db")
	evil := "../../../escaped"
	plantStudy(t, db, "good", evil, "finished")

	for _, args := range [][]string{
		{"report", evil},
		{"plot", evil, "--trial", "0"},
		{"show", evil},
		{"export", evil, "--format", "csv"},
		{"compare", "good", evil},
	} {
		code, _, stderr := hpsearch(t, context.Background(), append(args, storage...)...)
		if code != exitUsage || !strings.Contains(stderr, `study name "../../../escaped" may hold only letters, digits`) {
			t.Errorf("%s: exit %d, want 2 naming the rule\n%s", args[0], code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "escaped")); err == nil {
		t.Errorf("a command wrote %s, outside the output directory", filepath.Join(root, "escaped"))
	}
}

// studies lists the good studies and names each refused one on stderr,
// quoted, so that a stored newline cannot forge a line.
func TestStudiesLeavesOutAHostileName(t *testing.T) {
	dir := t.TempDir()
	storage := quickSweep(t, dir, "good")
	forged := "ok\nhpsearch: FAKE LOG LINE all trials failed"
	plantStudy(t, filepath.Join(dir, "hpsearch.db"), "good", forged, "finished")

	for _, asJSON := range []bool{false, true} {
		args := append([]string{"studies"}, storage...)
		if asJSON {
			args = append(args, "--json")
		}
		code, stdout, stderr := hpsearch(t, context.Background(), args...)
		if code != exitOK || !strings.Contains(stdout, "good") {
			t.Fatalf("studies %v: exit %d\n%s%s", args, code, stdout, stderr)
		}
		if strings.Contains(stdout, "FAKE") || strings.Contains(stderr, "\nhpsearch: FAKE") {
			t.Errorf("studies %v printed the forged line:\n%s%s", args, stdout, stderr)
		}
		want := fmt.Sprintf("hpsearch: warning: the store holds a study that is refused: study name %q may hold only", forged)
		if !strings.Contains(stderr, want) {
			t.Errorf("studies %v: stderr %q, want %q", args, stderr, want)
		}
	}
}

// A worker never serves a study whose stored name breaks the rule: it
// would write runs/<name>/trials/… outside runs/.
func TestWorkerRefusesAStoredNameOutsideRuns(t *testing.T) {
	dir := t.TempDir()
	quickSweep(t, dir, "good")
	db := filepath.Join(dir, "hpsearch.db")
	evil := "../../../../tmp/escaped"
	plantStudy(t, db, "good", evil, "running")
	store, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	st, _, err := store.Study(ctx, evil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := study.Rebuild(ctx, store, st); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("study.Rebuild(%q) = %v, want it refused", evil, err)
	}

	var logged []string
	jobs := study.NewServed(store, func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) })
	got, err := jobs.Unfinished(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("unfinished = %d jobs, %v; want none", len(got), err)
	}
	if len(logged) != 1 || !strings.Contains(logged[0], `"../../../../tmp/escaped" may hold only`) {
		t.Errorf("logged %q, want the refused study named once", logged)
	}

	if code, _, stderr := hpsearch(t, ctx, "worker", evil, "--storage", "postgres://nowhere.invalid/x"); code != exitUsage {
		t.Errorf("worker %s: exit %d\n%s", evil, code, stderr)
	}
}

// --study is held to the config's rule: no newline to forge a log line, no
// leading '-', no right-to-left override, no quotes; and a name too long
// for a directory is refused before any trial runs.
func TestStudyFlagFollowsTheNameRule(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "benchmark-branin.yaml")
	for _, name := range []string{"ok\nhpsearch: FAKE LOG LINE", "-rf", "evil\u202etxt", `it's`, `a"b`, "a b", strings.Repeat("a", 300), "x{date}" + strings.Repeat("a", 95)} {
		dir := t.TempDir()
		code, stdout, stderr := hpsearch(t, context.Background(), "run", cfg, "--study="+name, "--set", "output.dir="+dir, "--set", "search.trials=2")
		if code != exitUsage || !strings.Contains(stderr, "study name") || strings.Contains(stderr, "\nhpsearch: FAKE") {
			t.Errorf("--study %q: exit %d, want 2 naming the rule\n%s%s", name, code, stdout, stderr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("--study %q: %d entries written in the output directory, want none", name, len(entries))
		}
	}
}
