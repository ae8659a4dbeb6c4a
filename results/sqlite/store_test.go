package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs", "hpsearch.db") // runs/ does not exist yet
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

func testStudy(name string, created time.Time) results.Study {
	return results.Study{
		Name:     name,
		Created:  created,
		Strategy: "coarse-to-fine",
		Metric:   "validation_loss",
		Goal:     "minimize",
		Total:    60,
		Status:   "running",
		Config:   "study:\n  name: " + name + "\n",
		Source:   `{"file":"q.yaml","text":"name: q\n"}`,
		Rounds: []results.Round{{
			Round: 1,
			Ranges: []results.Range{
				{Name: "lr", Low: 1e-4, High: 0.1, Log: true},
				{Name: "act", Choices: []any{"relu", "tanh"}},
				{Name: "width", Choices: []any{int64(16), float64(32), int64(-1)}},
			},
			Best:   0.125,
			Median: math.NaN(), // every trial of the round diverged
		}},
	}
}

func finishedTrial(study string, n int) results.Trial {
	return results.Trial{
		Study:  study,
		Number: n,
		Round:  1,
		Params: results.Params{
			{Name: "lr", Value: 0.1 + 0.2}, // not exactly 0.3: must survive bit-exact
			{Name: "layers", Value: int64(3)},
			{Name: "act", Value: "relu"},
			{Name: "a_last_but_sorted_first", Value: float64(2)}, // a float with an integral value stays float
		},
		Seed:       1<<63 + 12345,
		Status:     results.StatusOK,
		Value:      0.25,
		TrainLoss:  0.5,
		Accuracy:   math.NaN(),
		Iterations: 300,
		StopReason: "converged",
		Started:    t0,
		Finished:   t0.Add(1500 * time.Millisecond),
		History: []results.Point{
			{Iteration: 0, TrainLoss: 2.5, GradNorm: 1, ValidationLoss: 2.6},
			{Iteration: 100, TrainLoss: 1e308, GradNorm: math.Inf(1), ValidationLoss: math.NaN()},
			{Iteration: 200, TrainLoss: math.Copysign(0, -1), GradNorm: 5e-324, ValidationLoss: -1},
		},
	}
}

func TestTrialRoundTrip(t *testing.T) {
	diverged := finishedTrial("s", 1)
	diverged.Status, diverged.Value, diverged.TrainLoss = results.StatusDiverged, math.NaN(), math.Inf(1)
	diverged.StopReason = "diverged"

	failed := finishedTrial("s", 2)
	failed.Status, failed.Error, failed.Value = results.StatusFailed, "exit status 2: \"boom\"\n", math.NaN()
	failed.History, failed.Params = nil, nil

	running := finishedTrial("s", 3)
	running.Status, running.Finished, running.Value = results.StatusRunning, time.Time{}, math.NaN()
	running.History, running.Seed = nil, 0

	odd := finishedTrial("s", 4)
	odd.Params = results.Params{
		{Name: `quote"and\slash`, Value: "naïve \u2028 <html>"},
		{Name: "nan", Value: math.NaN()},
		{Name: "inf", Value: math.Inf(-1)},
		{Name: "big", Value: int64(math.MaxInt64)},
		{Name: "small", Value: int64(math.MinInt64)},
		{Name: "nanstring", Value: "NaN"},
	}
	odd.Seed = math.MaxUint64
	odd.Accuracy = 0.875
	odd.Number = -1 // numbers are not validated here; they must still round-trip

	tests := []struct {
		name  string
		trial results.Trial
	}{
		{"finished, NaN accuracy, NaN in history, seed above 2^63", finishedTrial("s", 0)},
		{"diverged: NaN value, infinite train loss", diverged},
		{"failed: no params, no history, error text", failed},
		{"running: zero finish time", running},
		{"awkward params and max seed", odd},
	}
	s, _ := openTemp(t)
	ctx := context.Background()
	if err := s.PutStudy(ctx, testStudy("s", t0)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.PutTrial(ctx, tc.trial); err != nil {
				t.Fatalf("PutTrial: %v", err)
			}
			_, trials, err := s.Study(ctx, "s")
			if err != nil {
				t.Fatalf("Study: %v", err)
			}
			got, ok := findTrial(trials, tc.trial.Number)
			if !ok {
				t.Fatalf("trial %d not read back", tc.trial.Number)
			}
			assertTrial(t, tc.trial, got)
		})
	}
}

func TestStudyRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	want := testStudy("s", t0)
	if err := s.PutStudy(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, trials, err := s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 0 {
		t.Errorf("got %d trials, want none", len(trials))
	}
	assertStudy(t, want, got)

	// Upsert: the study finishes and gains a round; its trials stay.
	if err := s.PutTrial(ctx, finishedTrial("s", 0)); err != nil {
		t.Fatal(err)
	}
	want.Status = "finished"
	want.Rounds = append(want.Rounds, results.Round{Round: 2, Best: 0.1, Median: 0.2})
	want.Config = ""
	if err := s.PutStudy(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, trials, err = s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	assertStudy(t, want, got)
	if len(trials) != 1 {
		t.Errorf("after updating the study: %d trials, want 1", len(trials))
	}
}

func TestPutTrialUpsert(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if err := s.PutStudy(ctx, testStudy("s", t0)); err != nil {
		t.Fatal(err)
	}
	done := finishedTrial("s", 7)
	running := results.Trial{Study: "s", Number: 7, Round: 1, Params: done.Params, Seed: done.Seed,
		Status: results.StatusRunning, Value: math.NaN(), TrainLoss: math.NaN(), Accuracy: math.NaN(),
		Started: done.Started}
	for i, step := range []results.Trial{running, done} {
		if err := s.PutTrial(ctx, step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		_, trials, err := s.Study(ctx, "s")
		if err != nil {
			t.Fatal(err)
		}
		if len(trials) != 1 {
			t.Fatalf("step %d: got %d trials, want 1", i, len(trials))
		}
		assertTrial(t, step, trials[0])
	}
}

func TestNotFound(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	_, _, err := s.Study(ctx, "nope")
	if !errors.Is(err, results.ErrNotFound) {
		t.Errorf("Study(missing) = %v, want ErrNotFound", err)
	}
	err = s.PutTrial(ctx, finishedTrial("nope", 0))
	if !errors.Is(err, results.ErrNotFound) {
		t.Errorf("PutTrial(unknown study) = %v, want ErrNotFound", err)
	}
	if err != nil && !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

func TestBadInput(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if err := s.PutStudy(ctx, testStudy("s", t0)); err != nil {
		t.Fatal(err)
	}
	badParam := finishedTrial("s", 1)
	badParam.Params = results.Params{{Name: "n", Value: 3}} // int, not int64
	badTime := finishedTrial("s", 2)
	badTime.Finished = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	badChoice := testStudy("s", t0)
	badChoice.Rounds[0].Ranges[1].Choices = []any{true}
	tests := []struct {
		name string
		put  func() error
		want string
	}{
		{"unsupported param type", func() error { return s.PutTrial(ctx, badParam) }, `param "n": unsupported value type int`},
		{"time past 2262", func() error { return s.PutTrial(ctx, badTime) }, "finished: time 2300"},
		{"no study name", func() error { return s.PutTrial(ctx, results.Trial{}) }, "empty study name"},
		{"unsupported choice type", func() error { return s.PutStudy(ctx, badChoice) }, "unsupported value type bool"},
		{"no study name (study)", func() error { return s.PutStudy(ctx, results.Study{}) }, "empty study name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.put()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestStudiesOldestFirst(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if got, err := s.Studies(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: Studies = %v, %v", got, err)
	}
	puts := []results.Study{
		testStudy("middle", t0.Add(time.Hour)),
		testStudy("newest", t0.Add(2*time.Hour)),
		testStudy("oldest-b", t0),
		testStudy("oldest-a", t0), // same time: ties go by name
		testStudy("no-date", time.Time{}),
	}
	for _, st := range puts {
		if err := s.PutStudy(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Studies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range got {
		names = append(names, st.Name)
	}
	want := "no-date oldest-a oldest-b middle newest"
	if strings.Join(names, " ") != want {
		t.Errorf("Studies order = %v, want %s", names, want)
	}
	assertStudy(t, puts[0], got[3])
}

// Eight goroutines over two Stores on one file: within a Store writes queue
// on its one connection; across Stores (as across processes) busy_timeout
// must keep "database is locked" away.
func TestConcurrentPutTrial(t *testing.T) {
	a, path := openTemp(t)
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	if err := a.PutStudy(ctx, testStudy("s", t0)); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		store := []*Store{a, b}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tr := finishedTrial("s", w*each+i)
				running := tr
				running.Status, running.Finished, running.History = results.StatusRunning, time.Time{}, nil
				if err := store.PutTrial(ctx, running); err != nil {
					errs <- err
				}
				if err := store.PutTrial(ctx, tr); err != nil {
					errs <- err
				}
				if i%10 == 0 { // readers alongside the writers
					if _, _, err := store.Study(ctx, "s"); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, trials, err := b.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != workers*each {
		t.Fatalf("got %d trials, want %d", len(trials), workers*each)
	}
	for i, tr := range trials {
		if tr.Number != i || tr.Status != results.StatusOK {
			t.Fatalf("trials[%d] = #%d %s, want #%d ok", i, tr.Number, tr.Status, i)
		}
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hpsearch.db")
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st := testStudy("s", t0)
	tr := finishedTrial("s", 0)
	if err := s.PutStudy(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTrial(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	gotStudy, trials, err := s.Study(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	assertStudy(t, st, gotStudy)
	if len(trials) != 1 {
		t.Fatalf("got %d trials, want 1", len(trials))
	}
	assertTrial(t, tr, trials[0])

	db := rawDB(t, path)
	var versions []int
	rows, err := db.Query(`SELECT version FROM schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	if fmt.Sprint(versions) != "[1 2]" {
		t.Errorf("schema_version rows = %v, want [1 2] (each recorded once, not again on reopen)", versions)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// URI syntax in the path ('?', '#', '%') must not leak into the DSN.
func TestOpenAwkwardPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my runs?x=1#frag", "100%")
	path := filepath.Join(dir, "hp search.db")
	ctx := context.Background()
	for i := range 2 { // create, then reopen
		s, err := Open(path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		if err := s.PutStudy(ctx, testStudy(fmt.Sprint("s", i), t0)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Studies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != i+1 {
			t.Errorf("open #%d: %d studies, want %d", i, len(got), i+1)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) == 0 || names[0] != "hp search.db" {
		t.Errorf("files in %s: %v, want hp search.db first", dir, names)
	}
}

func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open(empty file) = %v; SQLite treats an empty file as a new database", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	textFile := filepath.Join(dir, "notes.txt")
	writeFile(t, textFile, "these are my notes, not a database\n")
	shortFile := filepath.Join(dir, "short")
	writeFile(t, shortFile, "SQL")
	corrupt := filepath.Join(dir, "corrupt.db")
	writeFile(t, corrupt, "SQLite format 3\x00"+strings.Repeat("\xff", 200))
	foreign := filepath.Join(dir, "other-app.db")
	execRaw(t, foreign, `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada')`)
	newer := filepath.Join(dir, "newer.db")
	s, err := Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	execRaw(t, newer, `INSERT INTO schema_version (version, applied) VALUES (99, 0)`)

	tests := []struct {
		name   string
		path   string
		target error  // errors.Is target, if any
		want   string // part of the message
	}{
		{"text file", textFile, ErrNotHPSearch, textFile + " is not an hpsearch database: not a SQLite file"},
		{"file shorter than a header", shortFile, ErrNotHPSearch, "not a SQLite file"},
		{"SQLite header, garbage after", corrupt, ErrNotHPSearch, corrupt + " is not an hpsearch database"},
		{"foreign SQLite database", foreign, ErrNotHPSearch, foreign + " is not an hpsearch database: it holds tables (users)"},
		{"newer schema", newer, ErrSchemaTooNew, newer + " has schema version 99"},
		{"directory", dir, nil, dir + ": is a directory"},
		{"parent is a regular file", filepath.Join(textFile, "sub", "hpsearch.db"), nil, "create directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, tc.path)
			s, err := Open(tc.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded, want an error", tc.path)
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %v does not wrap %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if after := snapshot(t, tc.path); after != before {
				t.Errorf("Open changed %s although it refused it", tc.path)
			}
		})
	}
}

func TestReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores permission bits; TestOpenRefuses covers the unwritable path portably")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hpsearch.db")
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open in a read-only directory succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

// snapshot is the content of path and of any WAL or SHM file beside it,
// to check that a refused Open wrote nothing.
func snapshot(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			fmt.Fprintf(&b, "%s: absent or dir\n", p)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %q\n", p, data)
	}
	return b.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rawDB opens path with the bare driver, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func execRaw(t *testing.T, path, stmts string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmts); err != nil {
		t.Fatal(err)
	}
}

func findTrial(ts []results.Trial, n int) (results.Trial, bool) {
	for _, t := range ts {
		if t.Number == n {
			return t, true
		}
	}
	return results.Trial{}, false
}

// sameFloat treats every NaN as equal (SQLite keeps no NaN payload) and
// otherwise wants identical bits, so -0 and 0 differ.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func sameValue(a, b any) bool {
	fa, aok := a.(float64)
	fb, bok := b.(float64)
	if aok && bok {
		return sameFloat(fa, fb)
	}
	return a == b // also compares dynamic types: int64(3) != float64(3)
}

func assertTrial(t *testing.T, want, got results.Trial) {
	t.Helper()
	check := func(field string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("trial %d %s: got %#v, want %#v", want.Number, field, pick(got, field), pick(want, field))
		}
	}
	check("Study", got.Study == want.Study)
	check("Number", got.Number == want.Number)
	check("Round", got.Round == want.Round)
	check("Seed", got.Seed == want.Seed)
	check("Status", got.Status == want.Status)
	check("Value", sameFloat(got.Value, want.Value))
	check("TrainLoss", sameFloat(got.TrainLoss, want.TrainLoss))
	check("Accuracy", sameFloat(got.Accuracy, want.Accuracy))
	check("Iterations", got.Iterations == want.Iterations)
	check("StopReason", got.StopReason == want.StopReason)
	check("Error", got.Error == want.Error)
	check("Started", got.Started.Equal(want.Started))
	check("Finished", got.Finished.Equal(want.Finished))
	check("Params", len(got.Params) == len(want.Params))
	for i := range min(len(got.Params), len(want.Params)) {
		g, w := got.Params[i], want.Params[i]
		if g.Name != w.Name || !sameValue(g.Value, w.Value) {
			t.Errorf("trial %d param %d: got %s=%T(%v), want %s=%T(%v)", want.Number, i, g.Name, g.Value, g.Value, w.Name, w.Value, w.Value)
		}
	}
	check("History", len(got.History) == len(want.History))
	for i := range min(len(got.History), len(want.History)) {
		g, w := got.History[i], want.History[i]
		if g.Iteration != w.Iteration || !sameFloat(g.TrainLoss, w.TrainLoss) ||
			!sameFloat(g.GradNorm, w.GradNorm) || !sameFloat(g.ValidationLoss, w.ValidationLoss) {
			t.Errorf("trial %d history[%d]: got %+v, want %+v", want.Number, i, g, w)
		}
	}
}

func pick(tr results.Trial, field string) any {
	switch field {
	case "Params":
		return tr.Params
	case "History":
		return tr.History
	}
	return fmt.Sprintf("%+v", tr) // the whole trial gives context for scalar fields
}

func assertStudy(t *testing.T, want, got results.Study) {
	t.Helper()
	if got.Name != want.Name || !got.Created.Equal(want.Created) || got.Strategy != want.Strategy ||
		got.Metric != want.Metric || got.Goal != want.Goal || got.Total != want.Total ||
		got.Status != want.Status || got.Config != want.Config || got.Source != want.Source {
		t.Errorf("study: got %+v, want %+v", got, want)
	}
	if len(got.Rounds) != len(want.Rounds) {
		t.Fatalf("study rounds: got %d, want %d", len(got.Rounds), len(want.Rounds))
	}
	for i := range want.Rounds {
		assertRound(t, want.Rounds[i], got.Rounds[i])
	}
}

func assertRound(t *testing.T, want, got results.Round) {
	t.Helper()
	if got.Round != want.Round || !sameFloat(got.Best, want.Best) || !sameFloat(got.Median, want.Median) ||
		len(got.Ranges) != len(want.Ranges) {
		t.Fatalf("round: got %+v, want %+v", got, want)
	}
	for i, w := range want.Ranges {
		g := got.Ranges[i]
		ok := g.Name == w.Name && sameFloat(g.Low, w.Low) && sameFloat(g.High, w.High) &&
			g.Log == w.Log && len(g.Choices) == len(w.Choices)
		for j := range min(len(g.Choices), len(w.Choices)) {
			ok = ok && sameValue(g.Choices[j], w.Choices[j])
		}
		if !ok {
			t.Errorf("round %d range %d: got %#v, want %#v", want.Round, i, g, w)
		}
	}
}

// Two workers starting a sweep at once both create the schema: each
// migration step must run exactly once.
func TestConcurrentOpenOfNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hpsearch.db")
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(path)
			if err == nil {
				err = s.PutStudy(context.Background(), testStudy(fmt.Sprint("s", i), t0))
				err = errors.Join(err, s.Close())
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
	var rows int
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM schema_version`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != latestVersion() {
		t.Errorf("schema_version has %d rows, want %d", rows, latestVersion())
	}
}
