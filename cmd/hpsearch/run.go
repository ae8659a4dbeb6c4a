package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/study"
	"github.com/hpsearch/hpsearch/trainer"
)

type runFlags struct {
	study     string
	parallel  int
	storage   string
	resume    bool
	warmStart string
	json      bool
	sets      []string
	top       int
	wide      bool        // every column, whatever the terminal's width
	shared    sharedFlags // PostgreSQL: heartbeats and retries (worker.go)
}

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run CONFIG",
		Short: "Run a sweep from a config file",
		Long: `Run a sweep: trials fan out concurrently, each trial is stored when it
starts and again when it ends, and at the end the ranked table, the per-round
narrowing table and the learning-rate table are printed, and
runs/<study>/best.yaml and trials.csv are written. Ctrl-C starts no new
trial, lets running ones stop, and still prints and exports what finished
(exit status 130); --resume continues the study later.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSweep(cmd.Context(), args[0], f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.study, "study", "", "study name (default: the config's name); {date} and {time} are expanded")
	fl.IntVar(&f.parallel, "parallel", -1, "trials run at once (default: search.parallelism, 0 = number of CPUs)")
	fl.StringVar(&f.storage, "storage", "", "where studies are stored: sqlite:///path.db, memory: or postgres://… to share with workers (default: sqlite in OUTPUT_DIR/hpsearch.db)")
	fl.BoolVar(&f.resume, "resume", false, "continue an interrupted study: finished trials are kept, the rest run")
	fl.StringVar(&f.warmStart, "warm-start", "", "start from a stored study's best trials and final ranges (overrides search.warm_start)")
	fl.BoolVar(&f.json, "json", false, "print the JSON document instead of tables")
	fl.StringArrayVar(&f.sets, "set", nil, "override a config key (key=value), repeatable; a hyperparameter name pins it")
	topFlag(cmd, &f.top)
	wideFlag(cmd, &f.wide)
	f.shared.register(cmd)
	return cmd
}

// expandStudy fills the {date} and {time} placeholders so a cron line
// makes one study per night.
func expandStudy(name string, now time.Time) string {
	name = strings.ReplaceAll(name, "{date}", now.Format("2006-01-02"))
	return strings.ReplaceAll(name, "{time}", now.Format("150405"))
}

// checkStudyName holds a name given on the command line (--study, a STUDY
// argument) to the rule of the config's name.
func checkStudyName(name string) error {
	if err := configs.CheckStudyName(name); err != nil {
		return usageErr("%v", err)
	}
	return nil
}

// sweep is everything a run needs, built from the config before any trial.
type sweep struct {
	cfg       *configs.Config
	study     string
	objective *study.Objective        // the built-in trainer; nil with trainer.command
	command   *study.CommandObjective // the user's program (trainer.command); else nil
	benchmark *study.Benchmark        // a test function (benchmark: NAME); else nil
	space     *search.Space
}

func prepare(path string, sets []string, studyFlag string) (*sweep, error) {
	cfg, err := configs.Load(path, sets)
	if err != nil {
		return nil, err
	}
	name := cfg.Name
	if studyFlag != "" {
		name = studyFlag
	}
	name = expandStudy(name, time.Now())
	if err := checkStudyName(name); err != nil {
		return nil, err
	}
	sw := &sweep{cfg: cfg, study: name}
	if cfg.Benchmark != "" {
		// The objective is the test function itself: no data to load, no
		// training (configs refuses a benchmark with trainer.command).
		sw.benchmark, err = study.NewBenchmark(cfg)
	} else {
		err = sw.newEvaluator()
	}
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	if sw.space, err = study.NewSpace(cfg); err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	return sw, nil
}

func (sw *sweep) strategy(warm *search.WarmStart) (search.Strategy, error) {
	s, err := search.NewStrategy(study.StrategyOptions(sw.cfg), sw.space, warm)
	if err != nil {
		return nil, usageErr("%s: %v", sw.cfg.File, err)
	}
	return s, nil
}

// warmStartPoints is how many of a previous study's best trials a warm
// start evaluates again: as many as coarse-to-fine keeps from a round.
func warmStartPoints(cfg *configs.Config) int {
	return max(1, int(math.Ceil(cfg.Search.Keep*float64(cfg.Search.TrialsPerRound))))
}

func runSweep(ctx context.Context, path string, f runFlags, stdout, stderr io.Writer) error {
	path = sharedConfigPath(path, f.storage)
	sw, err := prepare(path, f.sets, f.study)
	if err != nil {
		return err
	}
	printWarnings(stderr, sw.cfg)
	cfg := sw.cfg
	par := cfg.Search.Parallelism
	if f.parallel >= 0 {
		par = f.parallel
	} else if f.parallel != -1 {
		return usageErr("--parallel %d: must be 0 (the number of CPUs) or more", f.parallel)
	}
	par = sw.capParallel(par)
	storage := f.storage
	if storage == "" {
		storage = defaultStorage(cfg.Output.Dir)
	}
	store, closeStore, err := openStore(storage)
	if err != nil {
		return err
	}
	defer closeStore()
	// Taken before the study is read: a second run of a running study,
	// resumed or new, is refused rather than run beside this one.
	leaseCtx, lease, err := holdStudy(ctx, store, sw.study, f.shared, storage, stderr)
	if err != nil {
		return err
	}
	defer lease.release()

	studyRec := results.Study{Name: sw.study, Created: time.Now(), Metric: cfg.Search.Metric, Goal: results.Goal(cfg.Search.Goal),
		Status: results.StudyRunning, Config: configs.FormatCanonical(cfg.Canonical())}
	if studyRec.Source, err = newSource(path, f.sets, f.warmStart); err != nil {
		return err
	}
	finished, err := existing(ctx, store, &studyRec, cfg.Canonical(), f.resume, stderr)
	if err != nil {
		return err
	}
	warm, err := loadWarmStart(ctx, store, sw, f.warmStart, stderr)
	if err != nil {
		return err
	}
	strat, err := sw.strategy(warm)
	if err != nil {
		return err
	}
	// Everything that can refuse the config is checked before the study
	// record is written: a refused run leaves no half-made study behind.
	pruner, err := sw.pruner()
	if err != nil {
		return err
	}
	if _, shared := store.(sharedQueue); shared && pruner != nil && len(cfg.Trainer.Devices) > 0 {
		// A trial waiting for others keeps its device, and in a shared
		// study the trial it waits for may have to run again here after its
		// worker died: with every device held by waiting trials, it never
		// could.
		return usageErr("%s: search.early_stopping with trainer.devices is not supported in a study shared through PostgreSQL: a waiting trial keeps its device; run it with SQLite storage, or without trainer.devices", cfg.File)
	}
	studyRec.Strategy, studyRec.Total = strat.Name(), strat.Total()
	if err := store.PutStudy(ctx, studyRec); err != nil {
		return failed(err)
	}
	if q, ok := store.(sharedQueue); ok {
		return runShared(leaseCtx, sharedRun{store: store, queue: q, sw: sw, warm: warm, rec: studyRec, path: path, par: par, flags: f, lease: lease}, stdout, stderr)
	}

	prog := newProgress(stderr, strat.Total(), cfg.Search.Goal)
	runCtx, failures := newFailureLimit(leaseCtx, cfg.Search.MaxFailedTrials, finished)
	defer failures.stop()
	runner := &search.Runner{
		Study: sw.study, Seed: cfg.Seed, Strategy: strat, Evaluator: sw.evaluator(),
		Store: store, Parallelism: par, Progress: failures.watch(prog.trial), Finished: finished,
		Hold: trainer.HoldCore,
	}
	runner.Pruner = pruner
	fmt.Fprintf(stderr, "hpsearch: study %s: %s, %d trials (%d already finished), %d at a time, stored in %s\n",
		sw.study, strat.Name(), strat.Total(), len(finished), effectiveParallel(par), redact(storage))
	trials, runErr := runner.Run(runCtx)
	prog.finish()
	if err := lease.lostErr(); err != nil {
		return err // the study is another process's now: its record is not this one's to write
	}
	interrupted := runErr != nil && ctx.Err() != nil && errors.Is(runErr, ctx.Err())
	stopped := failures.exceeded() && !interrupted // Ctrl-C wins: 130, not 1
	studyRec.Rounds = strat.Rounds()
	studyRec.Status = results.StudyFinished
	if runErr != nil {
		studyRec.Status = results.StudyInterrupted
	}
	// Whatever happened, the study record says so: a later --resume or
	// `hpsearch studies` must not be told a broken sweep finished.
	if err := store.PutStudy(context.WithoutCancel(ctx), studyRec); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil && !interrupted && !stopped {
		return failed(fmt.Errorf("%w (finished trials are stored; continue with --resume)", runErr))
	}
	// The files first: a reader of stdout that goes away (| head) must not
	// cost them.
	if err := export(studyRec, trials, cfg.Output.Dir, stderr); err != nil {
		return err
	}
	if err := sw.report(studyRec, trials, f.json, f.top, trialOutputs(cfg.Output.Dir, sw.study), tableOut(stdout, f.wide)); err != nil {
		return err
	}
	if interrupted {
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: %d of %d trials finished; %s",
			len(trials), strat.Total(), resumeHint(path, f, sw.study))}
	}
	if stopped {
		return &exitError{code: exitNoSuccess, err: failures.err(sw.trialsDir())}
	}
	if _, ok := results.Best(trials, results.Goal(cfg.Search.Goal)); !ok {
		return &exitError{code: exitNoSuccess, err: fmt.Errorf("no trial succeeded (%d trials ran); see the table for their stop reasons", len(trials))}
	}
	return nil
}

// existing checks the store for a study of the same name. Without --resume
// it is refused; with it, its config must match and its finished trials are
// returned to be kept. Trials it left running are not returned: they run
// again with the same parameters and seed.
func existing(ctx context.Context, store results.Store, rec *results.Study, settings []configs.Setting, resume bool, stderr io.Writer) (map[int]results.Trial, error) {
	prev, trials, err := store.Study(ctx, rec.Name)
	if errors.Is(err, results.ErrNotFound) {
		if resume {
			fmt.Fprintf(stderr, "hpsearch: no study %s to resume; starting it\n", rec.Name)
		}
		return nil, nil
	}
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if !resume {
		return nil, usageErr("study %s already exists (%d trials, %s); continue it with --resume, or start another with --study NAME",
			rec.Name, len(trials), prev.Status)
	}
	if diffs := configs.DiffCanonical(prev.Config, settings); len(diffs) > 0 {
		return nil, usageErr("cannot resume study %s: the config differs from the one it started with:\n  %s",
			rec.Name, strings.Join(diffs, "\n  "))
	}
	rec.Created = prev.Created
	finished := map[int]results.Trial{}
	for _, t := range trials {
		if t.Status.Finished() {
			finished[t.Number] = t
		}
	}
	return finished, nil
}

// loadWarmStart reads the study named by --warm-start or search.warm_start.
// What does not match this config's space is a warning on warn (nil: none).
func loadWarmStart(ctx context.Context, store results.Store, sw *sweep, flag string, warn io.Writer) (*search.WarmStart, error) {
	from := sw.cfg.Search.WarmStart
	if flag != "" {
		from = flag
	}
	if from == "" {
		return nil, nil
	}
	if err := checkStudyName(from); err != nil {
		return nil, usageErr("warm start: %v", err)
	}
	if from == sw.study {
		return nil, usageErr("warm start: study %s cannot start from itself (use --resume to continue it)", from)
	}
	prev, trials, err := store.Study(ctx, from)
	if err != nil {
		return nil, usageErr("warm start: %v", err)
	}
	w, err := search.NewWarmStart(from, sw.space, prev, trials, warmStartPoints(sw.cfg))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	notes, err := warmStartNotes(from, sw.space, w, prev, trials)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		if warn != nil {
			fmt.Fprintln(warn, "hpsearch: warning: "+n)
		}
	}
	return w, nil
}

// report prints the tables, or the JSON document with --json.
// output says where a failed trial's whole output is (see trialOutputs).
func report(s results.Study, trials []results.Trial, asJSON bool, top int, output trialOutput, w io.Writer) error {
	if asJSON {
		return results.WriteJSON(w, results.NewDocument(s, trials))
	}
	if err := results.WriteSummary(w, s, trials); err != nil {
		return err
	}
	if err := results.WritePruning(w, trials); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := results.WriteRanked(w, s, results.Rank(trials, s.Goal), top); err != nil {
		return err
	}
	if err := results.WriteFailures(w, trials, output); err != nil {
		return err
	}
	if len(s.Rounds) > 1 {
		fmt.Fprintln(w, "\nHow the ranges narrowed, round by round:")
		if err := results.WriteRounds(w, s.Rounds); err != nil {
			return err
		}
	}
	for _, name := range results.ParamNames(trials) {
		if name == "learning_rate" {
			fmt.Fprintln(w, "\nBy power of ten of the learning rate:")
			return results.WriteLearningRatesFor(w, trials, "learning_rate", s.Goal)
		}
	}
	return nil
}

// export writes runs/<study>/best.yaml, trials.csv and report.html.
func export(s results.Study, trials []results.Trial, dir string, stderr io.Writer) error {
	out := filepath.Join(dir, s.Name)
	if err := os.MkdirAll(out, 0o777); err != nil {
		return failed(fmt.Errorf("export: %w", err))
	}
	if best, ok := results.Best(trials, s.Goal); ok {
		b := results.NewBestFile(s, best)
		if err := writeFile(filepath.Join(out, "best.yaml"), func(w io.Writer) error { return results.WriteBestYAML(w, b) }); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(out, "trials.csv"), func(w io.Writer) error { return results.WriteCSV(w, trials) }); err != nil {
		return err
	}
	if err := writeReport(filepath.Join(out, "report.html"), s, trials, trialOutputs(dir, s.Name)); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "hpsearch: wrote %s\n", out)
	return nil
}
