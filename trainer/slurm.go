package trainer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Slurm is the Launcher that runs each trial as one batch job of a Slurm
// cluster: sbatch submits a job script that runs the setup lines, then the
// trial's argv, read from a file in the trial's directory (never parsed
// by a shell); the job's stdout and stderr are the trial's files, which
// hpsearch reads as they grow, so early stopping works; pruned,
// diverged, timed-out and interrupted trials are cancelled with scancel;
// and the job's end is read from Slurm (scontrol show job, or sacct once
// slurmctld has forgotten the job, or the exit file the job script
// writes) and becomes the trial's outcome with its reason.
//
// Its fields are sbatch's options (see configs.Launcher); "" and 0 leave
// an option to the cluster's defaults.
type Slurm struct {
	Partition   string
	Time        string
	Gres        string
	CPUsPerTask int
	Mem         string
	Account     string
	SbatchArgs  []string
	Setup       []string // lines the job script runs (bash, set -e) before the program
	// Retries is how many times a trial whose job ended with NODE_FAIL or
	// PREEMPTED (the cluster's fault, not the program's) is submitted
	// again, with the same argv and seed.
	Retries int
	// CommandTimeout bounds each call of sbatch, scontrol, squeue and
	// scancel, so that a slurmctld that does not answer fails the trial
	// rather than hang the sweep; 0 means 30 s.
	CommandTimeout time.Duration
	// Poll is the longest wait between two looks at a job's state while
	// nothing changes; 0 means 5 s. Output is read every outputPoll.
	Poll time.Duration
}

// Files the Slurm launcher writes in a trial's directory besides stdout,
// stderr and params.json.
const (
	SlurmScriptFileName = "job.sh" // the job script: setup lines, then the argv from SlurmArgvFileName
	SlurmArgvFileName   = "argv"   // the trial's argv, NUL-separated
	SlurmExitFileName   = "exit"   // the program's exit status, written by the job script when it ends
)

const (
	defaultSlurmCommandTimeout = 30 * time.Second
	defaultSlurmPoll           = 5 * time.Second
	// outputPoll is how often a job's stdout file is read: metrics reach
	// early stopping this late at most.
	outputPoll = 100 * time.Millisecond
	// firstStatePoll is the first wait before a job's state is asked
	// again; it doubles up to Poll while the state does not change.
	firstStatePoll = 250 * time.Millisecond
	// cancelWait bounds how long a cancelled job is waited for to end.
	cancelWait = 30 * time.Second
)

// JobName is the Slurm job name of a study's trial, as squeue shows it.
func JobName(study string, trial int) string {
	return "hpsearch-" + study + "-" + strconv.Itoa(trial)
}

func (s *Slurm) commandTimeout() time.Duration {
	if s.CommandTimeout > 0 {
		return s.CommandTimeout
	}
	return defaultSlurmCommandTimeout
}

func (s *Slurm) poll() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	return defaultSlurmPoll
}

// SlurmError is a Slurm command that failed: its name, what it printed,
// and whether it did not answer in time.
type SlurmError struct {
	Command string // sbatch, scontrol, …
	Output  string // its stderr (or stdout), trimmed
	Timeout time.Duration
	Err     error
}

func (e *SlurmError) Error() string {
	if e.Timeout > 0 {
		return fmt.Sprintf("%s did not answer within %s (is slurmctld up? scontrol ping tells)", e.Command, e.Timeout)
	}
	if e.Output != "" {
		out := strings.Join(strings.Fields(strings.ReplaceAll(e.Output, "\n", " \x00 ")), " ")
		out = strings.ReplaceAll(out, " \x00 ", "; ")
		if strings.HasPrefix(out, e.Command+": ") {
			return out // sbatch: error: …
		}
		return e.Command + ": " + out
	}
	return fmt.Sprintf("%s: %v", e.Command, e.Err)
}

func (e *SlurmError) Unwrap() error { return e.Err }

// run runs one Slurm command, bounded by CommandTimeout, with env as its
// environment (nil: hpsearch's own), and returns its stdout.
func (s *Slurm) run(ctx context.Context, env []string, name string, args ...string) (string, error) {
	timeout := s.commandTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return stdout.String(), nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("%s is not in PATH: run hpsearch on a Slurm login node: %w", name, err)
	}
	serr := &SlurmError{Command: name, Output: strings.TrimSpace(stderr.String()), Err: err}
	if serr.Output == "" {
		serr.Output = strings.TrimSpace(stdout.String())
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		serr.Timeout = timeout
	}
	return stdout.String(), serr
}

// CheckSlurm asks sbatch whether the cluster would take a job with these
// options (sbatch --test-only: nothing is submitted), so that a partition
// that does not exist or a gres the cluster refuses is one clear message
// before any trial runs rather than every trial failing.
func (s *Slurm) CheckSlurm(ctx context.Context, workdir string) error {
	if _, err := exec.LookPath("sbatch"); err != nil {
		return errors.New("sbatch is not in PATH: run hpsearch on a Slurm login node")
	}
	args := append([]string{"--test-only", "--job-name=hpsearch-check", "--output=/dev/null"}, s.options(workdir)...)
	args = append(args, "--wrap=true")
	if _, err := s.run(ctx, nil, "sbatch", args...); err != nil {
		return fmt.Errorf("the cluster refuses trainer.launcher's job: %w", err)
	}
	return nil
}

// options are the sbatch options from the launcher's settings.
func (s *Slurm) options(workdir string) []string {
	var o []string
	add := func(name, v string) {
		if v != "" {
			o = append(o, name+"="+v)
		}
	}
	add("--partition", s.Partition)
	add("--time", s.Time)
	add("--gres", s.Gres)
	if s.CPUsPerTask > 0 {
		add("--cpus-per-task", strconv.Itoa(s.CPUsPerTask))
	}
	add("--mem", s.Mem)
	add("--account", s.Account)
	add("--chdir", workdir)
	return append(o, s.SbatchArgs...)
}

// slurmRun is one trial's life on the cluster: its jobs, one after the
// other when the cluster failed one, and what was read of its output.
type slurmRun struct {
	s      *Slurm
	c      *Command
	r      CommandRun
	argv   []string
	reader *metricReader
	stdout string
	// out is the stdout file's read position, and delivered the complete
	// lines handed to the reader; a job submitted again prints its lines
	// again (same argv and seed) and skip passes over those already read.
	out       int64
	partial   []byte
	delivered int
	skip      int
	stopReq   bool // the reader asked to stop: pruned or diverged
}

// launch runs the trial as batch jobs until one ends in a way that is
// the trial's, not the cluster's.
func (s *Slurm) launch(ctx context.Context, c *Command, r CommandRun, argv []string, reader *metricReader) (e ended) {
	if err := makeDir(r.Dir); err != nil {
		e.fileErr = err
		return e
	}
	sr := &slurmRun{s: s, c: c, r: r, argv: argv, reader: reader, stdout: filepath.Join(r.Dir, StdoutFileName)}
	job := r.Job
	for attempt := 0; ; attempt++ {
		if job == "" {
			var err error
			if job, err = sr.submit(); err != nil {
				e.startErr, e.stderr = err, []string{err.Error()}
				return e
			}
		}
		e = sr.follow(ctx, job)
		if e.sched == nil || !retried(e.sched.stop) || attempt >= s.Retries || e.why != stopNone {
			if e.sched != nil && retried(e.sched.stop) && attempt > 0 {
				e.sched.reason += fmt.Sprintf(", after %d attempts", attempt+1)
			}
			return e
		}
		// The cluster's fault: the same trial, the same seed, again.
		sr.skip, sr.delivered, sr.out, sr.partial = sr.delivered, 0, 0, nil
		job = ""
	}
}

// retried reports whether a job that ended so is submitted again.
func retried(stop string) bool { return stop == "slurm NODE_FAIL" || stop == "slurm PREEMPTED" }
