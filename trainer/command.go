package trainer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Command runs a user's own training program as a trial: its argv is
// expanded with the trial's parameters, it runs in a process group of its
// own, its stdout and stderr are kept in the trial's directory, and its
// metrics are read from stdout as they are printed.
//
// Whatever the program does — exit non-zero, crash, hang, print nothing
// useful or NaN — is a CommandResult, not an error: a sweep goes on.
// A Command is safe for concurrent Runs; its fields must not change while
// any runs.
type Command struct {
	// Argv is the program and its arguments, never given to a shell. Each
	// element is a template: {NAME} is a parameter's value, an element that
	// is exactly {args} becomes one --NAME=VALUE element per parameter, and
	// {params_file}, {trial}, {seed}, {study}, {trial_dir} and {device} are
	// the trial's (see CommandPlaceholders).
	Argv []string
	// Workdir is where the program runs; "" means hpsearch's own directory.
	// A relative program path ("./train.sh") is relative to it.
	Workdir string
	// Env holds variables added to hpsearch's own environment.
	Env map[string]string
	// Timeout ends a trial that runs longer, as failed; 0 means no limit.
	// It counts the time the program may run: time spent paused through
	// OnStart's pause (parked at an early-stopping rung) does not count, so
	// a trial is never timed out for waiting on the others.
	Timeout time.Duration
	// Metric names the objective in the program's output; "" means
	// DefaultMetric (val_loss).
	Metric string
	// MetricStrategy picks the objective from the values printed: MetricLast
	// (the default, also for ""), MetricMin or MetricMax.
	MetricStrategy string
	// MetricRegex, when set, is the only way metrics are read: a line
	// matching it gives the objective in the group (?P<value>…), the step in
	// (?P<step>…), and other metrics in other named groups. When empty, a
	// line that is a JSON object gives its numeric values, and any other
	// line its name=value pairs.
	MetricRegex string
	// KillGrace is how long a program being stopped (cancelled, timed out,
	// diverged, pruned) has between SIGTERM and SIGKILL; 0 means 5 s.
	KillGrace time.Duration
	// OnMetric, when set, is told the trial's value each time the objective
	// is printed, in order, from one goroutine per run: the value printed,
	// or with MetricStrategy min or max the best printed so far. Returning
	// false stops the program and the trial is pruned. The program's output
	// waits for it, but the program itself keeps running until its stdout
	// pipe is full: an OnMetric that blocks for long (a trial parked at a
	// rung) should pause the program through OnStart.
	OnMetric func(step int, value float64) bool
	// OnStart, when set, is called once per run as soon as the program has
	// started, before any OnMetric, with functions that pause and continue
	// it. On Unix, pause stops the program's whole process group (SIGSTOP)
	// and resume continues it (SIGCONT); elsewhere the program keeps running
	// and only its Timeout is held. Both may be called from any goroutine,
	// pause while paused and resume while running do nothing, and once the
	// program ends or is being stopped neither does anything: stopping a
	// paused program continues it, so it acts on SIGTERM within KillGrace.
	OnStart func(pause, resume func())
	// Stop, when not nil, is closed when a person asks the trial to stop
	// (hpsearch stop, the dashboard): the program is stopped as a pruned
	// one is (SIGTERM, then SIGKILL after KillGrace; a batch job is
	// cancelled) and the trial keeps the value it printed so far, with
	// stop reason StopCommandUser.
	Stop <-chan struct{}
	// OnPoint, when set, is told each metric line as it is read, in order,
	// from one goroutine per run (a running trial's live curve). It must
	// not keep the point's Metrics map past the call.
	OnPoint func(p MetricPoint)
	// Launcher runs the program elsewhere: as a Slurm batch job (Slurm);
	// nil runs it here, as a child of hpsearch.
	Launcher Launcher
	// OnJob, when set, is told each batch job a Launcher submits for a
	// run, as soon as the scheduler gives its id, so that a run of
	// hpsearch that dies can find the job again (CommandRun.Job). An error
	// cancels the job and fails the trial: a job nobody can find again
	// must not run on.
	OnJob func(job string) error
	// OnJobClosed, when set, is told a job the launcher cancelled because
	// ctx ended (Ctrl-C): the trial has no result, and runs afresh later
	// rather than re-attach to a job hpsearch stopped itself.
	OnJobClosed func(job string)
}

// CommandParam is one parameter of a trial. Value is float64, int64 or
// string (see FormatParam for how each is written).
type CommandParam struct {
	Name  string
	Value any
}

// CommandRun is one trial of a Command.
type CommandRun struct {
	Study  string
	Trial  int
	Seed   uint64
	Params []CommandParam // in the config's order
	// Dir is the trial's directory (runs/<study>/trials/<n>), created when
	// missing; stdout, stderr and params.json are written there. A relative
	// Dir is made absolute, so {trial_dir} works from any Workdir.
	Dir string
	// Device is the device handed to this trial (CUDA_VISIBLE_DEVICES and
	// HPSEARCH_DEVICE), or "" when there is no device pool.
	Device string
	// Job is a batch job an earlier run of hpsearch submitted for this
	// trial and may still be running: a Launcher follows it, or collects
	// how it ended, rather than submit the trial again. "" for none.
	Job string
	// Owner names the study the trial belongs to, as one store holds it: a
	// trial directory a live run of another owner is using is that run's,
	// and the trial is refused rather than stop its program. "" for
	// unknown: any program left in Dir is stopped as a stray.
	Owner string
}

// CommandOutcome is how a command trial ended.
type CommandOutcome string

const (
	CommandOK        CommandOutcome = "ok"        // exited 0 after printing the metric
	CommandFailed    CommandOutcome = "failed"    // did not start, exited non-zero, crashed, timed out or printed no metric
	CommandDiverged  CommandOutcome = "diverged"  // the metric was NaN or infinite; the program was stopped then
	CommandPruned    CommandOutcome = "pruned"    // OnMetric stopped it
	CommandCancelled CommandOutcome = "cancelled" // the context ended first; not a result of the trial
)

// Stop reasons of command trials beyond "exit N" and "signal NAME".
const (
	StopNotStarted       = "not started"
	StopTimeout          = "timeout"
	StopNoMetric         = "no metric"
	StopCommandDiverged  = "diverged"
	StopCommandPruned    = "pruned"
	StopCommandCancelled = "cancelled"
	// StopCommandUser: a person stopped the trial (Command.Stop); it is ok
	// with the value it printed, or failed if it printed none.
	StopCommandUser = "user"
)

// StderrTailLines is how many of the last lines of stderr a result keeps.
const StderrTailLines = 20

// Files a command trial writes in its directory besides params.json.
const (
	StdoutFileName = "stdout"
	StderrFileName = "stderr"
)

// CommandResult is what one run of a command did.
type CommandResult struct {
	Outcome    CommandOutcome
	StopReason string        // "exit 0", "exit 3", "signal killed", "timeout", "no metric", "diverged", "pruned", "cancelled", "not started"
	Reason     string        // one line: why the outcome is not ok; "" when it is
	Value      float64       // the objective picked by MetricStrategy; NaN when none was printed
	ValueStep  int           // the step of the line Value was printed on (the best one for min and max); 0 when none
	History    []MetricPoint // every metric line (evenly thinned beyond 100,000)
	LastStep   int           // the step of the last metric line; 0 when none
	ExitCode   int           // -1 when killed by a signal or never started
	Signal     string        // the signal that ended the program, e.g. "killed"; "" if none
	Stderr     []string      // the last StderrTailLines lines of stderr; nil when hpsearch stopped the program (diverged, pruned)
	Argv       []string      // as run, after expansion
	Job        string        // the batch job that ran it (a Launcher's, the last one when retried); "" when it ran here
	Started    time.Time
	Duration   time.Duration
}

// defaultKillGrace is KillGrace's default: long enough for a training
// program to save a checkpoint on SIGTERM.
const defaultKillGrace = 5 * time.Second

// Run runs the program for one trial. The error is for what makes any run
// impossible — an unknown placeholder, a bad metric regex, a trial
// directory that cannot be written — never for what the program does;
// a program that cannot be started is a failed result.
func (c *Command) Run(ctx context.Context, r CommandRun) (CommandResult, error) {
	res := CommandResult{Value: math.NaN(), ExitCode: -1, Started: time.Now()}
	reader, err := newMetricReader(c)
	if err != nil {
		return res, err
	}
	if r.Dir == "" {
		return res, errors.New("command: the trial has no directory")
	}
	if r.Dir, err = filepath.Abs(r.Dir); err != nil {
		return res, fmt.Errorf("command: trial directory: %w", err)
	}
	if res.Argv, err = expandArgv(c.Argv, r); err != nil {
		return res, err
	}
	if ctx.Err() != nil {
		return c.finish(res, reader, ended{why: stopCancelled}), nil
	}
	if err := c.prepareDir(r); err != nil {
		return res, err
	}
	var e ended
	if c.Launcher != nil {
		e = c.Launcher.launch(ctx, c, r, res.Argv, reader)
	} else {
		e = c.execute(ctx, r, res.Argv, reader)
	}
	if e.fileErr != nil {
		return res, fmt.Errorf("command: keep the program's output: %w", e.fileErr)
	}
	return c.finish(res, reader, e), nil
}

// prepareDir makes the trial's directory before the program starts when
// its argv names it ({trial_dir}, {params_file}), and writes params.json
// when named. On a busy disk, creating files is most of what a trial costs
// beyond the program, so nothing is written that is not needed, and
// otherwise the directory and the stdout and stderr files are created
// while the program already runs.
func (c *Command) prepareDir(r CommandRun) error {
	if !c.dirFirst() {
		return nil
	}
	if err := makeDir(r.Dir); err != nil {
		return err
	}
	if names(c.Argv, PlaceholderParamsFile) {
		if err := writeParamsFile(r); err != nil {
			return fmt.Errorf("command: %w", err)
		}
	}
	return nil
}

// dirFirst reports whether the program may use the trial's directory.
func (c *Command) dirFirst() bool {
	return names(c.Argv, PlaceholderTrialDir) || names(c.Argv, PlaceholderParamsFile)
}

// makeDir makes a trial's directory; one that exists (a trial run again on
// resume) is used as it is, unless it is a symbolic link. 0777 is asked:
// directories follow the umask.
func makeDir(dir string) error {
	err := os.Mkdir(dir, 0o777)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return fmt.Errorf("command: trial directory: %w", err)
		}
	}
	if err := checkTrialDir(dir); err != nil {
		return fmt.Errorf("command: trial directory: %w", err)
	}
	return nil
}

// finish sets the outcome from why the program ended and what it printed.
func (c *Command) finish(res CommandResult, reader *metricReader, e ended) CommandResult {
	res.Duration = time.Since(res.Started)
	res.History = reader.history.result()
	res.LastStep = reader.lastStep
	res.Value, res.ValueStep = reader.value, reader.valueStep
	res.Stderr = e.stderr
	var exitErr *exec.ExitError
	switch {
	case !e.ran:
	case e.waitErr == nil:
		res.ExitCode = 0
	case errors.As(e.waitErr, &exitErr):
		res.ExitCode = exitErr.ExitCode()
		res.Signal = exitSignal(exitErr.ProcessState)
	}
	res.Job = e.job
	if e.sched != nil {
		res.ExitCode = e.sched.exit
	}
	res.Outcome, res.StopReason, res.Reason = c.outcome(res, reader, e)
	if res.Outcome == CommandDiverged || res.Outcome == CommandPruned || e.why == stopUser {
		// hpsearch stopped the program, and how much of its stderr arrived
		// before the signal is a race between two pipes and the kill: the
		// tail would make the same trial read differently run to run. The
		// reason says why it stopped; the stderr file keeps everything.
		res.Stderr = nil
	}
	return res
}

// outcome decides how the trial ended; the order says which cause wins when
// several apply (a program that printed NaN and then crashed diverged).
func (c *Command) outcome(res CommandResult, m *metricReader, e ended) (CommandOutcome, string, string) {
	switch {
	case e.why == stopCancelled:
		return CommandCancelled, StopCommandCancelled, "interrupted before the program finished"
	case e.startErr != nil:
		return CommandFailed, StopNotStarted, fmt.Sprintf("could not start %s: %v%s", res.Argv[0], e.startErr, startHint(e.startErr))
	case m.pruned:
		return CommandPruned, StopCommandPruned, fmt.Sprintf("stopped by early stopping at step %d", m.prunedStep)
	case m.bad:
		return CommandDiverged, StopCommandDiverged, fmt.Sprintf("%s was %v at step %d", m.name, m.badValue, m.badStep)
	case e.why == stopUser && m.n > 0:
		return CommandOK, StopCommandUser, ""
	case e.why == stopUser:
		return CommandFailed, StopCommandUser, fmt.Sprintf("stopped by the user before it printed %s", m.name)
	case e.why == stopTimeout:
		return CommandFailed, StopTimeout, fmt.Sprintf("timed out after %s", c.Timeout)
	case e.sched != nil && e.sched.reason != "":
		return CommandFailed, e.sched.stop, e.sched.reason
	case res.Signal != "":
		return CommandFailed, "signal " + res.Signal, "killed by signal: " + res.Signal
	case res.ExitCode != 0:
		return CommandFailed, "exit " + strconv.Itoa(res.ExitCode), fmt.Sprintf("exit status %d", res.ExitCode)
	case e.waitErr != nil:
		return CommandFailed, "failed", e.waitErr.Error()
	case m.n == 0:
		return CommandFailed, StopNoMetric, c.noMetricReason(m.name)
	}
	return CommandOK, "exit 0", ""
}

// startHint says what usually causes a start failure the system names
// only by its errno: a script without a "#!" line is not an executable
// the kernel knows.
func startHint(err error) string {
	if errors.Is(err, syscall.ENOEXEC) {
		return ` (a script needs a "#!" line, such as #!/bin/sh, as its first line)`
	}
	return ""
}

func (c *Command) noMetricReason(name string) string {
	if c.MetricRegex != "" {
		return fmt.Sprintf("no stdout line matched the metric regex %q", c.MetricRegex)
	}
	return fmt.Sprintf(`printed no %s metric: print lines such as {"step": 1, "%s": 0.5} or %s=0.5 on stdout`, name, name, name)
}
