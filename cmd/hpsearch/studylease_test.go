//go:build unix

package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// leaseSweep writes a sweep of 30 command trials of about 150ms each,
// whose program appends "start N PID" and "end N PID" to a log as trial N
// begins and ends, so the test sees every run of every trial. It returns
// the config, the output directory and the log.
func leaseSweep(t *testing.T) (cfg, out, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "runs.log")
	script := fmt.Sprintf(`for a in "$@"; do case $a in --lr=*) lr=${a#--lr=};; esac; done
echo "start $HPSEARCH_TRIAL $$" >> %[1]s
sleep 0.15
echo "end $HPSEARCH_TRIAL $$" >> %[1]s
echo "step=1 val_loss=$lr"
`, log)
	return scriptSweep(t, dir, "lease", script, 30), filepath.Join(dir, "runs"), log
}

// runsOf counts, per trial number, the "start" and "end" lines of the log.
func runsOf(t *testing.T, log string) (starts, ends map[int]int) {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	starts, ends = map[int]int{}, map[int]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var (
			what   string
			n, pid int
		)
		if _, err := fmt.Sscanf(line, "%s %d %d", &what, &n, &pid); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if what == "start" {
			starts[n]++
		} else {
			ends[n]++
		}
	}
	return starts, ends
}

// storedTrials reads a study from a SQLite file another process may be
// writing.
func storedTrials(t *testing.T, db, study string) (results.Study, map[int]results.Trial) {
	t.Helper()
	s, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, trials, err := s.Study(context.Background(), study)
	if err != nil {
		t.Fatal(err)
	}
	byNumber := map[int]results.Trial{}
	for _, tr := range trials {
		byNumber[tr.Number] = tr
	}
	return st, byNumber
}

// leaseHolder is the pid that holds study's lease in a SQLite file, 0
// when none does.
func leaseHolder(t *testing.T, db, study string) int {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRow(`SELECT pid FROM study_leases WHERE study = ?`, study).Scan(&pid); err != nil {
		return 0
	}
	return pid
}

// The case: a second run of a study, resumed or not, while the
// first still runs it is refused with exit 2, naming the first. Once the
// first is killed (kill -9), --resume takes over at once (same host, its
// process is gone) and finishes the study: no trial that had finished runs
// again, every trial is stored once and finished, and the lease is given
// back at the end.
func TestSecondRunOfARunningStudyIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	bin := binary(t)
	cfg, out, log := leaseSweep(t)
	db := filepath.Join(out, "hpsearch.db")
	args := []string{"run", cfg, "--set", "output.dir=" + out, "--parallel", "2"}
	first := start(t, bin, args...)
	until(t, "3 finished trials", 30*time.Second, func() bool { return finishedTrials(t, db, "lease") >= 3 })

	host, _ := os.Hostname()
	holder := fmt.Sprintf("process %d on host %s since ", first.cmd.Process.Pid, host)
	for _, extra := range [][]string{{"--resume"}, nil} {
		code, _, stderr := runBinary(t, bin, append(args, extra...)...)
		if code != exitUsage || !strings.Contains(stderr, holder) || !strings.Contains(stderr, "is being run by") {
			t.Fatalf("run %v while the first runs: exit %d, want 2 naming %q\n%s", extra, code, holder, stderr)
		}
	}
	if !first.alive() {
		t.Fatalf("the first run ended before it could be killed\n%s", first.err.String())
	}

	until(t, "8 finished trials", 30*time.Second, func() bool { return finishedTrials(t, db, "lease") >= 8 })
	first.kill(t)
	_, before := storedTrials(t, db, "lease")
	done := map[int]results.Trial{}
	for n, tr := range before {
		if tr.Status.Finished() {
			done[n] = tr
		}
	}
	if len(done) == 30 {
		t.Fatal("the sweep finished before the kill; nothing to resume")
	}

	code, _, stderr := runBinary(t, bin, append(args, "--resume")...)
	if code != exitOK {
		t.Fatalf("resume after kill -9: exit %d\n%s", code, stderr)
	}
	if want := fmt.Sprintf("took it over from process %d on host %s", first.cmd.Process.Pid, host); !strings.Contains(stderr, want) {
		t.Errorf("resume does not say it took over (%q):\n%s", want, stderr)
	}
	if want := fmt.Sprintf("(%d already finished)", len(done)); !strings.Contains(stderr, want) {
		t.Errorf("resume did not keep the %d finished trials:\n%s", len(done), stderr)
	}
	st, after := storedTrials(t, db, "lease")
	if st.Status != "finished" || len(after) != 30 {
		t.Fatalf("study %s with %d trials, want finished with 30", st.Status, len(after))
	}
	for n := range 30 {
		tr, ok := after[n]
		if !ok || !tr.Status.Finished() {
			t.Fatalf("trial %d: %v stored, status %s", n, ok, tr.Status)
		}
		if d, ok := done[n]; ok && (!tr.Started.Equal(d.Started) || !tr.Finished.Equal(d.Finished)) {
			t.Errorf("trial %d had finished before the kill and ran again (started %v, then %v)", n, d.Started, tr.Started)
		}
	}
	starts, _ := runsOf(t, log)
	for n := range done {
		if starts[n] != 1 {
			t.Errorf("trial %d finished before the kill and was started %d times", n, starts[n])
		}
	}
	if pid := leaseHolder(t, db, "lease"); pid != 0 {
		t.Errorf("the finished run left its lease held by process %d", pid)
	}
}

// A run that went silent for longer than --grace (suspended here with
// SIGSTOP) loses its study to a --resume that waited out the grace period;
// when it wakes up it stops with exit 1 and writes nothing more, so the
// study ends as the run that took it over leaves it.
func TestRunThatLostItsStudyStops(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	bin := binary(t)
	cfg, out, _ := leaseSweep(t)
	db := filepath.Join(out, "hpsearch.db")
	args := []string{"run", cfg, "--set", "output.dir=" + out, "--parallel", "2", "--heartbeat", "100ms", "--grace", "800ms"}
	first := start(t, bin, args...)
	until(t, "2 finished trials", 30*time.Second, func() bool { return finishedTrials(t, db, "lease") >= 2 })
	if err := first.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.cmd.Process.Signal(syscall.SIGCONT) })
	time.Sleep(300 * time.Millisecond) // silent for more than two heartbeats: worth waiting for

	second := start(t, bin, append(args, "--resume")...)
	until(t, "the second run to take the study over", 20*time.Second, func() bool {
		return leaseHolder(t, db, "lease") == second.cmd.Process.Pid
	})
	if err := first.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("the run that lost its study went on")
	}
	if code := first.cmd.ProcessState.ExitCode(); code != exitNoSuccess || !strings.Contains(first.err.String(), "taken over by another process") {
		t.Fatalf("the run that lost its study: exit %d, want 1 saying it was taken over\n%s", code, first.err.String())
	}
	second.wait(t, "the run that took the study over", 60*time.Second)
	if !strings.Contains(second.err.String(), "waiting until it has been for 800ms") {
		t.Errorf("the second run did not say it waited:\n%s", second.err.String())
	}
	st, after := storedTrials(t, db, "lease")
	if st.Status != "finished" || len(after) != 30 {
		t.Fatalf("study %s with %d trials, want finished with 30", st.Status, len(after))
	}
	for n, tr := range after {
		if !tr.Status.Finished() {
			t.Errorf("trial %d left %s", n, tr.Status)
		}
	}
}

// The run that coordinates a study shared through PostgreSQL holds its
// lease too: a second run is refused and told how to help instead (a
// worker); after kill -9, --resume takes over.
func TestSharedRunRefusesASecondRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	url := pgtest.URL(t)
	bin := binary(t)
	cfg, out, _ := leaseSweep(t)
	args := append([]string{"run", cfg, "--set", "output.dir=" + out, "--parallel", "1", "--storage", url}, faults...)
	first := start(t, bin, args...)
	d := connect(t, url)
	until(t, "2 finished trials", 30*time.Second, func() bool {
		return d.count(`SELECT count(*) FROM trials WHERE status = 'ok'`) >= 2
	})
	code, _, stderr := runBinary(t, bin, append(args, "--resume")...)
	if code != exitUsage || !strings.Contains(stderr, fmt.Sprintf("process %d on host", first.cmd.Process.Pid)) ||
		!strings.Contains(stderr, "hpsearch worker --storage") {
		t.Fatalf("second run of a shared study: exit %d, want 2 naming the first and suggesting a worker\n%s", code, stderr)
	}
	first.kill(t)
	code, _, stderr = runBinary(t, bin, append(args, "--resume")...)
	if code != exitOK || !strings.Contains(stderr, "took it over") {
		t.Fatalf("resume after kill -9: exit %d\n%s", code, stderr)
	}
	if n := d.count(`SELECT count(*) FROM trials WHERE status = 'ok'`); n != 30 {
		t.Errorf("%d trials ok, want 30", n)
	}
}
