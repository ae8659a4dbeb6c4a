package study

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
)

var quickstart = filepath.Join("..", "configs", "quickstart.yaml")

// runQuickstart runs configs/quickstart.yaml, 2 rounds of 4 trials with
// 3 --set overrides, in a memory store, and returns the store and what it
// stored.
func runQuickstart(t *testing.T) (*results.MemoryStore, results.Study, []results.Trial) {
	t.Helper()
	ctx := context.Background()
	sets := []string{"output.dir=" + t.TempDir(), "search.rounds=2", "search.trials_per_round=4"}
	s, err := Load(quickstart, sets, "")
	if err != nil {
		t.Fatal(err)
	}
	store := results.NewMemoryStore()
	if err := s.Run(ctx, store, RunOptions{Parallel: 2, Sets: sets, Shared: DefaultShared}); err != nil {
		t.Fatal(err)
	}
	st, trials, err := store.Study(ctx, "quickstart")
	if err != nil {
		t.Fatal(err)
	}
	return store, st, trials
}

// Every run stores its source; a worker rebuilds the same search from
// it, and refuses when its machine would resolve the config differently.
func TestSourceRebuildsTheSearch(t *testing.T) {
	ctx := context.Background()
	store, st, trials := runQuickstart(t)
	var src source
	if err := json.Unmarshal([]byte(st.Source), &src); err != nil {
		t.Fatalf("stored source %q: %v", st.Source, err)
	}
	text, _ := os.ReadFile(quickstart)
	if src.Text != string(text) || !filepath.IsAbs(src.Dir) || len(src.Sets) != 3 {
		t.Errorf("stored source = %+v, want the file's text, an absolute dir and the 3 --set overrides", src)
	}

	job, err := Rebuild(ctx, store, st)
	if err != nil {
		t.Fatal(err)
	}
	strat, err := job.Strategy()
	if err != nil {
		t.Fatal(err)
	}
	batch, err := strat.Ask()
	if err != nil || len(batch) != 4 || job.Seed != 42 {
		t.Fatalf("rebuilt strategy's first batch: %d proposals, %v; seed %d", len(batch), err, job.Seed)
	}
	for i, p := range batch {
		if got, want := fmt.Sprint(p.Params), fmt.Sprint(trials[i].Params); got != want {
			t.Errorf("rebuilt proposal %d = %s, the run proposed %s", i, got, want)
		}
	}

	t.Setenv(configs.EnvName("trainer.max_iterations"), "7")
	_, err = Rebuild(ctx, store, st)
	if err == nil || !strings.Contains(err.Error(), "trainer.max_iterations: stored 400, config 7") {
		t.Errorf("a worker whose environment changes the config: %v, want the difference named", err)
	}
	for name, source := range map[string]string{"no source": "", "unreadable source": "{"} {
		bad := st
		bad.Source = source
		if _, err := Rebuild(ctx, store, bad); err == nil || !strings.Contains(err.Error(), "quickstart") {
			t.Errorf("%s: %v, want an error naming the study", name, err)
		}
	}
}

// A worker of a shared study rebuilds its search from the stored source:
// it must propose the same trials, conditions included, and refuse a
// stored study whose conditions differ from what the source now gives.
func TestRebuildKeepsConditions(t *testing.T) {
	ctx := context.Background()
	s, err := Load(quickstart, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.Source(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	st := results.Study{Name: "q", Config: configs.FormatCanonical(s.Config.Canonical()), Source: src}
	job, err := Rebuild(ctx, results.NewMemoryStore(), st)
	if err != nil {
		t.Fatal(err)
	}
	worker, err := job.Strategy()
	if err != nil {
		t.Fatal(err)
	}
	local, err := s.Strategy(nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := worker.Ask()
	b, _ := local.Ask()
	absent := 0
	for i := range b {
		if fmt.Sprint(a[i].Params) != fmt.Sprint(b[i].Params) {
			t.Fatalf("trial %d: the worker proposes %v, the run %v", i, a[i].Params, b[i].Params)
		}
		if _, ok := b[i].Params.Get("momentum"); !ok {
			absent++
		}
	}
	if absent == 0 || len(a) != len(b) {
		t.Fatalf("%d of %d proposals lack momentum (worker proposed %d): the test shows nothing", absent, len(b), len(a))
	}
	st.Config = strings.Replace(st.Config, " when optimizer in [momentum, adam]", "", 1)
	if _, err := Rebuild(ctx, results.NewMemoryStore(), st); err == nil || !strings.Contains(err.Error(), "parameters.momentum") {
		t.Fatalf("a study stored without the condition: err %v, want the difference in parameters.momentum", err)
	}
}

// A benchmark study's source names its function, so that `show` gives
// the regret without reading the config text; a study stored before that
// is still read from its canonical config.
func TestStoredBenchmark(t *testing.T) {
	s, err := Load(filepath.Join("..", "configs", "benchmark-branin.yaml"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.Source(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	canonical := configs.FormatCanonical(s.Config.Canonical())
	for name, st := range map[string]results.Study{
		"source":         {Source: src},
		"config (older)": {Config: canonical},
	} {
		b := StoredBenchmark(st)
		if b == nil || b.Name() != "branin" || b.Dim() != 2 || b.Minimum.Value != s.Benchmark.Minimum.Value {
			t.Errorf("%s: stored benchmark %+v, want branin in 2-D", name, b)
		}
	}
	if b := StoredBenchmark(results.Study{Config: "seed: 1\n"}); b != nil {
		t.Errorf("a study of no benchmark: %+v, want nil", b)
	}
}

// A Go caller's RunOptions need no fault-tolerance settings: the zero
// SharedOptions are the defaults (a zero heartbeat used to panic in the
// lease's ticker), and settings that cannot work are a Usage error.
func TestRunOptionsZeroSharedAreTheDefaults(t *testing.T) {
	ctx := context.Background()
	s, err := Load(quickstart, []string{"output.dir=" + t.TempDir(), "search.rounds=1", "search.trials_per_round=3"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(ctx, results.NewMemoryStore(), RunOptions{Parallel: 1}); err != nil {
		t.Fatalf("zero RunOptions: %v", err)
	}
	bad := RunOptions{Parallel: 1, Shared: SharedOptions{Heartbeat: -time.Second, Grace: time.Minute}}
	err = s.Run(ctx, results.NewMemoryStore(), bad)
	var e *Error
	if !errors.As(err, &e) || e.Kind != Usage || !strings.Contains(err.Error(), "the heartbeat must be positive") {
		t.Fatalf("a negative heartbeat: %v, want a Usage error saying what is allowed", err)
	}
}
