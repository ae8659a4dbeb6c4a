//go:build unix

package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// brokenScript fails like a training script whose environment is broken,
// after a moment, so that the run and the workers overlap.
const brokenScript = `sleep 0.3
echo "ImportError: no module named torch" >&2
exit 3
`

// fixedScript is the same script fixed: its value is the learning rate.
const fixedScript = `for a in "$@"; do case $a in --lr=*) lr=${a#--lr=};; esac; done
echo "val_loss=$lr"
`

// sharedCommandSweep writes a config running train.sh (script) for trials
// random trials, and returns its path and output directory.
func sharedCommandSweep(t *testing.T, script string, trials, maxFailed int) (string, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := scriptSweep(t, dir, "cmd", script, trials, "max_failed_trials: "+strconv.Itoa(maxFailed))
	return cfg, filepath.Join(dir, "runs")
}

// exitCode waits for p and returns its exit status.
func (p *proc) exitCode(t *testing.T, what string, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(limit):
		t.Fatalf("%s did not finish in %s\n%s", what, limit, p.err.String())
	}
	if p.waitErr == nil {
		return 0
	}
	ee, ok := p.waitErr.(*exec.ExitError)
	if !ok {
		t.Fatalf("%s: %v", what, p.waitErr)
	}
	return ee.ExitCode()
}

var stoppedMsg = regexp.MustCompile(`stopped: (\d+) trials failed \(search\.max_failed_trials: 2\); the last, trial (\d+): exit status 3 \(its output is in (\S+) on the machine that ran it\)`)

// The test: a shared study whose program always fails, with
// search.max_failed_trials 2, run by `run` and two workers of one slot
// each. It stops after 3 failures, give or take the two other trials
// running then; run exits 1 with the one-process message after exporting
// what finished; the workers log the stop and exit 0; every trial that
// ran is stored, the rest wait. Fixed, `run --resume` lifts the stop, runs
// the waiting trials and completes the study, keeping the failures.
func TestPostgresMaxFailedTrialsStopsSharedStudy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	url := pgtest.URL(t)
	bin := binary(t)
	cfg, out := sharedCommandSweep(t, brokenScript, 24, 2)
	d := connect(t, url)
	args := append([]string{"--study", "broken", "--storage", url, "--set", "output.dir=" + out}, faults...)
	run := start(t, bin, append([]string{"run", cfg, "--parallel", "1", "--json"}, args...)...)
	until(t, "the study to be stored", 20*time.Second, func() bool {
		return d.count(`SELECT count(*) FROM trials WHERE study = 'broken'`) > 0
	})
	var workers []*proc
	for range 2 {
		workers = append(workers, start(t, bin, append([]string{"worker", "broken", "--storage", url, "--parallel", "1"}, faults...)...))
	}
	if code := run.exitCode(t, "run", 60*time.Second); code != exitNoSuccess {
		t.Fatalf("run: exit %d, want 1\n%s", code, run.err.String())
	}
	for i, w := range workers {
		if code := w.exitCode(t, "worker", 60*time.Second); code != exitOK {
			t.Fatalf("worker %d: exit %d, want 0\n%s", i, code, w.err.String())
		}
		if s := w.err.String(); strings.Count(s, "study broken stopped: ") != 1 || !strings.Contains(s, "trials failed (search.max_failed_trials: 2)") {
			t.Errorf("worker %d did not log the stop once:\n%s", i, s)
		}
	}

	failed := d.count(`SELECT count(*) FROM trials WHERE status = 'failed'`)
	t.Logf("stopped with %d failed trials", failed)
	if failed < 3 || failed > 3+2 {
		t.Errorf("%d trials failed; want 3, and at most the 2 running elsewhere then on top", failed)
	}
	if n := d.count(`SELECT count(*) FROM trials WHERE status NOT IN ('failed', 'waiting')`); n != 0 {
		t.Errorf("%d trials neither failed nor waiting", n)
	}
	if n := d.count(`SELECT count(*) FROM trials WHERE status = 'waiting'`); n != 24-failed {
		t.Errorf("%d trials wait, want the other %d", n, 24-failed)
	}
	// Every claim ended in a stored result: nothing that ran was lost.
	if n := d.count(`SELECT coalesce(sum(attempt), 0) FROM trials`); n != failed {
		t.Errorf("%d claims for %d stored failures", n, failed)
	}
	m := stoppedMsg.FindStringSubmatch(run.err.String())
	if m == nil {
		t.Fatalf("run's message is not the one-process one:\n%s", run.err.String())
	}
	reported, _ := strconv.Atoi(m[1])
	if reported < 3 || reported > failed || m[3] != filepath.Join(out, "broken", "trials", m[2]) ||
		!strings.Contains(run.err.String(), "--resume") || !strings.Contains(run.err.String(), "hpsearch: wrote") {
		t.Errorf("run reported %s failures (%d stored), output %s; or did not export or say how to resume:\n%s", m[1], failed, m[3], run.err.String())
	}
	if doc := decode(t, run.out.String()); len(doc.Trials) != reported {
		t.Errorf("run printed %d trials, want the %d that had finished", len(doc.Trials), reported)
	}
	code, studies, stderr := hpsearch(t, context.Background(), "studies", "--storage", url)
	if code != exitOK || !regexp.MustCompile(`broken .*│ failed +│ +`+strconv.Itoa(failed)+`/24 `).MatchString(studies) {
		t.Errorf("studies: exit %d; want broken failed %d/24:\n%s%s", code, failed, studies, stderr)
	}

	// The script is fixed: --resume lifts the stop and runs the rest.
	writeTestFile(t, filepath.Join(filepath.Dir(cfg), "train.sh"), fixedScript, 0o755)
	code, stdout, stderr := runBinary(t, bin, append([]string{"run", cfg, "--parallel", "2", "--json", "--resume"}, args...)...)
	if code != exitOK || !strings.Contains(stderr, "had stopped after too many failed trials; resuming it") {
		t.Fatalf("run --resume after the fix: exit %d\n%s", code, stderr)
	}
	doc := decode(t, stdout)
	var ok, stillFailed int
	for _, tr := range doc.Trials {
		switch tr.Status {
		case "ok":
			ok++
		case "failed":
			stillFailed++
		}
	}
	if len(doc.Trials) != 24 || ok != 24-failed || stillFailed != failed || doc.Best == nil {
		t.Errorf("resumed study: %d trials, %d ok, %d failed; want 24, %d ok, the %d failures kept", len(doc.Trials), ok, stillFailed, 24-failed, failed)
	}
	if code, studies, _ := hpsearch(t, context.Background(), "studies", "--storage", url); code != exitOK ||
		!regexp.MustCompile(`broken .*│ finished +│ +24/24 `).MatchString(studies) {
		t.Errorf("studies after resuming: exit %d\n%s", code, studies)
	}
}

// A shared study whose failures stay within search.max_failed_trials
// completes normally, with the run and a worker.
func TestPostgresFailuresWithinTheLimitComplete(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	url := pgtest.URL(t)
	bin := binary(t)
	script := `case "$HPSEARCH_TRIAL" in 1|4) echo broken >&2; exit 3;; esac
sleep 0.1
` + fixedScript
	cfg, out := sharedCommandSweep(t, script, 12, 2)
	d := connect(t, url)
	run := start(t, bin, append([]string{"run", cfg, "--study", "few", "--storage", url, "--set", "output.dir=" + out, "--parallel", "1", "--json"}, faults...)...)
	until(t, "the study to be stored", 20*time.Second, func() bool {
		return d.count(`SELECT count(*) FROM trials WHERE study = 'few'`) > 0
	})
	worker := start(t, bin, append([]string{"worker", "few", "--storage", url, "--parallel", "1"}, faults...)...)
	if code := run.exitCode(t, "run", 60*time.Second); code != exitOK {
		t.Fatalf("run: exit %d, want 0\n%s", code, run.err.String())
	}
	if code := worker.exitCode(t, "worker", 60*time.Second); code != exitOK || strings.Contains(worker.err.String(), "stopped") {
		t.Fatalf("worker: exit %d\n%s", code, worker.err.String())
	}
	doc := decode(t, run.out.String())
	if len(doc.Trials) != 12 || d.count(`SELECT count(*) FROM trials WHERE status = 'failed'`) != 2 ||
		d.count(`SELECT count(*) FROM studies WHERE status = 'finished'`) != 1 {
		t.Errorf("%d trials printed; want 12 with 2 failed, study finished\n%s", len(doc.Trials), run.err.String())
	}
}
