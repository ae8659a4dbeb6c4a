package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/hpsearch/hpsearch/results"
)

// progress reports finished trials on stderr: one self-rewriting line on a
// terminal, plain log lines otherwise (a cron job's log file must not fill
// with carriage returns). Calls come one at a time from the runner.
type progress struct {
	w        io.Writer
	tty      bool
	total    int
	goal     results.Goal
	start    time.Time
	best     float64
	bestN    int
	every    int // log lines: one per this many trials, plus every new best
	lastDraw time.Time
	failed   int // failed trials so far: the first maxFailureLines get a line each
	ran      int // trials finished by this run: what the ETA is measured on
}

// maxFailureLines is how many failed trials get a line of their own while
// the sweep runs; the list under the ranked table names them all.
const maxFailureLines = 10

func newProgress(w io.Writer, total int, goal results.Goal) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, tty: tty, total: total, goal: goal, start: time.Now(), best: math.NaN(), bestN: -1,
		every: max(1, total/20)}
}

func (p *progress) better(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if math.IsNaN(p.best) {
		return true
	}
	if p.goal.Maximizes() {
		return v > p.best
	}
	return v < p.best
}

// Resumed starts the best from the trials an earlier run finished
// (--resume): they are part of the study, and its best may be among them.
func (p *progress) Resumed(trials []results.Trial) {
	for _, t := range trials {
		if t.Status == results.StatusOK && p.better(t.Value.Float()) {
			p.best, p.bestN = t.Value.Float(), t.Number
		}
	}
}

func (p *progress) Trial(t results.Trial, done, total int) {
	improved := t.Status == results.StatusOK && p.better(t.Value.Float())
	if improved {
		p.best, p.bestN = t.Value.Float(), t.Number
	}
	p.ran++
	elapsed := time.Since(p.start)
	eta := time.Duration(0)
	// Measured on this run's trials alone: a resumed study's earlier ones
	// took none of this run's time.
	if total > done {
		eta = time.Duration(float64(elapsed) / float64(p.ran) * float64(total-done))
	}
	best := "-"
	if p.bestN >= 0 {
		best = fmt.Sprintf("%.6g (trial %d)", p.best, p.bestN)
	}
	// A failure is said at once, with its reason, on a line that stays: a
	// broken program should not take a whole sweep to notice.
	sayFailure := false
	if t.Status == results.StatusFailed {
		p.failed++
		sayFailure = p.failed <= maxFailureLines
	}
	if p.tty {
		if sayFailure {
			fmt.Fprintf(p.w, "\r\033[Khpsearch: trial %d failed: %s\n", t.Number, results.FailureReason(t))
			p.lastDraw = time.Time{} // the self-rewriting line was cleared: draw it again
		}
		// Redrawing more than ~20 times a second only costs time.
		if done < total && time.Since(p.lastDraw) < 50*time.Millisecond {
			return
		}
		p.lastDraw = time.Now()
		fmt.Fprintf(p.w, "\r\033[K%d/%d trials  best %s  elapsed %s  eta %s", done, total, best,
			elapsed.Round(100*time.Millisecond), eta.Round(time.Second))
		return
	}
	if improved || sayFailure || done%p.every == 0 || done == total {
		outcome := fmt.Sprintf("%s %.6g", t.Status, t.Value.Float())
		if t.Status == results.StatusFailed {
			outcome = "failed: " + results.FailureReason(t)
		}
		fmt.Fprintf(p.w, "hpsearch: %d/%d trials, trial %d %s, best %s, elapsed %s, eta %s\n", done, total,
			t.Number, outcome, best, elapsed.Round(time.Millisecond), eta.Round(time.Second))
	}
}

func (p *progress) Finish() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
