package trainer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// slurmJobScript is the job script: the setup lines, then the program
// with the argv read from the file given as $1, never through a shell's
// parsing; its exit status goes to the file given as $2 (written whole,
// then renamed), so that a job's end is known after slurmctld has
// forgotten it on a cluster without accounting.
func slurmJobScript(setup []string) []byte {
	var b bytes.Buffer
	b.WriteString("#!/bin/bash\n# Written by hpsearch: one trial. The program's argv is read from the file\n# given as $1 (NUL-separated); no parameter value is ever parsed by a shell.\n")
	if len(setup) > 0 {
		b.WriteString("set -e\n# trainer.launcher.setup:\n")
		for _, line := range setup {
			b.WriteString(line)
			b.WriteByte('\n')
		}
		b.WriteString("set +e\n")
	}
	b.WriteString(`mapfile -d '' -t hpsearch_argv < "$1"
"${hpsearch_argv[@]}"
hpsearch_status=$?
printf '%d\n' "$hpsearch_status" > "$2.tmp" && mv -f "$2.tmp" "$2"
exit "$hpsearch_status"
`)
	return b.Bytes()
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

// submit writes the job script and the argv into the trial's directory
// and submits the job; it returns the job's id once OnJob has kept it.
func (sr *slurmRun) submit() (string, error) {
	s, r := sr.s, sr.r
	tag := "hpsearch:" + dirTag(r.Dir) + ":"
	if _, err := os.Lstat(filepath.Join(r.Dir, SlurmScriptFileName)); err == nil {
		// An earlier run submitted this trial and may have died before it
		// stored the job's id: a job of this directory still queued or
		// running is followed, not submitted again.
		if job, ok := s.findJob(tag, true); ok {
			return job, sr.record(job)
		}
	}
	var argv bytes.Buffer
	for _, a := range sr.argv {
		if strings.IndexByte(a, 0) >= 0 {
			return "", fmt.Errorf("argument %q holds a NUL byte, which no program can receive", a)
		}
		argv.WriteString(a)
		argv.WriteByte(0)
	}
	script, argvFile, exitFile := filepath.Join(r.Dir, SlurmScriptFileName), filepath.Join(r.Dir, SlurmArgvFileName), filepath.Join(r.Dir, SlurmExitFileName)
	for _, f := range []struct {
		path string
		data []byte
	}{{script, slurmJobScript(s.Setup)}, {argvFile, argv.Bytes()}, {sr.stdout, nil}, {filepath.Join(r.Dir, StderrFileName), nil}} {
		if err := writeTrialFile(f.path, f.data); err != nil {
			return "", err
		}
	}
	if err := os.Remove(exitFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("remove an earlier run's exit status: %w", err)
	}
	var tok [8]byte
	_, _ = rand.Read(tok[:]) // never fails
	comment := tag + hex.EncodeToString(tok[:])
	args := []string{"--parsable", "--job-name=" + JobName(r.Study, r.Trial), "--comment=" + comment,
		"--output=" + sr.stdout, "--error=" + filepath.Join(r.Dir, StderrFileName), "--open-mode=append",
		"--export=ALL", "--no-requeue"}
	args = append(args, s.options(sr.c.Workdir)...)
	args = append(args, script, argvFile, exitFile)
	// Not cancelled with the trial: an sbatch stopped half-way may have
	// submitted the job all the same, and then nobody would know its id.
	out, err := s.run(context.Background(), sr.c.environ(r), "sbatch", args...)
	var serr *SlurmError
	if errors.As(err, &serr) && serr.Timeout > 0 {
		// It may have submitted the job before it stopped answering: the
		// job's comment is this submission's alone.
		job, found := s.findJob(comment, false)
		if !found {
			return "", fmt.Errorf("%w; if it submitted the job anyway, squeue --name=%s shows it", err, JobName(r.Study, r.Trial))
		}
		out, err = job, nil
	}
	if err != nil {
		return "", fmt.Errorf("sbatch refused the job: %w", err)
	}
	job, _, _ := strings.Cut(strings.TrimSpace(out), ";") // "id;cluster" on a federation
	if _, convErr := strconv.ParseUint(job, 10, 64); convErr != nil {
		return "", fmt.Errorf("sbatch answered %q, not a job id", strings.TrimSpace(out))
	}
	return job, sr.record(job)
}

// record tells OnJob the trial's job; a job that cannot be recorded is
// cancelled, since nobody could find it again.
func (sr *slurmRun) record(job string) error {
	if sr.c.OnJob == nil {
		return nil
	}
	if err := sr.c.OnJob(job); err != nil {
		_, _ = sr.s.run(context.Background(), nil, "scancel", job)
		return fmt.Errorf("Slurm job %s could not be recorded, so it was cancelled: %w", job, err)
	}
	return nil
}

// dirTag names a trial's directory in its jobs' comments (a hash: the
// path may hold anything), so that a job submitted for it is found again
// even when its id was never stored.
func dirTag(dir string) string {
	h := sha256.Sum256([]byte(dir))
	return hex.EncodeToString(h[:8])
}

// findJob finds the newest job squeue lists whose comment is comment, or
// with prefix starts with it, if squeue answers.
func (s *Slurm) findJob(comment string, prefix bool) (string, bool) {
	out, err := s.run(context.Background(), nil, "squeue", "--noheader", "--format=%i %k",
		"--states=PENDING,CONFIGURING,RUNNING,COMPLETING,SUSPENDED")
	if err != nil {
		return "", false
	}
	best, newest := "", uint64(0)
	for line := range strings.Lines(out) {
		id, k, _ := strings.Cut(strings.TrimSpace(line), " ")
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil || !(k == comment || prefix && strings.HasPrefix(k, comment)) {
			continue
		}
		if best == "" || n > newest {
			best, newest = id, n
		}
	}
	return best, best != ""
}

// follow reads the job's output as it grows and waits for its end, or
// cancels it when the trial must stop; it returns how the job ended.
func (sr *slurmRun) follow(ctx context.Context, job string) ended {
	e := ended{job: job}
	var (
		s           = sr.s
		stateWait   = firstStatePoll
		nextState   = time.Now() // ask at once: the job may have ended long ago (resume)
		lastState   string
		running     time.Time // when the job was first seen running
		unreachable time.Time // since when Slurm has not answered; zero while it does
		exited      bool      // the job script wrote the program's exit status
		ticker      = time.NewTicker(outputPoll)
	)
	defer ticker.Stop()
	for {
		if err := sr.readOutput(); err != nil {
			e.fileErr = err
		}
		if running.IsZero() && sr.out > 0 {
			running = time.Now() // it prints: it runs, whatever the last look at its state said
		}
		switch {
		case ctx.Err() != nil:
			e.why = stopCancelled
		case sr.stopReq:
			e.why = stopMetric
		case sr.c.stopAsked():
			e.why = stopUser
		case sr.c.Timeout > 0 && !running.IsZero() && time.Since(running) > sr.c.Timeout:
			e.why = stopTimeout
		}
		if e.why != stopNone {
			_, _ = s.run(context.Background(), nil, "scancel", job)
			return sr.ended(sr.waitCancelled(job), e)
		}
		if !exited && sr.exited() {
			// The program has ended: so does its job, in a moment. Its
			// state is asked at once, and then often until it has.
			exited, nextState = true, time.Now()
		}
		if !time.Now().Before(nextState) {
			st, err := sr.state(job)
			switch {
			case err != nil:
				// slurmctld busy or restarting: the job runs on regardless,
				// but not forever unwatched.
				if unreachable.IsZero() {
					unreachable = time.Now()
				}
				if time.Since(unreachable) > slurmUnreachable {
					e.sched = &schedEnd{exit: -1, stop: "slurm unreachable",
						reason: fmt.Sprintf("Slurm job %s: Slurm did not answer for %s: %v", job, slurmUnreachable, err)}
					return e
				}
			case st.terminal():
				_ = sr.readOutput() // what it printed last
				return sr.ended(st, e)
			default:
				unreachable = time.Time{}
				if st.State == "RUNNING" && running.IsZero() {
					running = time.Now()
				}
			}
			if st.State != lastState || exited {
				stateWait, lastState = firstStatePoll, st.State
			} else {
				stateWait = min(2*stateWait, s.poll())
			}
			nextState = time.Now().Add(stateWait)
		}
		select {
		case <-ticker.C:
		case <-ctx.Done():
		}
	}
}

// slurmUnreachable is how long a job is followed while Slurm does not
// answer before its trial fails.
const slurmUnreachable = 10 * time.Minute

// exited reports whether the job script wrote the program's exit status.
func (sr *slurmRun) exited() bool {
	_, err := os.Stat(filepath.Join(sr.r.Dir, SlurmExitFileName))
	return err == nil
}

// state is the job's state from Slurm, or, once Slurm no longer knows the
// job, from the exit status its job script wrote; State "" when neither
// knows it: the job vanished.
func (sr *slurmRun) state(job string) (jobState, error) {
	st, err := sr.s.state(job)
	if err != nil || st.State != "" {
		return st, err
	}
	b, rerr := os.ReadFile(filepath.Join(sr.r.Dir, SlurmExitFileName))
	if rerr != nil {
		return st, nil
	}
	status, cerr := strconv.Atoi(strings.TrimSpace(string(b)))
	switch {
	case cerr != nil:
		return st, nil
	case status == 0:
		return jobState{State: "COMPLETED", Exit: "0:0", Source: "exit file"}, nil
	}
	return jobState{State: "FAILED", Exit: strconv.Itoa(status) + ":0", Source: "exit file"}, nil
}

// waitCancelled waits (bounded) for a cancelled job to end, and returns
// its last state.
func (sr *slurmRun) waitCancelled(job string) jobState {
	deadline := time.Now().Add(cancelWait)
	for {
		st, err := sr.state(job)
		if (err == nil && st.terminal()) || time.Now().After(deadline) {
			_ = sr.readOutput()
			return st
		}
		time.Sleep(firstStatePoll)
	}
}

// ended completes e from the job's final state.
func (sr *slurmRun) ended(st jobState, e ended) ended {
	e.stderr = tailOfFile(filepath.Join(sr.r.Dir, StderrFileName), StderrTailLines)
	if e.why == stopCancelled && sr.c.OnJobClosed != nil {
		sr.c.OnJobClosed(e.job)
	}
	if e.why != stopNone {
		return e // hpsearch stopped it: the outcome is why, its exit status unknown
	}
	e.ran = true
	e.sched = st.end(e.job, sr.s)
	return e
}

// readOutput hands the lines the job printed since the last read to the
// metric reader.
func (sr *slurmRun) readOutput() error {
	f, err := os.Open(sr.stdout)
	if errors.Is(err, os.ErrNotExist) {
		return nil // not yet written by the job
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(sr.out, io.SeekStart); err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		sr.out += int64(n)
		sr.feed(buf[:n])
		if err == io.EOF || n == 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// feed splits output into lines for the reader; a last line without its
// newline waits for the rest.
func (sr *slurmRun) feed(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			sr.partial = append(sr.partial, b...)
			if len(sr.partial) > 1<<20 {
				sr.partial = sr.partial[:0] // an overlong line is no metric line
			}
			return
		}
		line := b[:i+1]
		if len(sr.partial) > 0 {
			line = append(sr.partial, line...)
			sr.partial = sr.partial[:0]
		}
		b = b[i+1:]
		sr.delivered++
		if sr.delivered <= sr.skip {
			continue // read already, from the job this one replaces
		}
		if sr.reader.line(line) {
			sr.stopReq = true
		}
	}
}

// tailOfFile is the last n lines of a file (its last tailWindow bytes).
func tailOfFile(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var t tailBuffer
	if fi, err := f.Stat(); err == nil && fi.Size() > tailWindow {
		f.Seek(fi.Size()-tailWindow, io.SeekStart)
		t.dropped = true
	}
	io.Copy(&t, f)
	return t.lines(n)
}

// jobState is what Slurm says of a job.
type jobState struct {
	State  string // JobState: PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, …; "" when Slurm no longer knows the job
	Exit   string // ExitCode "status:signal"; "" when unknown
	Reason string // Slurm's reason, e.g. NonZeroExitCode
	Source string // where the end was read: scontrol, sacct or the exit file
}

// terminal reports whether the job has ended (or vanished).
func (st jobState) terminal() bool {
	switch st.State {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD":
		return false
	}
	return true
}

var (
	scontrolField = regexp.MustCompile(`(?:^|\s)(JobState|ExitCode|Reason)=(\S*)`)
	invalidJob    = "Invalid job id specified"
)

// state asks Slurm for the job's state: scontrol show job while slurmctld
// remembers the job (MinJobAge, 300 s by default, after its end); then
// sacct where the cluster keeps accounting; then the exit status the job
// script wrote. A job known to none of them has vanished: State "".
func (s *Slurm) state(job string) (jobState, error) {
	out, err := s.run(context.Background(), nil, "scontrol", "show", "job", "--oneliner", job)
	var serr *SlurmError
	switch {
	case err == nil:
		st := jobState{Source: "scontrol"}
		for _, m := range scontrolField.FindAllStringSubmatch(out, -1) {
			switch m[1] {
			case "JobState":
				st.State = m[2]
			case "ExitCode":
				st.Exit = m[2]
			case "Reason":
				st.Reason = m[2]
			}
		}
		if st.State == "" {
			return st, fmt.Errorf("scontrol show job %s printed no JobState: %q", job, strings.TrimSpace(out))
		}
		return st, nil
	case errors.As(err, &serr) && serr.Timeout == 0 && strings.Contains(serr.Output, invalidJob):
		return s.forgotten(job)
	}
	return jobState{}, err
}

// forgotten finds the end of a job slurmctld no longer knows.
func (s *Slurm) forgotten(job string) (jobState, error) {
	if out, err := s.run(context.Background(), nil, "sacct", "--noheader", "--parsable2", "--allocations", "--format=State,ExitCode", "--jobs="+job); err == nil {
		if line, _, _ := strings.Cut(strings.TrimSpace(out), "\n"); line != "" {
			state, exit, _ := strings.Cut(line, "|")
			state, _, _ = strings.Cut(state, " ") // "CANCELLED by 0"
			return jobState{State: state, Exit: exit, Source: "sacct"}, nil
		}
	}
	return jobState{}, nil
}

// end is the trial's view of a job's end.
func (st jobState) end(job string, s *Slurm) *schedEnd {
	status, signal := -1, 0
	if a, b, ok := strings.Cut(st.Exit, ":"); ok {
		status, _ = strconv.Atoi(a)
		signal, _ = strconv.Atoi(b)
	}
	what := "Slurm job " + job
	switch st.State {
	case "COMPLETED":
		return &schedEnd{exit: 0, stop: "exit 0"}
	case "FAILED":
		if signal != 0 {
			return &schedEnd{exit: -1, stop: "signal " + strconv.Itoa(signal), reason: fmt.Sprintf("killed by signal %d (%s FAILED)", signal, what)}
		}
		return &schedEnd{exit: status, stop: "exit " + strconv.Itoa(status), reason: fmt.Sprintf("exit status %d (%s FAILED)", status, what)}
	case "TIMEOUT":
		limit := ""
		if s.Time != "" {
			limit = ", trainer.launcher.time " + s.Time
		}
		return &schedEnd{exit: -1, stop: "slurm TIMEOUT", reason: fmt.Sprintf("%s reached its time limit (TIMEOUT%s)", what, limit)}
	case "OUT_OF_MEMORY":
		return &schedEnd{exit: -1, stop: "slurm OUT_OF_MEMORY", reason: fmt.Sprintf("%s ran out of memory (OUT_OF_MEMORY): ask for more with trainer.launcher.mem", what)}
	case "NODE_FAIL":
		return &schedEnd{exit: -1, stop: "slurm NODE_FAIL", reason: fmt.Sprintf("%s: its node failed (NODE_FAIL)", what)}
	case "PREEMPTED":
		return &schedEnd{exit: -1, stop: "slurm PREEMPTED", reason: fmt.Sprintf("%s was preempted by a job of higher priority (PREEMPTED)", what)}
	case "CANCELLED":
		return &schedEnd{exit: -1, stop: "slurm CANCELLED", reason: fmt.Sprintf("%s was cancelled outside hpsearch (CANCELLED: scancel, or an administrator)", what)}
	case "BOOT_FAIL":
		return &schedEnd{exit: -1, stop: "slurm BOOT_FAIL", reason: fmt.Sprintf("%s: its node failed to boot (BOOT_FAIL)", what)}
	case "DEADLINE":
		return &schedEnd{exit: -1, stop: "slurm DEADLINE", reason: fmt.Sprintf("%s reached its deadline (DEADLINE)", what)}
	case "":
		return &schedEnd{exit: -1, stop: "slurm vanished", reason: fmt.Sprintf("%s vanished: Slurm no longer knows it (no accounting) and it left no exit status", what)}
	}
	return &schedEnd{exit: status, stop: "slurm " + st.State, reason: fmt.Sprintf("%s ended %s", what, st.State)}
}
