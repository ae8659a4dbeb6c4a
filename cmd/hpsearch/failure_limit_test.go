//go:build unix

package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var localStopped = regexp.MustCompile(`stopped: (\d+) trials failed \(search\.max_failed_trials: 2\)`)

// A study stopped by its failure limit in one process, two trials at a
// time: the message counts the failed trials as show does (a trial
// running when the limit was crossed may fail too before it stops), and
// says how to continue once the cause is fixed, as a shared study's does.
func TestLocalFailureLimitCountsWhatIsStoredAndSaysHowToResume(t *testing.T) {
	dir := t.TempDir()
	cfg := scriptSweep(t, dir, "broken", "echo broken >&2\nexit 3\n", 24, "max_failed_trials: 2")
	db := "sqlite://" + filepath.Join(dir, "h.db")
	out := filepath.Join(dir, "runs")
	code, _, stderr := hpsearch(t, context.Background(), "run", cfg, "--parallel", "2", "--storage", db, "--set", "output.dir="+out)
	m := localStopped.FindStringSubmatch(stderr)
	if code != exitNoSuccess || m == nil {
		t.Fatalf("exit %d, want 1 with the stop message:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "fix the cause, then continue with: hpsearch run "+cfg+" --study broken") || !strings.Contains(stderr, "--resume") {
		t.Errorf("the stop does not say how to resume:\n%s", stderr)
	}
	code, shown, _ := hpsearch(t, context.Background(), "show", "broken", "--storage", db, "--json")
	failed := 0
	for _, tr := range decode(t, shown).Trials {
		if tr.Status == "failed" {
			failed++
		}
	}
	if reported, _ := strconv.Atoi(m[1]); code != exitOK || reported != failed {
		t.Errorf("the message says %s trials failed; show (exit %d) has %d", m[1], code, failed)
	}
}
