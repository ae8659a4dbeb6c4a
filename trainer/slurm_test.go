//go:build unix

package trainer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/slurmtest"
)

// testSlurm is a launcher that looks at jobs often: test jobs are short.
func testSlurm() *Slurm {
	return &Slurm{Poll: 300 * time.Millisecond, CommandTimeout: 20 * time.Second}
}

// slurmRunIn runs c as trial 3 of study demo in dir.
func slurmRunIn(t *testing.T, ctx context.Context, c Command, dir, job string, params ...CommandParam) CommandResult {
	t.Helper()
	res, err := c.Run(ctx, CommandRun{Study: "demo", Trial: 3, Seed: 12345, Params: params, Dir: dir, Job: job})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// jobStateOf asks scontrol for a job's state.
func jobStateOf(t *testing.T, job string) string {
	t.Helper()
	st, err := testSlurm().state(job)
	if err != nil {
		t.Fatal(err)
	}
	return st.State
}

// A trial runs as a batch job with its argv exactly as expanded (a value
// no shell reads), its environment, its files in its directory, and its
// job id told to OnJob before it ends.
func TestSlurmRunsTrial(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	var jobs []string
	c := Command{Argv: []string{prog(t), "argv", "env:HPSEARCH_SEED", "env:HPSEARCH_PARAM_TRICKY", "cwd", "print:val_loss=0.25", "{args}"},
		Workdir: t.TempDir(), Launcher: testSlurm(), OnJob: func(job string) error { jobs = append(jobs, job); return nil }}
	res := slurmRunIn(t, context.Background(), c, dir, "", CommandParam{Name: "tricky", Value: "1; echo $HOME `id` 'x"})
	if res.Outcome != CommandOK || res.Value != 0.25 || res.ExitCode != 0 {
		t.Fatalf("result = %+v, want ok with value 0.25", res)
	}
	if len(jobs) != 1 || res.Job != jobs[0] {
		t.Fatalf("jobs told = %v, result's job %q: want one, the same", jobs, res.Job)
	}
	argv := jsonLine(t, dir, "argv")["argv"].([]any)
	if got := argv[len(argv)-1]; got != "--tricky=1; echo $HOME `id` 'x" {
		t.Errorf("last argument = %q, want the value as it is", got)
	}
	if got := jsonLine(t, dir, "env")["value"]; got != "12345" {
		t.Errorf("HPSEARCH_SEED = %v, want 12345", got)
	}
	if got := jsonLine(t, dir, "cwd")["cwd"]; got != c.Workdir {
		t.Errorf("cwd = %v, want trainer.workdir %s", got, c.Workdir)
	}
	if st := jobStateOf(t, res.Job); st != "COMPLETED" {
		t.Errorf("job %s is %s, want COMPLETED", res.Job, st)
	}
}

// A program's exit status and stderr come back from its job.
func TestSlurmExitStatus(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	res := slurmRunIn(t, context.Background(), Command{Argv: []string{prog(t), "stderr:out of patience", "exit:3"}, Launcher: testSlurm()}, dir, "")
	if res.Outcome != CommandFailed || res.StopReason != "exit 3" || res.ExitCode != 3 ||
		!strings.HasPrefix(res.Reason, "exit status 3 (Slurm job "+res.Job+" FAILED)") {
		t.Fatalf("result = %+v, want failed with exit 3 and Slurm's FAILED", res)
	}
	if len(res.Stderr) == 0 || res.Stderr[len(res.Stderr)-1] != "out of patience" {
		t.Errorf("stderr tail = %q, want the program's last line", res.Stderr)
	}
}

// Early stopping reads the metric from the job's output as it runs, and
// a pruned trial's job is cancelled, not left to run out its time.
func TestSlurmPruneCancelsJob(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	c := Command{Argv: []string{prog(t), `print:{"step": 1, "val_loss": 0.9}`, "sleep:60s", `print:{"step": 2, "val_loss": 0.1}`},
		Launcher: testSlurm(), OnMetric: func(step int, v float64) bool { return false }}
	start := time.Now()
	res := slurmRunIn(t, context.Background(), c, dir, "")
	if res.Outcome != CommandPruned || res.Value != 0.9 || res.LastStep != 1 {
		t.Fatalf("result = %+v, want pruned at step 1 with 0.9", res)
	}
	if took := time.Since(start); took > 40*time.Second {
		t.Errorf("took %s: the job was not cancelled", took)
	}
	if st := jobStateOf(t, res.Job); st != "CANCELLED" {
		t.Errorf("job %s is %s, want CANCELLED", res.Job, st)
	}
}

// A job cancelled from outside (scancel, an administrator) is a failed
// trial that says so.
func TestSlurmCancelledOutside(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	c := Command{Argv: []string{prog(t), "print:val_loss=0.5", "sleep:60s"}, Launcher: testSlurm(),
		OnJob: func(job string) error {
			go exec.Command("scancel", job).Run()
			return nil
		}}
	res := slurmRunIn(t, context.Background(), c, dir, "")
	want := "Slurm job " + res.Job + " was cancelled outside hpsearch (CANCELLED"
	if res.Outcome != CommandFailed || !strings.HasPrefix(res.Reason, want) || res.StopReason != "slurm CANCELLED" {
		t.Fatalf("result = %+v, want failed: %s", res, want)
	}
}

// Interrupting a trial (Ctrl-C) cancels its job and tells OnJobClosed, so
// that a resume submits the trial afresh.
func TestSlurmInterruptCancelsJob(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var closed []string
	c := Command{Argv: []string{prog(t), "print:val_loss=0.5", "sleep:60s"}, Launcher: testSlurm(),
		OnMetric:    func(int, float64) bool { cancel(); return true },
		OnJobClosed: func(job string) { closed = append(closed, job) }}
	res := slurmRunIn(t, ctx, c, dir, "")
	if res.Outcome != CommandCancelled {
		t.Fatalf("result = %+v, want cancelled", res)
	}
	if len(closed) != 1 || closed[0] != res.Job {
		t.Errorf("closed = %v, want the job %s", closed, res.Job)
	}
	if st := jobStateOf(t, res.Job); st != "CANCELLED" {
		t.Errorf("job %s is %s, want CANCELLED", res.Job, st)
	}
}

// trainer.timeout counts the job's running time; past it the job is
// cancelled and the trial fails.
func TestSlurmTimeout(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	c := Command{Argv: []string{prog(t), "print:val_loss=0.5", "sleep:60s"}, Launcher: testSlurm(), Timeout: time.Second}
	res := slurmRunIn(t, context.Background(), c, dir, "")
	if res.Outcome != CommandFailed || res.StopReason != StopTimeout {
		t.Fatalf("result = %+v, want failed by timeout", res)
	}
	if st := jobStateOf(t, res.Job); st != "CANCELLED" {
		t.Errorf("job %s is %s, want CANCELLED", res.Job, st)
	}
}

// A run given the job of an earlier run follows it instead of
// submitting: one still running, and one that ended meanwhile.
func TestSlurmReattach(t *testing.T) {
	slurmtest.Need(t)
	p := prog(t)
	noSubmit := func(job string) error {
		t.Errorf("submitted job %s: a trial with a job must not be submitted again", job)
		return nil
	}
	for _, tc := range []struct {
		name  string
		sleep string
	}{{"running", "sleep:2s"}, {"ended", "sleep:0s"}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "trials", "3")
			c := Command{Argv: []string{p, `print:{"step": 1, "val_loss": 0.75}`, tc.sleep, `print:{"step": 2, "val_loss": 0.5}`}, Launcher: testSlurm()}
			// An earlier run submitted the job, and died.
			job := submitAsDeadRun(t, &c, dir)
			if tc.name == "ended" {
				waitJobEnd(t, job)
			}
			c.OnJob = noSubmit
			res := slurmRunIn(t, context.Background(), c, dir, job)
			if res.Outcome != CommandOK || res.Value != 0.5 || res.Job != job || len(res.History) != 2 {
				t.Fatalf("result = %+v, want ok with 0.5 from job %s, both lines read", res, job)
			}
		})
	}
}

// submitAsDeadRun submits c as trial 3 of study demo in dir the way a
// run does, and returns the job's id: what a run that died after sbatch's
// answer leaves behind.
func submitAsDeadRun(t *testing.T, c *Command, dir string) string {
	t.Helper()
	if err := makeDir(dir); err != nil {
		t.Fatal(err)
	}
	r := CommandRun{Study: "demo", Trial: 3, Seed: 12345, Dir: dir}
	argv, err := expandArgv(c.Argv, r)
	if err != nil {
		t.Fatal(err)
	}
	job, err := (&slurmRun{s: c.Launcher.(*Slurm), c: c, r: r, argv: argv, stdout: filepath.Join(dir, StdoutFileName)}).submit()
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func waitJobEnd(t *testing.T, job string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := testSlurm().state(job)
		if err == nil && st.terminal() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not end within a minute", job)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A job Slurm does not know and that left no exit status has vanished:
// the trial fails saying so, without waiting.
func TestSlurmVanishedJob(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	res := slurmRunIn(t, context.Background(), Command{Argv: []string{prog(t)}, Launcher: testSlurm(),
		OnJob: func(job string) error { t.Errorf("submitted %s", job); return nil }}, dir, "987654321")
	if res.Outcome != CommandFailed || res.StopReason != "slurm vanished" || !strings.Contains(res.Reason, "Slurm job 987654321 vanished") {
		t.Fatalf("result = %+v, want failed: vanished", res)
	}
}

// A partition that does not exist, or a gres the cluster does not have,
// is refused by the check before any trial, and fails a trial with
// sbatch's own words.
func TestSlurmRefusedOptions(t *testing.T) {
	slurmtest.Need(t)
	for _, tc := range []struct {
		s    Slurm
		want string
	}{
		{Slurm{Partition: "no-such-partition"}, "invalid partition specified: no-such-partition"},
		{Slurm{Gres: "gpu:1"}, "Invalid generic resource (gres) specification"},
	} {
		err := tc.s.CheckSlurm(context.Background(), t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "the cluster refuses trainer.launcher's job: sbatch: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckSlurm(%+v) = %v, want sbatch's %q", tc.s, err, tc.want)
		}
		s := tc.s
		dir := filepath.Join(t.TempDir(), "trials", "3")
		res := slurmRunIn(t, context.Background(), Command{Argv: []string{prog(t)}, Launcher: &s}, dir, "")
		if res.Outcome != CommandFailed || res.StopReason != StopNotStarted || !strings.Contains(res.Reason, "sbatch refused the job") || !strings.Contains(res.Reason, tc.want) {
			t.Errorf("result = %+v, want not started: %s", res, tc.want)
		}
	}
	if err := (&Slurm{}).CheckSlurm(context.Background(), t.TempDir()); err != nil {
		t.Errorf("CheckSlurm of the default partition: %v", err)
	}
}

// Without sbatch (not a login node) a trial fails saying so.
func TestSlurmWithoutSbatch(t *testing.T) {
	p := prog(t)
	t.Setenv("PATH", t.TempDir())
	dir := filepath.Join(t.TempDir(), "trials", "3")
	res := slurmRunIn(t, context.Background(), Command{Argv: []string{p}, Launcher: testSlurm()}, dir, "")
	if res.Outcome != CommandFailed || !strings.Contains(res.Reason, "sbatch is not in PATH: run hpsearch on a Slurm login node") {
		t.Fatalf("result = %+v, want failed: no sbatch", res)
	}
}

// An sbatch that does not answer (slurmctld hung) fails the trial within
// the command timeout, never hanging the sweep.
func TestSlurmHungController(t *testing.T) {
	slurmtest.NeedAlone(t)
	b, err := os.ReadFile("/run/slurmctld.pid")
	if err != nil {
		t.Skipf("slurmctld's pid file: %v (the cluster is not .ci/slurm-up's)", err)
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil || pid <= 1 {
		t.Skipf("slurmctld's pid file holds %q", b)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Skipf("cannot stop slurmctld: %v", err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	s := testSlurm()
	s.CommandTimeout = time.Second
	start := time.Now()
	res := slurmRunIn(t, context.Background(), Command{Argv: []string{prog(t), "print:val_loss=1"}, Launcher: s}, dir, "")
	syscall.Kill(pid, syscall.SIGCONT)
	if res.Outcome != CommandFailed || res.StopReason != StopNotStarted || !strings.Contains(res.Reason, "sbatch did not answer within 1s") {
		t.Fatalf("result = %+v, want not started: sbatch did not answer", res)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s, want about the command timeout", took)
	}
}

// A job slurmctld has forgotten (MinJobAge after its end, on a cluster
// without accounting) is collected from the exit status its job script
// wrote and the output it left.
func TestSlurmForgottenJobExitFile(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	if err := makeDir(dir); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{StdoutFileName: "val_loss=0.125\n", SlurmExitFileName: "0\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := slurmRunIn(t, context.Background(), Command{Argv: []string{prog(t)}, Launcher: testSlurm(),
		OnJob: func(job string) error { t.Errorf("submitted %s", job); return nil }}, dir, "987654322")
	if res.Outcome != CommandOK || res.Value != 0.125 {
		t.Fatalf("result = %+v, want ok with 0.125 from the files the job left", res)
	}
	if err := os.WriteFile(filepath.Join(dir, SlurmExitFileName), []byte("4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res = slurmRunIn(t, context.Background(), Command{Argv: []string{prog(t)}, Launcher: testSlurm()}, dir, "987654322")
	if res.Outcome != CommandFailed || res.StopReason != "exit 4" {
		t.Fatalf("result = %+v, want failed with exit 4", res)
	}
}

// A job whose node failed (NODE_FAIL) is the cluster's fault: the trial
// is submitted again with the same argv and seed, up to Retries times,
// and reads on from where the failed job's output left off; past the
// retries it fails saying why.
func TestSlurmNodeFailRetried(t *testing.T) {
	slurmtest.NeedAlone(t)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	node, _, _ := strings.Cut(host, ".")
	script := filepath.Join(t.TempDir(), "flaky.sh")
	// The first run sleeps, for the node to fail under it; the next one,
	// finding its marker, goes on to the end.
	if err := os.WriteFile(script, []byte(`#!/bin/sh
echo '{"step": 1, "val_loss": 0.75}'
if [ -e "$1" ]; then echo '{"step": 2, "val_loss": 0.5}'; exit 0; fi
touch "$1"
sleep 60
`), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		retries int
		want    CommandOutcome
	}{{1, CommandOK}, {0, CommandFailed}} {
		dir := filepath.Join(t.TempDir(), "trials", "3")
		var (
			mu   sync.Mutex
			jobs []string
		)
		s := testSlurm()
		s.Retries = tc.retries
		c := Command{Argv: []string{script, filepath.Join(dir, "marker")}, Launcher: s,
			OnJob: func(job string) error { mu.Lock(); jobs = append(jobs, job); mu.Unlock(); return nil }}
		failed := make(chan error, 1)
		go func() {
			// Once the first job runs, its node goes down, and back up.
			deadline := time.Now().Add(60 * time.Second)
			for {
				if b, _ := os.ReadFile(filepath.Join(dir, StdoutFileName)); len(b) > 0 {
					break
				}
				if time.Now().After(deadline) {
					failed <- fmt.Errorf("the first job never started")
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			defer exec.Command("scontrol", "update", "nodename="+node, "state=resume").Run()
			if out, err := exec.Command("scontrol", "update", "nodename="+node, "state=down", "reason=hpsearch-test").CombinedOutput(); err != nil {
				failed <- fmt.Errorf("take the node down: %v %s", err, out)
				return
			}
			time.Sleep(time.Second)
			failed <- nil
		}()
		res := slurmRunIn(t, context.Background(), c, dir, "")
		if err := <-failed; err != nil {
			t.Fatal(err)
		}
		waitNodeUp(t, node)
		mu.Lock()
		told := append([]string(nil), jobs...)
		mu.Unlock()
		if st := jobStateOf(t, told[0]); st != "NODE_FAIL" {
			t.Fatalf("the first job %s is %s, want NODE_FAIL", told[0], st)
		}
		switch tc.want {
		case CommandOK:
			if res.Outcome != CommandOK || res.Value != 0.5 || len(told) != 2 || res.Job != told[1] || len(res.History) != 2 {
				t.Errorf("retries 1: result %+v, jobs %v; want ok with 0.5 from the second job, two history points", res, told)
			}
		default:
			if res.Outcome != CommandFailed || res.StopReason != "slurm NODE_FAIL" || len(told) != 1 ||
				!strings.Contains(res.Reason, "its node failed (NODE_FAIL)") {
				t.Errorf("retries 0: result %+v, jobs %v; want failed: NODE_FAIL", res, told)
			}
		}
	}
}

// waitNodeUp waits for the node to take jobs again.
func waitNodeUp(t *testing.T, node string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, _ := exec.Command("sinfo", "--noheader", "--nodes="+node, "-o", "%t").Output()
		st := strings.TrimSpace(string(out))
		if st == "idle" || st == "mix" || st == "alloc" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s is %q a minute after it was resumed", node, st)
		}
		exec.Command("scontrol", "update", "nodename="+node, "state=resume").Run()
		time.Sleep(200 * time.Millisecond)
	}
}

// A run that died between sbatch's answer and storing the job's id left a
// job nobody knows the id of: the next run of the trial finds it by its
// directory (the job's comment) and follows it, rather than submit the
// trial a second time.
func TestSlurmAdoptsUnrecordedJob(t *testing.T) {
	slurmtest.Need(t)
	dir := filepath.Join(t.TempDir(), "trials", "3")
	c := Command{Argv: []string{prog(t), `print:{"step": 1, "val_loss": 0.75}`, "sleep:2s", `print:{"step": 2, "val_loss": 0.5}`}, Launcher: testSlurm()}
	lost := submitAsDeadRun(t, &c, dir)
	var told []string
	c.OnJob = func(job string) error { told = append(told, job); return nil }
	res := slurmRunIn(t, context.Background(), c, dir, "")
	if res.Outcome != CommandOK || res.Value != 0.5 || res.Job != lost || len(told) != 1 || told[0] != lost {
		t.Fatalf("result = %+v, jobs told %v; want job %s followed, ok with 0.5, and no other submitted", res, told, lost)
	}
}
