package search

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// Task is one trial to evaluate.
type Task struct {
	Study  string
	Number int
	Round  int
	Params results.Params
	Seed   uint64
	// Report, when not nil, takes the trial's intermediate value at a step
	// (iterations for the built-in trainer, reported steps for commands)
	// and says whether the trial may go on: false means it was pruned. The
	// value is what the trial would give if it stopped there. The runner
	// keeps every reported value in the trial's Reports, so a resumed study
	// judges as before.
	Report func(step int, value float64) bool
	// Pausable, when not nil, is for an evaluator whose trial computes
	// outside the goroutine that calls Report (a command trial's program):
	// it calls it once, as soon as the trial has started, with functions
	// that pause and continue the trial; both must be safe from any
	// goroutine and do nothing once the trial has ended. While Report keeps
	// the trial parked at a rung without its compute slot (synchronous
	// early stopping), the runner pauses it, so that it computes nothing
	// while another trial has its slot. When the trial may go on, the
	// runner continues it before Report returns true; a trial pruned while
	// paused (Report returns false), or whose ctx ended, is not continued:
	// whatever stops it must continue it. The built-in trainer needs none:
	// it computes nothing while Report blocks.
	Pausable func(pause, resume func())
	// Live, when not nil, follows the running trial for whoever watches
	// the store, and says when a person asked it to stop (see Live). The
	// evaluator gives it the trial's curve, and ends the trial when it is
	// stopped, keeping what the trial has, with stop reason user.
	Live *Live
	// Batch, when not nil, is the trials a Worker runs together on one
	// compute slot for a Batcher: each is its own Evaluate call, on its
	// own goroutine, and they share what the evaluator keeps in Batch.
	Batch *Batch
}

// Evaluator trains (or otherwise evaluates) one trial. A trial that broke is
// a result with status failed, not an error: Evaluate returns an error only
// when it has no result at all, because ctx ended before the trial did.
type Evaluator interface {
	Evaluate(ctx context.Context, t Task) (results.Trial, error)
}

// Batcher is an Evaluator whose trials can share their work (the built-in
// trainer's batched trials share their passes over the data). A Runner's
// Worker then claims up to BatchSize trials of the round at once and runs
// them together on one compute slot, each still its own Evaluate call
// with its own Task, result, reports and early stopping; the results are
// stored one by one as the trials finish. It must give each trial the
// value it gives alone, so that which trials share a slot, which varies
// with --parallel and resume, changes no result.
type Batcher interface {
	Evaluator
	// BatchSize is how many trials may share one compute slot; 1 or less
	// runs each alone.
	BatchSize() int
}

// EvaluatorFunc adapts a function to Evaluator.
type EvaluatorFunc func(ctx context.Context, t Task) (results.Trial, error)

// Evaluate calls f.
func (f EvaluatorFunc) Evaluate(ctx context.Context, t Task) (results.Trial, error) { return f(ctx, t) }

// TrialSeed derives trial n's seed from the study seed (SplitMix64 of both),
// so any trial can be re-run alone and give the same numbers.
func TrialSeed(studySeed uint64, n int) uint64 {
	z := studySeed + 0x9e3779b97f4a7c15*uint64(n+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Progress is told about every finished trial, one call at a time.
type Progress func(t results.Trial, done, total int)

// Runner runs a study in this process alone: the one Worker loop over
// the live queue of its strategy (localQueue), which proposes a round at a
// time and asks for the next once the previous one is all finished and
// told, so the same config and seed give the same trials at any
// Parallelism.
type Runner struct {
	Study       string
	Seed        uint64
	Strategy    Strategy
	Evaluator   Evaluator
	Store       results.Store // nil: nothing is stored
	Parallelism int           // 0 means the number of CPUs
	Progress    Progress
	// Finished holds trials already finished by an earlier, interrupted run
	// of this study (resume): they are told to the strategy as they are and
	// never evaluated again.
	Finished map[int]results.Trial
	// Pruner, when set, stops unpromising trials early (early stopping).
	Pruner *Pruner
	// MaxFailed stops the study at the failure that makes more than this
	// many of its trials failed, those of Finished included (0: never):
	// the trials running are interrupted and Run's error is a
	// *FailureLimitError.
	MaxFailed int
	// Hold is Worker.Hold.
	Hold func() (release func())
}

// Run evaluates the whole study. It returns every finished trial in number
// order; when ctx ends first it returns those that finished and ctx's
// error, and when a failure took the study past MaxFailed, a
// *FailureLimitError (an earlier run's failures already past it stop
// nothing: only a new failure does).
// A trial interrupted stays stored as running, to run again on resume.
func (r *Runner) Run(ctx context.Context) ([]results.Trial, error) {
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	q := newLocalQueue(r, stop)
	w := &Worker{ID: "local", Queue: q, Parallelism: r.Parallelism, Progress: r.Progress, Hold: r.Hold}
	err := w.Serve(runCtx, []*Job{{Study: r.Study, Seed: r.Seed, Evaluator: r.Evaluator, Pruner: r.Pruner}})
	var limit *FailureLimitError
	if ctx.Err() == nil && errors.As(context.Cause(runCtx), &limit) {
		return q.trials(), limit // Ctrl-C wins: it is ctx's error then
	}
	return q.trials(), err
}

// computeSlot is one of the runner's parallelism slots, held by a trial
// while it computes. Release is idempotent, so a trial parked at a rung
// and then pruned gives back exactly what it holds. A trial of a batch
// holds its share of the batch's one slot (group).
type computeSlot struct {
	ch    chan struct{}
	held  bool
	group *slotGroup
}

func (c *computeSlot) Acquire(ctx context.Context) error {
	if c.group != nil {
		return c.group.acquire(ctx, c)
	}
	select {
	case c.ch <- struct{}{}:
		c.held = true
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *computeSlot) Release() {
	if c.group != nil {
		c.group.release(c)
		return
	}
	if c.held {
		c.held = false
		<-c.ch
	}
}

// parkingSlot is a trial's compute slot as the pruner sees it: a trial
// parked at a rung gives it back and takes it again before it goes on. A
// trial that can be paused (Task.Pausable) is paused just before the slot
// is given back, and continued by goOn once it holds one again and may go
// on, so that it computes nothing while another trial has its slot.
type parkingSlot struct {
	*computeSlot
	mu            sync.Mutex // pause and resume are set on the trial's goroutine, used on Report's
	pause, resume func()
	paused        bool
}

// pausable is Task.Pausable.
func (s *parkingSlot) pausable(pause, resume func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pause, s.resume = pause, resume
}

func (s *parkingSlot) Release() {
	s.mu.Lock()
	if s.pause != nil && s.held && !s.paused {
		s.pause()
		s.paused = true
	}
	s.mu.Unlock()
	s.computeSlot.Release()
}

// goOn continues a trial paused at a rung; the runner calls it once the
// pruner let the trial go on, holding its slot again.
func (s *parkingSlot) goOn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.paused {
		s.resume()
		s.paused = false
	}
}

// evaluateTrial runs the evaluator, turning a panic into a failed trial: one
// broken trial must never take the finished ones down with it.
func evaluateTrial(ctx context.Context, ev Evaluator, task Task) (t results.Trial, err error) {
	defer func() {
		if p := recover(); p != nil {
			t = results.Trial{Status: results.StatusFailed, Error: fmt.Sprintf("panic: %v (at %s)", p, panicSite(debug.Stack()))}
			err = nil
		}
	}()
	return ev.Evaluate(ctx, task)
}

// Settle is the end of a trial that ran to its end, in a study (the
// Worker's loop, in one process or shared) or alone (hpsearch eval): a
// trial whose evaluator returned evalErr (and no result) failed with it;
// the task's identity, the values it reported (nil without early
// stopping) and its times (start, when the evaluator set none) are filled
// in.
func Settle(t results.Trial, evalErr error, task Task, reports []results.Reported, start time.Time) results.Trial {
	if evalErr != nil {
		t = results.Trial{Status: results.StatusFailed, Error: evalErr.Error()}
	}
	t.Study, t.Number, t.Round, t.Params, t.Seed = task.Study, task.Number, task.Round, task.Params, task.Seed
	if reports != nil {
		t.Reports = reports
	}
	if t.Started.IsZero() {
		t.Started = start
	}
	if t.Finished.IsZero() {
		t.Finished = time.Now()
	}
	return t
}

// panicSite picks the first frame outside the runtime from a stack trace, so
// a failed trial says where it broke in one line.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i := 0; i+1 < len(lines); i++ {
		fn := strings.TrimSpace(lines[i])
		if strings.HasPrefix(fn, "panic(") || strings.HasPrefix(fn, "runtime/") || strings.HasPrefix(fn, "goroutine ") ||
			strings.Contains(fn, "search.evaluateTrial") || strings.HasPrefix(fn, "/") || fn == "" {
			continue
		}
		return fn + " " + strings.TrimSpace(lines[i+1])
	}
	return "unknown"
}

func sameParams(a, b results.Params) error {
	if len(a) != len(b) {
		return errors.New("stored parameters differ from the config's")
	}
	for i := range a {
		if a[i].Name != b[i].Name || fmt.Sprint(a[i].Value) != fmt.Sprint(b[i].Value) {
			return fmt.Errorf("stored %s=%v, the config proposes %s=%v", a[i].Name, a[i].Value, b[i].Name, b[i].Value)
		}
	}
	return nil
}
