package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

type runFlags struct {
	study    string
	parallel int
	storage  string
	resume   bool
	json     bool
	sets     []string
	top      int
}

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run CONFIG",
		Short: "Run a sweep from a config file",
		Long: `Run a sweep: trials fan out concurrently, each finished trial is stored at
once, and at the end the ranked table, the per-round narrowing table and the
learning-rate table are printed, and runs/<study>/best.yaml and trials.csv
are written. Ctrl-C starts no new trial, lets running ones stop, and still
prints and exports what finished (exit status 130).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSweep(cmd.Context(), args[0], f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.study, "study", "", "study name (default: the config's name); {date} and {time} are expanded")
	fl.IntVar(&f.parallel, "parallel", -1, "trials run at once (default: search.parallelism, 0 = number of CPUs)")
	fl.StringVar(&f.storage, "storage", "", "where trials are stored (default: in memory for this run)")
	fl.BoolVar(&f.resume, "resume", false, "continue an interrupted study")
	fl.BoolVar(&f.json, "json", false, "print the JSON document instead of tables")
	fl.StringArrayVar(&f.sets, "set", nil, "override a config key (key=value), repeatable; a hyperparameter name pins it")
	fl.IntVar(&f.top, "top", 20, "rows of the ranked table (0 = all)")
	return cmd
}

// expandStudy fills the {date} and {time} placeholders so a cron line
// makes one study per night.
func expandStudy(name string, now time.Time) string {
	name = strings.ReplaceAll(name, "{date}", now.Format("2006-01-02"))
	return strings.ReplaceAll(name, "{time}", now.Format("150405"))
}

func checkStudyName(name string) error {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." || strings.ContainsRune(name, 0) {
		return usageErr("study name %q: must be non-empty and hold no path separators", name)
	}
	return nil
}

// sweep is everything a run needs, built from the config before any trial.
type sweep struct {
	cfg       *configs.Config
	study     string
	objective *search.Objective
	space     *search.Space
	strategy  search.Strategy
}

func prepare(path string, sets []string, studyFlag string) (*sweep, error) {
	cfg, err := configs.Load(path, sets)
	if err != nil {
		return nil, err
	}
	study := cfg.Name
	if studyFlag != "" {
		study = studyFlag
	}
	study = expandStudy(study, time.Now())
	if err := checkStudyName(study); err != nil {
		return nil, err
	}
	obj, err := search.NewObjective(cfg)
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	space, err := search.NewSpace(cfg.Parameters)
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	strat, err := search.NewStrategy(cfg, space)
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	return &sweep{cfg: cfg, study: study, objective: obj, space: space, strategy: strat}, nil
}

func runSweep(ctx context.Context, path string, f runFlags, stdout, stderr io.Writer) error {
	sw, err := prepare(path, f.sets, f.study)
	if err != nil {
		return err
	}
	cfg := sw.cfg
	par := cfg.Search.Parallelism
	if f.parallel >= 0 {
		par = f.parallel
	}
	if f.storage != "" || f.resume {
		return usageErr("--storage and --resume need a persistent store, which is not available in this build")
	}
	store := results.NewMemoryStore()
	studyRec := results.Study{Name: sw.study, Created: time.Now(), Strategy: sw.strategy.Name(),
		Metric: cfg.Search.Metric, Goal: cfg.Search.Goal, Total: sw.strategy.Total(), Status: "running"}
	if err := store.PutStudy(ctx, studyRec); err != nil {
		return err
	}

	prog := newProgress(stderr, sw.strategy.Total(), cfg.Search.Goal)
	runner := &search.Runner{
		Study: sw.study, Seed: cfg.Seed, Strategy: sw.strategy, Evaluator: sw.objective,
		Store: store, Parallelism: par, Progress: prog.trial,
	}
	fmt.Fprintf(stderr, "hpsearch: study %s: %s, %d trials, %d at a time\n", sw.study, sw.strategy.Name(), sw.strategy.Total(), effectiveParallel(par))
	trials, runErr := runner.Run(ctx)
	prog.finish()
	interrupted := runErr != nil && ctx.Err() != nil && errors.Is(runErr, ctx.Err())
	if runErr != nil && !interrupted {
		return runErr
	}
	studyRec.Rounds = sw.strategy.Rounds()
	studyRec.Status = "finished"
	if interrupted {
		studyRec.Status = "interrupted"
	}
	if err := store.PutStudy(context.WithoutCancel(ctx), studyRec); err != nil {
		return err
	}
	if err := report(studyRec, trials, cfg, f, stdout); err != nil {
		return err
	}
	if err := export(studyRec, trials, cfg.Output.Dir, stderr); err != nil {
		return err
	}
	if interrupted {
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: %d of %d trials finished and were kept", len(trials), sw.strategy.Total())}
	}
	if _, ok := results.Best(trials, cfg.Search.Goal); !ok {
		return &exitError{code: exitNoSuccess, err: fmt.Errorf("no trial succeeded (%d trials ran); see the table for their stop reasons", len(trials))}
	}
	return nil
}

// report prints the tables, or the JSON document with --json.
func report(s results.Study, trials []results.Trial, cfg *configs.Config, f runFlags, w io.Writer) error {
	if f.json {
		return results.WriteJSON(w, results.NewDocument(s, trials))
	}
	if err := results.WriteSummary(w, s, trials); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := results.WriteRanked(w, s, results.Rank(trials, s.Goal), f.top); err != nil {
		return err
	}
	if len(s.Rounds) > 1 {
		fmt.Fprintln(w, "\nHow the ranges narrowed, round by round:")
		if err := results.WriteRounds(w, s.Rounds); err != nil {
			return err
		}
	}
	for _, p := range cfg.Parameters {
		if p.Name == "learning_rate" {
			fmt.Fprintln(w, "\nBy power of ten of the learning rate:")
			return results.WriteLearningRatesFor(w, trials, "learning_rate", s.Goal)
		}
	}
	return nil
}

// export writes runs/<study>/best.yaml and trials.csv.
func export(s results.Study, trials []results.Trial, dir string, stderr io.Writer) error {
	out := filepath.Join(dir, s.Name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if best, ok := results.Best(trials, s.Goal); ok {
		b := results.BestFile{Study: s.Name, Metric: s.Metric, Goal: s.Goal, Value: best.Value, Trial: best.Number, Params: best.Params}
		if err := writeFile(filepath.Join(out, "best.yaml"), func(w io.Writer) error { return results.WriteBestYAML(w, b) }); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(out, "trials.csv"), func(w io.Writer) error { return results.WriteCSV(w, trials) }); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "hpsearch: wrote %s\n", out)
	return nil
}

// writeFile writes through a temporary file and a rename, so a crash never
// leaves a half-written best.yaml for production training to pick up.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
