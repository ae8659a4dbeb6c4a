package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// Every run stores its source; a worker rebuilds the same search from
// it, and refuses when its machine would resolve the config differently.
func TestStudySourceRebuildsTheSearch(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	sets := []string{"--set", "output.dir=" + dir, "--set", "search.rounds=2", "--set", "search.trials_per_round=4"}
	if code, _, stderr := hpsearch(t, context.Background(), append([]string{"run", cfg}, sets...)...); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	store, err := sqlite.Open(filepath.Join(dir, "hpsearch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	st, trials, err := store.Study(ctx, "quickstart")
	if err != nil {
		t.Fatal(err)
	}
	var src studySource
	if err := json.Unmarshal([]byte(st.Source), &src); err != nil {
		t.Fatalf("stored source %q: %v", st.Source, err)
	}
	text, _ := os.ReadFile(cfg)
	if src.Text != string(text) || !filepath.IsAbs(src.Dir) || len(src.Sets) != 3 {
		t.Errorf("stored source = %+v, want the file's text, an absolute dir and the 3 --set overrides", src)
	}

	job, err := jobFromStudy(ctx, store, st)
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
		if got, want := formatParams(p.Params), formatParams(trials[i].Params); got != want {
			t.Errorf("rebuilt proposal %d = %s, the run proposed %s", i, got, want)
		}
	}

	t.Setenv(configs.EnvName("trainer.max_iterations"), "7")
	_, err = jobFromStudy(ctx, store, st)
	if err == nil || !strings.Contains(err.Error(), "trainer.max_iterations: stored 400, config 7") {
		t.Errorf("a worker whose environment changes the config: %v, want the difference named", err)
	}
	for name, source := range map[string]string{"no source": "", "unreadable source": "{"} {
		bad := st
		bad.Source = source
		if _, err := jobFromStudy(ctx, store, bad); err == nil || !strings.Contains(err.Error(), "quickstart") {
			t.Errorf("%s: %v, want an error naming the study", name, err)
		}
	}
}

func formatParams(p results.Params) string {
	b, _ := json.Marshal(p)
	return string(b)
}
