package trainer

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hpsearch/hpsearch/internal/dirlock"
	"github.com/hpsearch/hpsearch/internal/regular"
)

// drainTimeout bounds how long output is still read once the process group
// is gone: only a process that left the group (setsid) can hold it open.
const drainTimeout = time.Second

// ended is how a program's run ended.
type ended struct {
	ran      bool // the program was started
	why      stopCause
	waitErr  error     // from Wait: nil for exit status 0
	startErr error     // why the program could not be started
	fileErr  error     // its stdout or stderr file could not be written
	stderr   []string  // the last lines of stderr
	job      string    // the batch job that ran it (a Launcher's); "" when it ran here
	sched    *schedEnd // how its batch job ended, when a Launcher ran it
}

// stopCause is why hpsearch stopped a program; stopNone when it ended by
// itself.
type stopCause int

const (
	stopNone stopCause = iota
	stopCancelled
	stopTimeout
	stopMetric // the metric reader asked: diverged or pruned
	stopUser   // a person asked (Command.Stop)
)

// execute starts the program and waits for it to end or be stopped, then
// clears its process group and reads its output to the end.
func (c *Command) execute(ctx context.Context, r CommandRun, argv []string, reader *metricReader) (e ended) {
	// A program an earlier run of this trial left running (hpsearch was
	// killed, and the program outlived it) would write the same files and
	// hold the same device: it is stopped before the trial runs again.
	// A trial that never started has no stderr of its own: the reason says
	// why, once (the stderr file keeps the note for whoever looks there).
	token, claimErr, markErr := claimDir(r)
	if claimErr != nil {
		e.startErr = claimErr
		return e
	}
	if markErr != nil {
		e.fileErr = markErr
		return e
	}
	cmd, stdout, stderr, err := c.start(r, argv, token)
	if err != nil {
		_ = unmarkRun(r.Dir, token) // nothing ran; the note below is what matters
		note := fmt.Sprintf("hpsearch: could not start %s: %v\n", argv[0], err)
		if e.fileErr = makeDir(r.Dir); e.fileErr == nil {
			e.fileErr = writeTrialFile(filepath.Join(r.Dir, StderrFileName), []byte(note))
		}
		e.startErr = err
		return e
	}
	defer stdout.Close()
	defer stderr.Close()
	e.ran = true
	rc := newRunControl(cmd.Process, c.Timeout)
	if c.OnStart != nil {
		c.OnStart(rc.pause, rc.resume)
	}

	// The directory is made by whichever output is first to need it.
	dir := sync.OnceValue(func() error { return makeDir(r.Dir) })
	stopReq := make(chan struct{}, 1)
	var stdoutErr, stderrErr error
	outDone := keep(stdout, dir, filepath.Join(r.Dir, StdoutFileName), &stdoutErr, func(dst io.Writer, src io.Reader) {
		copyLines(src, dst, func(line []byte) {
			if reader.line(line) {
				select {
				case stopReq <- struct{}{}:
				default:
				}
			}
		})
	})
	var tail tailBuffer
	errDone := keep(stderr, dir, filepath.Join(r.Dir, StderrFileName), &stderrErr, func(dst io.Writer, src io.Reader) {
		io.Copy(io.MultiWriter(dst, &tail), src)
	})

	e.why, e.waitErr = c.await(ctx, cmd, rc, stopReq)
	// Whatever the program left running in its group ends with it: a trial
	// leaves no orphans. Pids are handed out cyclically, so the leader's id
	// is not reused in the moment since it was reaped.
	signalGroup(cmd.Process, true)
	releaseGroup(cmd.Process.Pid)
	deadline := time.Now().Add(drainTimeout)
	stdout.SetReadDeadline(deadline)
	stderr.SetReadDeadline(deadline)
	<-outDone
	<-errDone
	e.fileErr = errors.Join(stdoutErr, stderrErr, unmarkRun(r.Dir, token))
	e.stderr = tail.lines(StderrTailLines)
	return e
}

// start starts the program in a process group of its own, its stdout and
// stderr into pipes, which it returns.
func (c *Command) start(r CommandRun, argv []string, token string) (cmd *exec.Cmd, stdout, stderr *os.File, err error) {
	or, ow, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("stdout pipe: %w", err)
	}
	er, ew, err := os.Pipe()
	if err != nil {
		or.Close()
		ow.Close()
		return nil, nil, nil, fmt.Errorf("stderr pipe: %w", err)
	}
	cmd = exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = c.Workdir, c.environ(r)
	if token != "" {
		cmd.Env = append(cmd.Env, trialRunVar+"="+token)
	}
	// An *os.File is handed to the child as it is, with no copying
	// goroutine of exec's own: the pipes are read below.
	cmd.Stdout, cmd.Stderr = ow, ew
	ownGroup(cmd)
	readyGroupKeeper()
	err = startProgram(cmd)
	// The child holds its own copies; EOF comes when the group is gone.
	ow.Close()
	ew.Close()
	if err != nil {
		or.Close()
		er.Close()
		return nil, nil, nil, err
	}
	return cmd, or, er, nil
}

// ProcessFileName is the file in a trial's directory that says, while its
// program runs, where, which and whose: "HOST TOKEN PID START OWNER", the
// token being the program's HPSEARCH_TRIAL_RUN, random for every run of a
// trial; PID and START the hpsearch process that started the program and
// when it started (a pid handed out again is not taken for it); OWNER the
// run's CommandRun.Owner ("-" for none). It is written before the program
// starts, so that it is there however soon hpsearch dies; a run that
// resumes the trial (or a worker that takes it over) finds it then, and
// stops what still runs with that token before the trial runs again
// (stopStrayRun). Only written where strays can be stopped.
const ProcessFileName = "process"

// trialRunVar carries the token of ProcessFileName to the program and
// everything it starts.
const trialRunVar = "HPSEARCH_TRIAL_RUN"

// thisHost names this machine in process files.
var thisHost = sync.OnceValue(func() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
})

// thisStart is when this process started, as processStart tells it.
var thisStart = sync.OnceValue(func() uint64 {
	start, _ := processStart(os.Getpid())
	return start
})

// claimDir stops what an earlier run of r's trial left running
// (stopStrayRun) and writes the trial's process file (markRun), holding
// the trial directory's lock from before the one to after the other: two
// runs of one trial number with their own stores (one output.dir) that
// start in the same instant would otherwise both read no file and both
// run. The lock is an advisory flock on the directory itself (no file of
// its own in the user's trial directory), released when the file is
// written or when the process dies; where the file system refuses it, the
// check and the mark go on without it, as before the lock.
func claimDir(r CommandRun) (token string, claimErr, markErr error) {
	if canStopStrays && thisHost() != "" {
		if err := makeDir(r.Dir); err != nil {
			return "", nil, err
		}
		if unlock, ok := dirlock.Lock(r.Dir); ok {
			defer unlock()
		}
	}
	if err := stopStrayRun(r); err != nil {
		return "", err, nil
	}
	token, err := markRun(r.Dir, r.Owner)
	return token, nil, err
}

// markRun writes the trial's process file with a fresh token, which it
// returns; "" (and nothing written) where strays cannot be stopped.
func markRun(trialDir, owner string) (string, error) {
	if !canStopStrays || thisHost() == "" {
		return "", nil
	}
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	token := hex.EncodeToString(b[:])
	if err := makeDir(trialDir); err != nil {
		return "", err
	}
	line := fmt.Sprintf("%s %s %d %d %s\n", thisHost(), token, os.Getpid(), thisStart(), ownerField(owner))
	if err := writeTrialFile(filepath.Join(trialDir, ProcessFileName), []byte(line)); err != nil {
		return "", fmt.Errorf("command: %w", err)
	}
	return token, nil
}

// ownerField is owner as the process file holds it: one field ("-" for
// none), so an owner given with blanks through the Go API still reads back
// as itself.
func ownerField(owner string) string {
	if f := strings.Fields(owner); len(f) > 0 {
		return strings.Join(f, "_")
	}
	return "-"
}

// unmarkRun removes the process file once nothing of the run is left.
func unmarkRun(trialDir, token string) error {
	if token == "" {
		return nil
	}
	if err := os.Remove(filepath.Join(trialDir, ProcessFileName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("command: %w", err)
	}
	return nil
}

// TrialDirBusyError refuses a trial whose directory a live program of
// another owner uses: a study with the same name in another store (two
// runs with their own --storage and one output.dir), or another eval of
// the trial, started by an hpsearch process that still runs.
type TrialDirBusyError struct {
	Trial int
	Dir   string
	PID   int // the hpsearch process that runs it
}

func (e *TrialDirBusyError) Error() string {
	return fmt.Sprintf("command: trial %d: its directory %s is in use by a program that another hpsearch process (%d) runs for a study of the same name (another --storage, or another eval); give each run an output.dir of its own", e.Trial, e.Dir, e.PID)
}

// stopStrayRun stops what an earlier run of r's trial left running on
// this machine, as its process file names it. A file from another machine,
// or whose run has ended, is left to be overwritten.
//
// A program of another owner is stopped only once the hpsearch that
// started it is gone: while it lives, the directory is that run's trial,
// not a stray, and r is refused (TrialDirBusyError), whether or not its
// program is to be seen yet: the file is written before the program
// starts, and a check for the program ran r beside it in that moment. (The
// other run ends its trial by removing the file.) The same owner's is
// stopped whoever started it: a run resumed after a kill, or a worker that
// took over a trial whose lease the other lost. Two runs that would read
// no file and write theirs in the same instant are kept apart by the
// directory's lock (claimDir).
func stopStrayRun(r CommandRun) error {
	if !canStopStrays || thisHost() == "" {
		return nil
	}
	b, err := regular.ReadSmall(filepath.Join(r.Dir, ProcessFileName), 4096)
	if err != nil {
		return nil // none, unreadable or not a file: nothing known to stop
	}
	f := strings.Fields(string(b))
	if len(f) < 2 || f[0] != thisHost() {
		return nil
	}
	token := f[1]
	if owner := ownerField(r.Owner); len(f) >= 5 && owner != "-" && f[4] != "-" && f[4] != owner {
		pid, perr := strconv.Atoi(f[2])
		start, serr := strconv.ParseUint(f[3], 10, 64)
		if now, alive := processStart(pid); perr == nil && serr == nil && alive && now == start {
			return &TrialDirBusyError{Trial: r.Trial, Dir: r.Dir, PID: pid}
		}
	}
	if _, err := stopStray(token); err != nil {
		return fmt.Errorf("command: an earlier run of trial %d is still running and could not be stopped: %w", r.Trial, err)
	}
	return nil
}

// keep creates the file at path (and its directory, with dir) while the
// program already runs, and copies src into it with copyFn. When the file
// cannot be created, the output is still read (a program must never block
// on a full pipe) and the error is left in fileErr. The channel is closed
// when src is read to its end.
func keep(src *os.File, dir func() error, path string, fileErr *error, copyFn func(dst io.Writer, src io.Reader)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := createIn(dir, path)
		if err != nil {
			*fileErr = err
			copyFn(io.Discard, src)
			return
		}
		copyFn(f, src)
		if err := f.Close(); err != nil {
			*fileErr = err
		}
	}()
	return done
}

func createIn(dir func() error, path string) (*os.File, error) {
	if err := dir(); err != nil {
		return nil, err
	}
	return createTrialFile(path)
}

// await waits for the program to exit, or stops it when ctx ends, the
// timeout passes or the reader asks; it returns why it stopped it
// (stopNone if it did not) and the program's wait error.
func (c *Command) await(ctx context.Context, cmd *exec.Cmd, rc *runControl, stopReq <-chan struct{}) (stopCause, error) {
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var why stopCause
	select {
	case err := <-exited:
		rc.end(false)
		return stopNone, err
	case <-ctx.Done():
		why = stopCancelled
	case <-rc.timedOut:
		why = stopTimeout
	case <-stopReq:
		why = stopMetric
	case <-c.Stop:
		why = stopUser
	}
	return why, c.stop(rc, exited)
}

// stop ends a running program's whole process group: SIGTERM, then
// SIGKILL after the grace period. It returns the program's wait error.
func (c *Command) stop(rc *runControl, exited <-chan error) error {
	grace := c.KillGrace
	if grace <= 0 {
		grace = defaultKillGrace
	}
	rc.end(true)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-exited:
		return err
	case <-t.C:
	}
	signalGroup(rc.proc, true)
	return <-exited
}

// runControl pauses and continues a running program for OnStart, and keeps
// its time limit, which counts only while the program is not paused.
type runControl struct {
	proc     *os.Process
	timedOut chan struct{} // closed when the time limit is used up; nil without one

	mu     sync.Mutex
	timer  *time.Timer   // closes timedOut; nil without a time limit
	left   time.Duration // of the time limit, as of since
	since  time.Time     // when the program last went on
	paused bool
	over   bool // the program has ended or is being stopped
}

func newRunControl(p *os.Process, timeout time.Duration) *runControl {
	rc := &runControl{proc: p}
	if timeout > 0 {
		rc.timedOut = make(chan struct{})
		rc.left, rc.since = timeout, time.Now()
		rc.timer = time.AfterFunc(timeout, func() { close(rc.timedOut) })
	}
	return rc
}

// pause stops the program's process group and holds its time limit.
func (rc *runControl) pause() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.paused || rc.over {
		return
	}
	if rc.timer != nil {
		if !rc.timer.Stop() {
			return // the time is up: the program is about to be stopped
		}
		rc.left -= time.Since(rc.since)
	}
	rc.paused = true
	pauseGroup(rc.proc)
}

// resume continues a paused program and its time limit.
func (rc *runControl) resume() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.paused || rc.over {
		return
	}
	rc.paused = false
	continueGroup(rc.proc)
	if rc.timer != nil {
		rc.since = time.Now()
		rc.timer.Reset(max(rc.left, 0))
	}
}

// end makes pause and resume do nothing from now on: the program has
// exited, or (stopping) is to be stopped, which sends its group SIGTERM.
// A stopped process acts on SIGTERM only once continued, so the group is
// continued right after: a program paused at a rung ends within the grace
// period like any other, having computed nothing more in between.
func (rc *runControl) end(stopping bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.over, rc.paused = true, false
	if rc.timer != nil {
		rc.timer.Stop()
	}
	if stopping {
		signalGroup(rc.proc, false)
		continueGroup(rc.proc)
	}
}

// copyLines copies src to dst and hands each complete line to fn. Output is
// flushed to dst whenever the program pauses, so a running trial's stdout
// file can be followed with tail -f.
func copyLines(src io.Reader, dst io.Writer, fn func(line []byte)) {
	br := bufio.NewReaderSize(src, 64<<10)
	bw := bufio.NewWriterSize(dst, 64<<10)
	defer bw.Flush()
	overlong := false // inside a line longer than the buffer: not a metric line
	for {
		line, err := br.ReadSlice('\n')
		bw.Write(line)
		switch {
		case err == nil:
			if !overlong {
				fn(line)
			}
			overlong = false
		case errors.Is(err, bufio.ErrBufferFull):
			overlong = true
		default: // EOF, or the drain deadline: a last line without newline still counts
			if len(line) > 0 && !overlong {
				fn(line)
			}
			return
		}
		if br.Buffered() == 0 {
			bw.Flush()
		}
	}
}

// tailWindow is how much of the end of stderr is kept: enough for the lines
// that say why a program failed, however much it printed before.
const tailWindow = 64 << 10

// tailBuffer keeps the last tailWindow bytes written to it.
type tailBuffer struct {
	b       []byte
	dropped bool // bytes were dropped: the first kept line may be cut
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*tailWindow {
		t.b = append(t.b[:0], t.b[len(t.b)-tailWindow:]...)
		t.dropped = true
	}
	return len(p), nil
}

// lines returns the last n lines kept.
func (t *tailBuffer) lines(n int) []string {
	b, cut := t.b, t.dropped
	if len(b) > tailWindow {
		b, cut = b[len(b)-tailWindow:], true
	}
	text := strings.TrimRight(string(b), "\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	if cut && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
