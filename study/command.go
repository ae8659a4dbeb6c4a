package study

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/internal/dirlock"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/trainer"
)

// CommandObjective is the evaluator of configs with trainer.command: each
// trial runs the user's own training program (see trainer.Command) in its
// own directory, TrialsDir/<number>, and what the program did becomes the
// trial: ok, failed or diverged, with its value, history and stderr.
type CommandObjective struct {
	cmd trainer.Command
	// TrialsDir holds one directory per trial, named by its number:
	// <output.dir>/<study>/trials for a sweep.
	TrialsDir string
	// devices holds the free devices of trainer.devices; a trial takes one
	// before its program starts and gives it back when it ends, so no two
	// running trials share one. nil when there is no pool.
	devices chan string
	// jobs keeps the job ids of a launcher's batch jobs (Slurm); nil for
	// trials run here, or before a run readied it (attachJobs).
	jobs *batchJobs
	// owner is the study in its store (trialOwner), set once the study is
	// known to run from a store (Run, Rebuild).
	owner string
}

// NewCommandObjective prepares the config's command to run trials whose
// directories go under trialsDir.
func NewCommandObjective(cfg *configs.Config, trialsDir string) (*CommandObjective, error) {
	t, s := cfg.Trainer, cfg.Search
	if len(t.Command) == 0 {
		return nil, fmt.Errorf("config %s: no trainer.command", cfg.File)
	}
	names := make([]string, len(cfg.Parameters))
	for i, p := range cfg.Parameters {
		names[i] = p.Name
	}
	if err := trainer.CheckCommandArgv(t.Command, names, len(t.Devices) > 0); err != nil {
		return nil, fmt.Errorf("trainer.command: %w", err)
	}
	if s.MetricRegex != "" {
		if _, err := trainer.CompileMetricRegex(s.MetricRegex); err != nil {
			return nil, fmt.Errorf("search.metric_regex: %w", err)
		}
	}
	o := &CommandObjective{
		cmd: trainer.Command{Argv: t.Command, Workdir: t.Workdir, Env: t.Env, Timeout: t.Timeout,
			Metric: s.Metric, MetricStrategy: s.MetricStrategy, MetricRegex: s.MetricRegex},
		TrialsDir: trialsDir,
	}
	if slurm := slurmLauncher(t.Launcher); slurm != nil {
		o.cmd.Launcher = slurm
	}
	if len(t.Devices) > 0 {
		o.devices = make(chan string, len(t.Devices))
		for _, d := range t.Devices {
			o.devices <- d
		}
	}
	return o, nil
}

// Devices is the size of the device pool, 0 when there is none. Running
// more trials at once than this only makes them wait for a device.
func (o *CommandObjective) Devices() int { return cap(o.devices) }

// Command describes the program run, for `validate`.
func (o *CommandObjective) Command() trainer.Command { return o.cmd }

// Evaluate runs the program for one trial. Whatever the program does is a
// result; the error is ctx's when it ended before the trial did.
func (o *CommandObjective) Evaluate(ctx context.Context, t search.Task) (results.Trial, error) {
	device, err := o.takeDevice(ctx)
	if err != nil {
		return results.Trial{}, err
	}
	if device != "" {
		defer func() { o.devices <- device }()
	}
	c := o.cmd // a copy, so that OnMetric and OnStart are this trial's own
	// A trial parked at a rung blocks in Report, which stops only the
	// reading of the program's output: the runner pauses the program itself
	// (SIGSTOP on Unix) through Pausable.
	c.OnMetric, c.OnStart = t.Report, t.Pausable
	if t.Live != nil {
		c.Stop, c.OnPoint = t.Live.Stopped(), func(p trainer.MetricPoint) { t.Live.Add(metricPoint(p)) }
	}
	run := o.commandRun(t, device)
	if o.jobs != nil {
		c.OnJob, c.OnJobClosed = o.jobs.hooks(ctx, t.Number)
		run.Job = o.jobs.take(t.Number)
	}
	res, err := c.Run(ctx, run)
	if err != nil {
		tr := results.Trial{Status: results.StatusFailed, StopReason: trainer.StopNotStarted, Error: err.Error(), Started: res.Started}
		return tr, nil
	}
	if res.Outcome == trainer.CommandCancelled && ctx.Err() != nil {
		return commandTrial(res), ctx.Err()
	}
	return commandTrial(res), nil
}

func (o *CommandObjective) takeDevice(ctx context.Context) (string, error) {
	if o.devices == nil {
		return "", nil
	}
	select {
	case d := <-o.devices:
		return d, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (o *CommandObjective) commandRun(t search.Task, device string) trainer.CommandRun {
	params := make([]trainer.CommandParam, len(t.Params))
	for i, p := range t.Params {
		params[i] = trainer.CommandParam{Name: p.Name, Value: p.Value}
	}
	return trainer.CommandRun{Study: t.Study, Trial: t.Number, Seed: t.Seed, Params: params,
		Dir: filepath.Join(o.TrialsDir, strconv.Itoa(t.Number)), Device: device, Owner: o.owner}
}

// commandTrial maps what a program did to a trial. Each metric line is one
// history point: Iteration its step, ValidationLoss the objective metric,
// TrainLoss train_loss (or loss), GradNorm grad_norm; NaN where the line
// did not print one. The trial's train loss is the last one printed; its
// best iteration the step its value was printed at (the last one, or the
// best one for metric_strategy min and max), unknown (0) when it failed.
func commandTrial(res trainer.CommandResult) results.Trial {
	tr := results.Trial{Status: commandStatus(res.Outcome), Value: results.Measured(res.Value),
		Iterations: res.LastStep, BestIteration: res.ValueStep, StopReason: res.StopReason,
		Started: res.Started, Finished: res.Started.Add(res.Duration)}
	tr.History = make([]results.Point, len(res.History))
	for i, p := range res.History {
		pt := metricPoint(p)
		if !math.IsNaN(pt.TrainLoss) {
			tr.TrainLoss = results.Measured(pt.TrainLoss)
		}
		tr.History[i] = pt
	}
	if tr.Status == results.StatusFailed || tr.Status == results.StatusDiverged {
		tr.Error = commandError(res)
	}
	if tr.Status == results.StatusFailed {
		tr.BestIteration = 0
	}
	return tr
}

// metricPoint is a metric line as a point of the trial's curve.
func metricPoint(p trainer.MetricPoint) results.Point {
	return results.Point{Iteration: p.Step, ValidationLoss: p.Value,
		TrainLoss: firstMetric(p.Metrics, "train_loss", "loss"), GradNorm: firstMetric(p.Metrics, "grad_norm")}
}

func commandStatus(o trainer.CommandOutcome) results.Status {
	switch o {
	case trainer.CommandOK:
		return results.StatusOK
	case trainer.CommandDiverged:
		return results.StatusDiverged
	case trainer.CommandPruned:
		return results.StatusPruned
	}
	return results.StatusFailed
}

func firstMetric(m map[string]float64, names ...string) float64 {
	for _, n := range names {
		if v, ok := m[n]; ok {
			return v
		}
	}
	return math.NaN()
}

// commandError is the reason on the first line (tables show only that),
// then the last lines of stderr, which usually say why.
func commandError(res trainer.CommandResult) string {
	if len(res.Stderr) == 0 {
		return res.Reason
	}
	return res.Reason + "\nlast lines of stderr:\n" + strings.Join(res.Stderr, "\n")
}

// storeIdentity is a store that names what it holds: two stores of the
// same identity hold the same studies (results stores all do).
type storeIdentity interface{ Identity() string }

// trialOwner names study name of store in the process files of its command
// trials (trainer.CommandRun.Owner). Two runs of one study (a resume, or a
// worker taking over a trial) share it and may stop each other's leftover
// programs; runs of the same name in two stores (each with its own
// --storage, one output.dir) do not, and refuse the trial instead of
// killing a program the other still runs. A hash, so that no store's
// address is written into the runs directory.
func trialOwner(store results.Store, name string) string {
	id := fmt.Sprintf("%T %p %d", store, store, os.Getpid()) // this process alone
	if s, ok := store.(storeIdentity); ok {
		id = s.Identity()
	}
	sum := sha256.Sum256([]byte(id + "\x00" + name))
	return hex.EncodeToString(sum[:12])
}

// claimOutput claims the study's output directory (output.dir/<study>)
// for the run: runs of the study in another store (each with its own
// --storage, or memory:) are refused while this one runs, instead of
// overwriting its best.yaml, trials.csv, report.html and its trials'
// outputs (the files of a memory: store's run are all that is left of
// it). Runs of the study in this store share it: the lease already keeps
// a second run out, and workers of a shared study write the same files.
//
// The directory is made and written to first: a run whose output.dir
// cannot take its files (a file, a device, no permission) is refused
// before its trials run, not found out after them, when a memory store's
// trials would be lost with the outputs.
func (s *Study) claimOutput(store results.Store) (func(), error) {
	dir := filepath.Join(s.Config.Output.Dir, s.Name)
	if err := writableDir(dir); err != nil {
		return nil, usageErr("output.dir %s: the study's files go to %s, and %v; give output.dir a directory hpsearch can create and write in (--set output.dir=DIR)",
			s.Config.Output.Dir, dir, err)
	}
	release, err := dirlock.Claim(dir, trialOwner(store, s.Name))
	var held *dirlock.HeldError
	if errors.As(err, &held) {
		return nil, usageErr("output.dir %s: study %s's files there are being written by another hpsearch run (process %d) of a study of the same name in another store; give this run an output.dir of its own (--set output.dir=DIR) or another name (--study NAME)",
			s.Config.Output.Dir, s.Name, held.PID)
	}
	return release, err
}

// writableDir makes dir and checks that a file can be created in it.
func writableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".hpsearch-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
