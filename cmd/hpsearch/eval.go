package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

type evalFlags struct {
	sets     []string
	params   string
	trial    int
	trialSet bool
	storage  string
	json     bool
	wide     bool
}

func newEvalCmd(stdout, stderr io.Writer) *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:   "eval CONFIG",
		Short: "Train one trial alone, no search",
		Long: `Train one trial with the config's base settings, or with the parameters
of an exported best.yaml (--params). The trial's seed comes from the study
seed and the trial number recorded in best.yaml, so the best trial of a sweep
is retrained to the same value.

The params of best.yaml are checked like the config's own values: a name
this config has no parameter of, or a value its key does not allow, is an
error (exit 2) naming the file, line and key. A best.yaml of another study
whose params all fit is retrained with a warning. When the study is in the
store (--storage), the trial's round is taken from it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.trialSet = cmd.Flags().Changed("trial")
			if cmd.Flags().Changed("params") && f.params == "" {
				return usageErr("--params: no file given (want a best.yaml, or leave --params out for the config's base settings)")
			}
			return runEval(cmd.Context(), args[0], f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.sets, "set", nil, "override a config key (key=value), repeatable")
	fl.StringVar(&f.params, "params", "", "a best.yaml whose params (and trial number) to use")
	fl.IntVar(&f.trial, "trial", 0, "trial number whose seed to use (default: the one in --params, else 0)")
	fl.StringVar(&f.storage, "storage", "", "where the study of --params is looked up, for its round and config (default: sqlite in OUTPUT_DIR/hpsearch.db, when it exists)")
	fl.BoolVar(&f.json, "json", false, "print the trial as a JSON object")
	wideFlag(cmd, &f.wide)
	return cmd
}

// evalTrial is eval's JSON object: a trial document whose round is given
// only when it is known, from the stored study the params came from. A
// retrained trial belongs to no round of its own, and 0 would claim one.
type evalTrial struct {
	results.TrialDoc
	Round *int `json:"round,omitempty"`
}

func runEval(ctx context.Context, path string, f evalFlags, stdout, stderr io.Writer) error {
	s, err := study.Load(path, f.sets, "")
	if err != nil {
		return err
	}
	s.ForEval()
	var (
		params results.Params
		round  *int
	)
	trial := f.trial
	if f.params != "" {
		b, err := loadParams(s.Config, f.params)
		if err != nil {
			return err
		}
		params = b.Params
		if !f.trialSet {
			trial = b.Trial
		}
		origin, err := lookUpOrigin(ctx, s.Config, f.storage, b)
		if err != nil {
			return err
		}
		if w := origin.warning(s, f.params, b); w != "" {
			fmt.Fprintln(stderr, "hpsearch: warning: "+w)
		}
		if !f.trialSet {
			round = origin.round
		}
	} else if s.Benchmark != nil {
		return usageErr("eval %s: a benchmark has no base point: give the point to evaluate with --params (a best.yaml with params %s)",
			path, strings.Join(s.Config.ParamNames(), ", "))
	}
	t, err := s.Eval(ctx, trial, params)
	if err != nil {
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: %w", err)}
	}
	if round != nil {
		t.Round = *round
	}
	if f.json {
		if err := results.WriteJSON(stdout, evalTrial{TrialDoc: results.TrialDocument(t), Round: round}); err != nil {
			return err
		}
	} else {
		rec := results.Study{Name: s.Name, Metric: s.Config.Search.Metric, Goal: s.Goal()}
		if err := results.WriteRanked(tableOut(stdout, f.wide), rec, []results.Trial{t}, 0); err != nil {
			return err
		}
	}
	if t.Status != results.StatusOK {
		return &exitError{code: exitNoSuccess, err: fmt.Errorf("trial %d %s: %s", t.Number, t.Status, firstNonEmpty(t.Error, t.StopReason))}
	}
	return nil
}

// loadParams reads a best.yaml and checks its params against the config,
// by the config's own rules for each key: a bad value is the user's
// mistake in a file, to be fixed there, not a trial that failed.
func loadParams(cfg *configs.Config, path string) (results.BestFile, error) {
	// Read once: the params checked are the params parsed.
	text, err := results.ReadBestBytes(path)
	if err != nil {
		return results.BestFile{}, usageErr("%v", err)
	}
	b, err := results.ReadBestYAML(bytes.NewReader(text), path)
	if err != nil {
		return b, usageErr("%v", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil || len(doc.Content) == 0 {
		return b, usageErr("%s: invalid YAML", path) // ReadBestYAML parsed it: not reached
	}
	checkErr := cfg.CheckParams(path, mappingValue(doc.Content[0], "params"))
	var ce *configs.Error
	if errors.As(checkErr, &ce) && b.Study != "" && !sameStudy(cfg.Name, b.Study) {
		// The likeliest cause: the file of another sweep.
		ce.Problems = append(ce.Problems, configs.Problem{File: path, Line: mappingKeyLine(doc.Content[0], "study"), Key: "study",
			Message: fmt.Sprintf("these are the best settings of study %s, not of this config's study %s: is it the right file?", b.Study, cfg.Name)})
	}
	return b, checkErr
}

// mappingValue returns the value of key in mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func mappingKeyLine(m *yaml.Node, key string) int {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// sameStudy reports whether a study name is one this config's name makes:
// nightly-{date} makes nightly-2026-11-28.
func sameStudy(configName, study string) bool {
	pattern := regexp.QuoteMeta(configName)
	pattern = strings.ReplaceAll(pattern, regexp.QuoteMeta("{date}"), `\d{4}-\d{2}-\d{2}`)
	pattern = strings.ReplaceAll(pattern, regexp.QuoteMeta("{time}"), `\d{6}`)
	ok, _ := regexp.MatchString("^"+pattern+"$", study)
	return ok
}

// origin is what the store knows of the study a best.yaml came from.
type origin struct {
	found  bool
	unread string   // why an explicit --storage could not be read (for now)
	diffs  []string // how this config differs from the one the study ran with
	round  *int     // the round of the best.yaml's trial, when stored with its params
}

// lookUpOrigin reads the best.yaml's study from the store, if there is one
// to read: eval must work without any store, so a missing database or
// study only means nothing more is known. A --storage given on the command
// line that cannot be opened (not a database, an unknown scheme) is the
// user's mistake, though, and refused as run refuses it, rather than
// passed over in silence.
func lookUpOrigin(ctx context.Context, cfg *configs.Config, storage string, b results.BestFile) (origin, error) {
	explicit := storage != ""
	if !explicit {
		storage = defaultStorage(cfg.Output.Dir)
	}
	if p, ok := sqlitePath(storage); ok && p != "" {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			// Opening would create an empty database.
			if explicit && b.Study != "" {
				return origin{unread: fmt.Sprintf("--storage %s: no database there", storage)}, nil
			}
			return origin{}, nil
		}
	}
	if b.Study == "" && !explicit {
		return origin{}, nil
	}
	store, closeStore, err := openStore(storage)
	switch {
	case err != nil && explicit && errors.Is(err, results.ErrUnavailable):
		// A server that cannot be reached now: the trial runs all the same.
		return origin{unread: err.Error()}, nil
	case err != nil && explicit:
		return origin{}, err
	case err != nil:
		return origin{}, nil
	}
	defer closeStore()
	if b.Study == "" {
		return origin{}, nil
	}
	st, trials, err := store.Study(ctx, b.Study)
	if err != nil {
		return origin{}, nil
	}
	o := origin{found: true, diffs: configs.DiffCanonical(st.Config, cfg.Canonical())}
	for _, t := range trials {
		if t.Number == b.Trial && sameValues(t.Params, b.Params) {
			r := t.Round
			o.round = &r
		}
	}
	return o, nil
}

// sameValues compares parameters as printed: a value read back from YAML
// may be another Go type than the stored one (1 and 1.0).
func sameValues(a, b results.Params) bool {
	if len(a) != len(b) {
		return false
	}
	for _, p := range a {
		v, ok := b.Get(p.Name)
		if !ok || fmt.Sprint(v) != fmt.Sprint(p.Value) {
			return false
		}
	}
	return true
}

// warning says why a best.yaml may not be this config's, or "".
func (o origin) warning(s *study.Study, file string, b results.BestFile) string {
	switch {
	case o.unread != "":
		return o.unread + "; the trial runs without its study's record (its round and config)"
	case o.found && len(o.diffs) > 0:
		return fmt.Sprintf("%s is the best of study %s, which ran with another config than %s (%s); the value may differ",
			file, b.Study, s.Config.File, strings.Join(o.diffs, "; "))
	case o.found:
		return "" // the same config under another name (run --study)
	case b.Study != "" && !sameStudy(s.Config.Name, b.Study):
		return fmt.Sprintf("%s is the best of study %s, not of %s (study %s); its params fit this config, so it is retrained with them",
			file, b.Study, s.Config.File, s.Name)
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
