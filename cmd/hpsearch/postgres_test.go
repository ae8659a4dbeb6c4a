package main

import (
	"bytes"
	"context"
	"fmt"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/search"
)

// sharedSweep is 16 gradient-descent trials of a few hundred milliseconds
// each over two rounds: long enough to kill a process in the middle of one.
const sharedSeed = 42

func sharedSweep(dir string) []string {
	return []string{filepath.Join("..", "..", "configs", "quickstart.yaml"),
		"--set", "output.dir=" + dir, "--set", "trainer.max_iterations=6000", "--set", "trainer.patience=0",
		"--set", "trainer.gradient_threshold=0", "--set", "optimizer=gd", "--set", fmt.Sprint("seed=", sharedSeed),
		"--set", "search.rounds=2", "--set", "search.trials_per_round=8", "--parallel", "1"}
}

// faults are the fast heartbeat settings of the tests.
var faults = []string{"--heartbeat", "200ms", "--grace", "1s"}

// proc is a started hpsearch process and its output.
type proc struct {
	cmd      *exec.Cmd
	out, err bytes.Buffer
	exited   chan struct{} // closed once the process has been waited for
	waitErr  error
}

func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// wait waits for a normal exit.
func (p *proc) wait(t *testing.T, what string, limit time.Duration) {
	t.Helper()
	select {
	case <-p.exited:
		if p.waitErr != nil {
			t.Fatalf("%s: %v\n%s", what, p.waitErr, p.err.String())
		}
	case <-time.After(limit):
		t.Fatalf("%s did not finish in %s\n%s", what, limit, p.err.String())
	}
}

// db is the test's own view of the shared database.
type db struct {
	t    *testing.T
	conn *pgx.Conn
}

func connect(t *testing.T, url string) *db {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &db{t: t, conn: conn}
}

func (d *db) count(query string, args ...any) int {
	d.t.Helper()
	var n int
	if err := d.conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		return -1 // the schema may not be there yet
	}
	return n
}

// until polls cond every 10ms for up to limit.
func until(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// running is how many trials the process with pid holds (worker names
// are host-pid-random).
func (d *db) running(pid int) int {
	return d.count(`SELECT count(*) FROM trials WHERE status = 'running' AND worker LIKE $1`, fmt.Sprintf("%%-%d-%%", pid))
}

// orphans are the trials a dead process left running.
func (d *db) orphans(pid int) []int {
	d.t.Helper()
	rows, err := d.conn.Query(context.Background(), `SELECT number FROM trials WHERE status = 'running' AND worker LIKE $1`,
		fmt.Sprintf("%%-%d-%%", pid))
	if err != nil {
		d.t.Fatal(err)
	}
	numbers, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		d.t.Fatal(err)
	}
	return numbers
}

// The test: the run process and three workers share a study; one
// worker is killed with SIGKILL while it runs a trial, and so, later, is
// the run process. The two remaining workers finish the study; the dead
// worker's trial ran again with the same seed; every trial finished once;
// and `run --resume` prints the same study as a one-machine SQLite run.
func TestPostgresWorkersSurviveKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	url := pgtest.URL(t)
	bin := binary(t)
	dir := t.TempDir()

	code, refOut, stderr := runBinary(t, bin, append(append([]string{"run"}, sharedSweep(dir)...),
		"--study", "ref", "--storage", "sqlite://"+filepath.Join(dir, "ref.db"), "--json", "--parallel", "2")...)
	if code != exitOK {
		t.Fatalf("reference run: exit %d\n%s", code, stderr)
	}
	ref := decode(t, refOut)

	d := connect(t, url)
	shared := append(append([]string{"--study", "shared", "--storage", url}, faults...), sharedSweep(dir)...)
	run := start(t, bin, append([]string{"run"}, shared...)...)
	until(t, "the study to be stored", 20*time.Second, func() bool {
		return d.count(`SELECT count(*) FROM trials WHERE study = 'shared'`) > 0
	})
	var workers []*proc
	for range 3 {
		workers = append(workers, start(t, bin, append([]string{"worker", "shared", "--storage", url, "--parallel", "1"}, faults...)...))
	}

	// Kill a worker while it holds a trial. A trial may end between the
	// look and the kill; then the next worker is tried.
	var victim *proc
	var lost []int
	for _, w := range workers[:2] {
		pid := w.cmd.Process.Pid
		until(t, fmt.Sprintf("worker %d to run a trial", pid), 20*time.Second, func() bool { return d.running(pid) > 0 })
		w.kill(t)
		if lost = d.orphans(pid); len(lost) > 0 {
			victim = w
			break
		}
	}
	if victim == nil {
		t.Fatal("no worker could be killed in the middle of a trial")
	}
	// Then the run process, once a few more trials are done.
	until(t, "8 finished trials", 30*time.Second, func() bool {
		return d.count(`SELECT count(*) FROM trials WHERE status IN ('ok', 'diverged', 'failed')`) >= 8
	})
	run.kill(t)
	fromRun := d.orphans(run.cmd.Process.Pid)
	t.Logf("killed worker %d holding trials %v, then the run process holding %v", victim.cmd.Process.Pid, lost, fromRun)
	lost = append(lost, fromRun...)

	for _, w := range workers {
		if w.alive() {
			w.wait(t, "a surviving worker", 60*time.Second)
		}
	}
	if d.count(`SELECT count(*) FROM trials WHERE status IN ('ok', 'diverged', 'failed')`) != len(ref.Trials) {
		t.Fatalf("the workers exited before the study was complete")
	}

	code, out, stderr := runBinary(t, bin, append([]string{"run", "--resume", "--json"}, shared...)...)
	if code != exitOK {
		t.Fatalf("run --resume: exit %d\n%s", code, stderr)
	}
	got := decode(t, out)
	assertSameStudy(t, ref, got)

	// Every trial finished once: one claim each, plus one more for each
	// trial a killed process left running. The retried ones kept their seed.
	total := len(ref.Trials)
	if n := d.count(`SELECT count(*) FROM trials WHERE status IN ('ok', 'diverged')`); n != total {
		t.Errorf("%d trials finished with a result, want %d", n, total)
	}
	if n := d.count(`SELECT coalesce(sum(attempt), 0) FROM trials`); n != total+len(lost) {
		t.Errorf("%d claims for %d trials and %d retries: some trial ran more than once", n, total, len(lost))
	}
	for _, n := range lost {
		var (
			seed    int64
			attempt int
		)
		if err := d.conn.QueryRow(context.Background(), `SELECT seed, attempt FROM trials WHERE study = 'shared' AND number = $1`,
			n).Scan(&seed, &attempt); err != nil {
			t.Fatal(err)
		}
		if uint64(seed) != search.TrialSeed(sharedSeed, n) || attempt != 2 {
			t.Errorf("retried trial %d: seed %d attempt %d, want seed %d attempt 2", n, uint64(seed), attempt, search.TrialSeed(sharedSeed, n))
		}
	}
	if !strings.Contains(stderr, "hpsearch: wrote") {
		t.Errorf("run --resume did not export:\n%s", stderr)
	}
}

// assertSameStudy compares two --json documents trial by trial.
func assertSameStudy(t *testing.T, want, got document) {
	t.Helper()
	if len(got.Trials) != len(want.Trials) {
		t.Fatalf("%d trials, the one-machine run has %d", len(got.Trials), len(want.Trials))
	}
	for i, w := range want.Trials {
		g := got.Trials[i]
		if g.Number != w.Number || compact(g.Params) != compact(w.Params) || *g.Value != *w.Value || g.Iterations != w.Iterations {
			t.Fatalf("trial %d differs from the one-machine run: %s %v vs %s %v", w.Number, g.Params, *g.Value, w.Params, *w.Value)
		}
	}
	if got.Best == nil || want.Best == nil || got.Best.Number != want.Best.Number || got.Best.Value != want.Best.Value {
		t.Fatalf("best differs: %+v vs %+v", got.Best, want.Best)
	}
}

// Every read command works on a PostgreSQL study, and bad URLs are usage
// errors that never show the password.
func TestPostgresCommands(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	for _, study := range []string{"night-1", "night-2"} {
		args := append([]string{"run", cfg, "--study", study, "--storage", url, "--set", "output.dir=" + dir,
			"--set", "search.rounds=2", "--set", "search.trials_per_round=6", "--parallel", "2"}, faults...)
		if code, _, stderr := hpsearch(t, context.Background(), args...); code != exitOK {
			t.Fatalf("run %s: exit %d\n%s", study, code, stderr)
		}
	}
	code, out, stderr := hpsearch(t, context.Background(), "studies", "--storage", url)
	if code != exitOK || !strings.Contains(out, "night-2") || !strings.Contains(out, "12/12") || !strings.Contains(out, "finished") {
		t.Fatalf("studies: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = hpsearch(t, context.Background(), "show", "night-1", "--storage", url, "--json")
	if code != exitOK || len(decode(t, out).Trials) != 12 || len(decode(t, out).Rounds) != 2 {
		t.Fatalf("show --json: exit %d\n%s", code, out)
	}
	code, out, _ = hpsearch(t, context.Background(), "export", "night-1", "--format", "csv", "--storage", url)
	if code != exitOK || strings.Count(out, "\n") != 13 {
		t.Fatalf("export csv: exit %d\n%s", code, out)
	}
	code, out, _ = hpsearch(t, context.Background(), "compare", "night-1", "night-2", "--storage", url)
	if code != exitOK || !strings.Contains(out, "best learning_rate") {
		t.Fatalf("compare: exit %d\n%s", code, out)
	}
	report := filepath.Join(dir, "night-1.html")
	if code, _, stderr := hpsearch(t, context.Background(), "report", "night-1", "--storage", url, "-o", report); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), "night-1") {
		t.Fatalf("report file: %v", err)
	}
	// The study is complete: a worker has nothing to do, and says so.
	code, _, stderr = hpsearch(t, context.Background(), "worker", "--storage", url)
	if code != exitOK || !strings.Contains(stderr, "no unfinished study") {
		t.Fatalf("worker with nothing to do: exit %d\n%s", code, stderr)
	}
	defer func() {
		if code, out, _ := hpsearch(t, context.Background(), "studies", "--storage", url); code != exitOK || strings.Contains(out, "never") {
			t.Errorf("a run refused for its flags stored its study:\n%s", out)
		}
	}()

	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.UserPassword("nobody", "s3cret")
	badPass := u.String()
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"re-run refused":                      {[]string{"run", cfg, "--study", "night-1", "--storage", url}, "already exists"},
		"worker of a study that is not there": {[]string{"worker", "night-9", "--storage", url}, "night-9"},
		"worker without postgres":             {[]string{"worker", "--storage", "sqlite://" + filepath.Join(dir, "x.db")}, "must name a PostgreSQL database"},
		"bad credentials":                     {[]string{"studies", "--storage", badPass}, "nobody"},
		"heartbeat not below grace":           {[]string{"worker", "--storage", url, "--heartbeat", "2s", "--grace", "1s"}, "shorter than the grace period"},
		"run refuses before storing":          {[]string{"run", cfg, "--study", "never", "--storage", url, "--retries", "-1"}, "retries 0 or more"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := hpsearch(t, context.Background(), tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, want 2 with %q:\n%s", code, tc.want, stderr)
			}
			if strings.Contains(stderr, "s3cret") || strings.Contains(stderr, ":hpsearch@") {
				t.Fatalf("a password was printed:\n%s", stderr)
			}
		})
	}
}
