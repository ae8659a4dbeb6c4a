package main

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
	"github.com/hpsearch/hpsearch/study"
)

// studySource is results.Study.Source: what a worker on another machine
// needs to rebuild a study's search exactly as `hpsearch run` built it.
type studySource struct {
	File      string   `json:"file"`                 // the config's path on the run machine (labels messages)
	Dir       string   `json:"dir"`                  // absolute: relative data paths start here
	Text      string   `json:"text"`                 // the config file's content
	Sets      []string `json:"sets,omitempty"`       // --set overrides, in order
	WarmStart string   `json:"warm_start,omitempty"` // --warm-start, which overrides search.warm_start
}

// newSource records the config at path with its overrides.
func newSource(path string, sets []string, warmStart string) (string, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return "", usageErr("read config: %v", err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return "", usageErr("config %s: %v", path, err)
	}
	b, err := json.Marshal(studySource{File: path, Dir: dir, Text: string(text), Sets: sets, WarmStart: warmStart})
	if err != nil {
		return "", fmt.Errorf("record the config of the study: %w", err)
	}
	return string(b), nil
}

// sharedScheme reports whether a --storage URL names a store that
// several machines share.
func sharedScheme(storage string) bool {
	scheme, _, _ := strings.Cut(storage, "://")
	return scheme == "postgres" || scheme == "postgresql"
}

// sharedConfigPath makes the config's path absolute for a shared study:
// workers resolve its relative data paths from the absolute directory
// stored with it, and the config the run resolves must be the one they
// resolve (the comparison in jobFromStudy).
func sharedConfigPath(path, storage string) string {
	if !sharedScheme(storage) {
		return path
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// jobFromStudy rebuilds a stored study's search on this machine from its
// source. Data files must be at the same path here as on the machine that
// ran `hpsearch run` (or be synthetic); a config that resolves differently
// here (other HPSEARCH_* variables, another hpsearch version) is refused
// with the differences, since its trials would not match the study's.
func jobFromStudy(ctx context.Context, store results.Store, st results.Study) (*search.Job, error) {
	if err := checkStoredName(st.Name); err != nil {
		return nil, err
	}
	if st.Source == "" {
		return nil, fmt.Errorf("study %s has no stored config (it was not started by this version of hpsearch run); run it with hpsearch run --resume", st.Name)
	}
	var src studySource
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
	sw := &sweep{cfg: cfg, study: st.Name}
	if err := sw.newEvaluator(); err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Name, err)
	}
	if sw.space, err = study.NewSpace(cfg); err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Name, err)
	}
	warm, err := loadWarmStart(ctx, store, sw, src.WarmStart, nil) // the run that started the study warned
	if err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Name, err)
	}
	job, err := sweepJob(sw, warm)
	if err != nil {
		return nil, fmt.Errorf("study %s: %w", st.Name, err)
	}
	return job, nil
}

// sweepJob is the search.Job of a prepared sweep, with the early-stopping
// rule its config asks for: the objective reports as in a one-process run.
func sweepJob(sw *sweep, warm *search.WarmStart) (*search.Job, error) {
	pruner, err := sw.pruner()
	if err != nil {
		return nil, err
	}
	return &search.Job{Study: sw.study, Seed: sw.cfg.Seed, Evaluator: sw.evaluator(), Pruner: pruner,
		Strategy: func() (search.Strategy, error) { return sw.strategy(warm) }}, nil
}
