package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// A worker that joins a study another process proposes does not know its
// total: its progress says "N done", never "N/0 done".
func TestWorkerProgressNeverSaysOfZero(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	ran := make(chan int, 1)
	var runErr string
	go func() {
		code, _, stderr := hpsearch(t, context.Background(), append(append([]string{"run"}, sharedSweep(dir)...),
			append([]string{"--study", "joined", "--storage", url}, faults...)...)...)
		runErr = stderr
		ran <- code
	}()
	d := connect(t, url)
	until(t, "the study to be stored", 20*time.Second, func() bool {
		return d.count(`SELECT count(*) FROM trials WHERE study = 'joined'`) > 0
	})
	code, _, workerErr := hpsearch(t, context.Background(), append([]string{"worker", "joined", "--storage", url, "--parallel", "1"}, faults...)...)
	if code != exitOK {
		t.Fatalf("worker: exit %d\n%s", code, workerErr)
	}
	select {
	case code := <-ran:
		if code != exitOK {
			t.Fatalf("run: exit %d\n%s", code, runErr)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the run never ended")
	}
	lines := regexp.MustCompile(`(?m)^.*trial \d+ .*done$`).FindAllString(workerErr, -1)
	if len(lines) == 0 {
		t.Fatalf("the worker reported no trial:\n%s", workerErr)
	}
	for _, l := range lines {
		if strings.HasSuffix(l, "/0 done") {
			t.Errorf("progress %q", l)
		}
		if !regexp.MustCompile(`, \d+(/\d+)? done$`).MatchString(l) {
			t.Errorf("progress %q: want N done or N/M done", l)
		}
	}
}
