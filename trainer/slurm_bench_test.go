//go:build unix

package trainer

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/slurmtest"
)

// BenchmarkTrialOverhead measures what running a trial as a Slurm job
// costs over running it here, one trial at a time: from the call to the
// program's start (for Slurm: writing the job's files, sbatch, scheduling,
// the job's launch, bash), and from the program's end to the result (for
// Slurm: the job's end seen through its exit file and scontrol). The
// program prints the wall clock as it starts and as it ends.
//
//	go test ./trainer -run '^$' -bench TrialOverhead -benchtime 20x
func BenchmarkTrialOverhead(b *testing.B) {
	argv := []string{"/bin/sh", "-c", "date +%s%N; echo val_loss=1; date +%s%N"}
	for _, tc := range []struct {
		name     string
		launcher Launcher
	}{{"local", nil}, {"slurm", &Slurm{}}} {
		b.Run(tc.name, func(b *testing.B) {
			if tc.launcher != nil {
				slurmtest.Need(b)
			}
			var toStart, toResult time.Duration
			for i := 0; b.Loop(); i++ {
				dir := filepath.Join(b.TempDir(), "trials", strconv.Itoa(i))
				c := Command{Argv: argv, Launcher: tc.launcher}
				called := time.Now()
				res, err := c.Run(context.Background(), CommandRun{Study: "bench", Trial: i, Seed: 1, Dir: dir})
				result := time.Now()
				if err != nil || res.Outcome != CommandOK {
					b.Fatalf("trial: %+v, %v", res, err)
				}
				start, end := programClock(b, dir)
				toStart += start.Sub(called)
				toResult += result.Sub(end)
			}
			b.ReportMetric(float64(toStart.Milliseconds())/float64(b.N), "ms-to-start/op")
			b.ReportMetric(float64(toResult.Milliseconds())/float64(b.N), "ms-end-to-result/op")
		})
	}
}

// programClock reads the times the benchmark's program printed first and
// last.
func programClock(b *testing.B, dir string) (start, end time.Time) {
	f, err := os.Open(filepath.Join(dir, StdoutFileName))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var stamps []time.Time
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if ns, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64); err == nil {
			stamps = append(stamps, time.Unix(0, ns))
		}
	}
	if len(stamps) != 2 {
		b.Fatalf("the program printed %d times, want 2", len(stamps))
	}
	return stamps[0], stamps[1]
}
