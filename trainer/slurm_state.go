package trainer

// Following a job: its state as Slurm (or, after Slurm has forgotten it,
// the exit file) tells it, until it ends, and what its end means for the
// trial.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

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
