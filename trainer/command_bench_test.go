//go:build unix

package trainer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkCommandOverhead measures what a command trial costs beyond the
// program's own run: each iteration runs the same program once bare
// (exec.Command(...).Run(), output to /dev/null) and once as a trial
// (template expansion, the trial directory with its stdout and stderr
// files, the metric read line by line, process group cleanup, stderr
// tail), and reports both and their difference per trial. It also times
// the file system work alone (a directory and two files, as a trial makes
// them), since on a busy disk that is most of the difference: trial
// directories go under TMPDIR, so run it with TMPDIR on the disk that
// will hold runs/.
func BenchmarkCommandOverhead(b *testing.B) {
	echo, err := exec.LookPath("echo")
	if err != nil {
		b.Skip("no echo:", err)
	}
	programs := []struct {
		name string
		argv func() []string
	}{
		{"echo", func() []string { return []string{echo, "step=1", "val_loss={lr}"} }},
		{"go-program", func() []string { return []string{prog(b), "print:{\"step\": 1, \"val_loss\": {lr}}"} }},
	}
	for _, p := range programs {
		b.Run(p.name, func(b *testing.B) {
			argv := p.argv()
			bareArgv := []string{argv[0], "step=1", "val_loss=0.5"}
			c := Command{Argv: argv}
			dir := b.TempDir()
			var bare, trial, disk time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := exec.Command(bareArgv[0], bareArgv[1:]...).Run(); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				res, err := c.Run(context.Background(), CommandRun{Study: "bench", Trial: i, Seed: uint64(i),
					Params: []CommandParam{{Name: "lr", Value: 0.5}}, Dir: filepath.Join(dir, strconv.Itoa(i))})
				t2 := time.Now()
				if err != nil || res.Outcome != CommandOK || res.Value != 0.5 {
					b.Fatalf("trial %d: %v, %s %s", i, err, res.Outcome, res.Reason)
				}
				if err := makeTrialFiles(filepath.Join(dir, "probe-"+strconv.Itoa(i))); err != nil {
					b.Fatal(err)
				}
				bare += t1.Sub(t0)
				trial += t2.Sub(t1)
				disk += time.Since(t2)
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
			b.ReportMetric(ms(bare), "bare-ms/op")
			b.ReportMetric(ms(trial), "trial-ms/op")
			b.ReportMetric(ms(trial-bare), "overhead-ms/op")
			b.ReportMetric(ms(disk), "files-ms/op")
		})
	}
}

// makeTrialFiles does the file system work of a trial alone.
func makeTrialFiles(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{StderrFileName, StdoutFileName} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		f.Close()
	}
	return nil
}
