package study

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// source is results.Study.Source: what a worker on another machine needs
// to rebuild a study's search exactly as `hpsearch run` built it, and
// what `show` needs to give a benchmark's regret as `run` did.
type source struct {
	File      string   `json:"file"`                 // the config's path on the run machine (labels messages)
	Dir       string   `json:"dir"`                  // absolute: relative data paths start here
	Text      string   `json:"text"`                 // the config file's content
	Sets      []string `json:"sets,omitempty"`       // --set overrides, in order
	WarmStart string   `json:"warm_start,omitempty"` // --warm-start, which overrides search.warm_start
	// Benchmark is the test function of a benchmark study, absent for any
	// other; also absent in studies stored before it was kept (see
	// benchmarkFromConfig).
	Benchmark *benchmarkSource `json:"benchmark,omitempty"`
}

// benchmarkSource names a benchmark function and its dimension.
type benchmarkSource struct {
	Name string `json:"name"`
	Dim  int    `json:"dim"`
}

// Source is the record of the study's config, with its overrides and
// warm start, to store with it (results.Study.Source).
func (s *Study) Source(sets []string, warmStart string) (string, error) {
	text, err := os.ReadFile(s.Path)
	if err != nil {
		return "", usageErr("read config: %v", err)
	}
	dir, err := filepath.Abs(filepath.Dir(s.Path))
	if err != nil {
		return "", usageErr("config %s: %v", s.Path, err)
	}
	src := source{File: s.Path, Dir: dir, Text: string(text), Sets: sets, WarmStart: warmStart}
	if b := s.Benchmark; b != nil {
		src.Benchmark = &benchmarkSource{Name: b.Name(), Dim: b.Dim()}
	}
	j, err := json.Marshal(src)
	if err != nil {
		return "", fmt.Errorf("record the config of the study: %w", err)
	}
	return string(j), nil
}

// CheckStoredName refuses a study whose stored name breaks the name rule.
// The rule keeps names safe in paths and messages; a name planted in a
// shared database must not escape them either.
func CheckStoredName(name string) error {
	if err := configs.CheckStudyName(name); err != nil {
		return fmt.Errorf("the store holds a study that is refused: %w; rename it in the database to use it", err)
	}
	return nil
}

// Rebuild rebuilds a stored study's search on this machine from its
// source, for a worker. Data files must be at the same path here as on
// the machine that ran `hpsearch run` (or be synthetic); a config that
// resolves differently here (other HPSEARCH_* variables, another hpsearch
// version) is refused with the differences, since its trials would not
// match the study's.
func Rebuild(ctx context.Context, store results.Store, st results.Study) (*search.Job, error) {
	if err := CheckStoredName(st.Name); err != nil {
		return nil, err
	}
	if st.Source == "" {
		return nil, fmt.Errorf("study %s has no stored config (it was not started by this version of hpsearch run); run it with hpsearch run --resume", st.Name)
	}
	var src source
	if err := json.Unmarshal([]byte(st.Source), &src); err != nil {
		return nil, fmt.Errorf("study %s: its stored config is unreadable: %w", st.Name, err)
	}
	cfg, err := configs.Parse(strings.NewReader(src.Text), src.File, src.Dir, src.Sets)
	if err != nil {
		return nil, fmt.Errorf("study %s: its config does not load on this machine: %w", st.Name, err)
	}
	if diffs := configs.DiffCanonical(st.Config, cfg.Canonical()); len(diffs) > 0 {
		return nil, fmt.Errorf("study %s: its config resolves differently on this machine (HPSEARCH_* variables? another hpsearch version?):\n  %s",
			st.Name, strings.Join(diffs, "\n  "))
	}
	s := &Study{Config: cfg, Name: st.Name, Path: src.File}
	if err := s.newObjective(); err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Name, err)
	}
	if s.Command != nil {
		s.Command.owner = trialOwner(store, s.Name)
	}
	if s.Space, err = NewSpace(cfg); err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Name, err)
	}
	warm, err := s.loadWarmStart(ctx, store, src.WarmStart, nil) // the run that started the study warned
	if err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Name, err)
	}
	job, err := s.job(warm)
	if err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Name, err)
	}
	return job, nil
}

// StoredBenchmark is the benchmark function of a stored study, so that
// `show` gives the regret as `run` did; nil for any other study.
func StoredBenchmark(st results.Study) *Benchmark {
	var src source
	if st.Source != "" && json.Unmarshal([]byte(st.Source), &src) == nil && src.Benchmark != nil {
		return newBenchmark(src.Benchmark.Name, src.Benchmark.Dim)
	}
	return benchmarkFromConfig(st.Config)
}

// benchmarkFromConfig reads the benchmark of a study stored before its
// source named it, from the canonical config stored with it: its
// "benchmark:" line, and its parameters, the coordinates.
func benchmarkFromConfig(canonical string) *Benchmark {
	name, dim := "", 0
	for _, line := range strings.Split(canonical, "\n") {
		if n, ok := strings.CutPrefix(line, "benchmark: "); ok {
			name = strings.TrimSpace(n)
		}
		if strings.HasPrefix(line, "parameters.") {
			dim++
		}
	}
	return newBenchmark(name, dim)
}

// newBenchmark is the benchmark function name in dim dimensions; nil when
// there is none such.
func newBenchmark(name string, dim int) *Benchmark {
	if name == "" {
		return nil
	}
	b, err := NewBenchmark(&configs.Config{Benchmark: name, Parameters: make([]configs.Parameter, dim)})
	if err != nil {
		return nil
	}
	return b
}
