package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

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
		{Name: "negzero", Value: math.Copysign(0, -1)},
	}
	odd.Seed = math.MaxUint64
	odd.Accuracy = 0.875
	odd.Value = math.Inf(-1)
	odd.Number = -1 // numbers are not validated here; they must still round-trip

	tests := []struct {
		name  string
		trial results.Trial
	}{
		{"finished, NaN accuracy, NaN in history, seed above 2^63", finishedTrial("s", 0)},
		{"diverged: NaN value, infinite train loss", diverged},
		{"failed: no params, no history, error text", failed},
		{"running: zero finish time", running},
		{"awkward params, -Inf value and max seed", odd},
	}
	s, _ := openTest(t)
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

func TestStudyRoundTripAndUpsert(t *testing.T) {
	s, _ := openTest(t)
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
	want.Status, want.Config, want.Source = "finished", "", ""
	want.Rounds = append(want.Rounds, results.Round{Round: 2, Best: 0.1, Median: 0.2})
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

	// Upsert of a trial: running, then finished, stays one row.
	done := finishedTrial("s", 7)
	run := done
	run.Status, run.Finished, run.History, run.Value = results.StatusRunning, time.Time{}, nil, math.NaN()
	for i, step := range []results.Trial{run, done} {
		if err := s.PutTrial(ctx, step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		_, trials, err := s.Study(ctx, "s")
		if err != nil {
			t.Fatal(err)
		}
		got, ok := findTrial(trials, 7)
		if !ok || len(trials) != 2 {
			t.Fatalf("step %d: %d trials, trial 7 found %v", i, len(trials), ok)
		}
		assertTrial(t, step, got)
	}
}

func TestNotFoundAndBadInput(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	if _, _, err := s.Study(ctx, "nope"); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("Study(missing) = %v, want ErrNotFound", err)
	}
	err := s.PutTrial(ctx, finishedTrial("nope", 0))
	if !errors.Is(err, results.ErrNotFound) || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("PutTrial(unknown study) = %v, want ErrNotFound naming the database", err)
	}
	if err := s.Enqueue(ctx, "nope", waitingTrials("nope", 0, 2)); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("Enqueue(unknown study) = %v, want ErrNotFound", err)
	}
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
		{"enqueue into another study", func() error { return s.Enqueue(ctx, "s", waitingTrials("other", 0, 1)) }, `belongs to study "other"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.put()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
			if errors.Is(err, results.ErrUnavailable) {
				t.Errorf("a bad input is not a connection problem: %v", err)
			}
		})
	}
}

func TestStudiesOldestFirstAndSummaries(t *testing.T) {
	s, _ := openTest(t)
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
	puts[1].Goal = "maximize"
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
	if want := "no-date oldest-a oldest-b middle newest"; strings.Join(names, " ") != want {
		t.Errorf("Studies order = %v, want %s", names, want)
	}
	assertStudy(t, puts[0], got[3])

	// Summaries agree with results.Summarize over the trials, for both goals.
	for _, name := range []string{"middle", "newest"} {
		for i, v := range []float64{0.5, 0.25, math.NaN(), 0.75} {
			tr := finishedTrial(name, i)
			tr.Value = v
			if i == 2 {
				tr.Status = results.StatusDiverged
			}
			if err := s.PutTrial(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
		run := finishedTrial(name, 9)
		run.Status = results.StatusRunning
		if err := s.PutTrial(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	sums, err := s.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(puts) {
		t.Fatalf("%d summaries, want %d", len(sums), len(puts))
	}
	for _, sum := range sums {
		st, trials, err := s.Study(ctx, sum.Study.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := results.Summarize(st, trials)
		if sum.Done != want.Done || sum.OK != want.OK || sum.BestTrial != want.BestTrial || !sameFloat(sum.Best, want.Best) {
			t.Errorf("summary of %s = %+v, want %+v", sum.Study.Name, sum, want)
		}
	}
	if sums[4].BestTrial != 3 || sums[3].BestTrial != 1 {
		t.Errorf("best trials: maximize %d (want 3), minimize %d (want 1)", sums[4].BestTrial, sums[3].BestTrial)
	}
}

// Several processes starting at once on an empty schema: each migration
// step runs exactly once, and every opener succeeds.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, url)
			if err == nil {
				err = errors.Join(s.PutStudy(ctx, testStudy(fmt.Sprint("s", i), t0)), s.Close())
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
	conn := rawConn(t, url)
	var rows int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_version`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != latestVersion() {
		t.Errorf("schema_version has %d rows, want %d", rows, latestVersion())
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	foreign := pgtest.URL(t)
	conn := rawConn(t, foreign)
	if _, err := conn.Exec(ctx, `CREATE TABLE studies (id int)`); err != nil {
		t.Fatal(err)
	}
	newer := pgtest.URL(t)
	s, err := Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := rawConn(t, newer).Exec(ctx, `INSERT INTO schema_version VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(foreign, "search_path=", "search_path=no_such_schema_", 1)
	withPassword := strings.Replace(foreign, "hpsearch_test", "no_such_database", 1)
	tests := []struct {
		name, url string
		target    error
		want      string
	}{
		{"foreign tables", foreign, ErrNotHPSearch, "holds a studies or trials table"},
		{"newer schema", newer, ErrSchemaTooNew, "has schema version 99"},
		{"missing schema", base, nil, "search_path names no existing schema"},
		{"missing database", withPassword, nil, "no_such_database"},
		{"not a URL", "postgres://a b@%zz/", nil, "open postgres://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.url)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %v does not wrap %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), ":hpsearch@") {
				t.Errorf("error shows the password: %q", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@db:5432/x?sslmode=disable": "postgres://u:***@db:5432/x?sslmode=disable",
		"postgres://db/x?password=secret&user=u":        "postgres://db/x?password=***&user=u",
		"postgres://u@db/x":                             "postgres://u@db/x",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// rawConn is a plain connection to url, as another program would open.
func rawConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}
